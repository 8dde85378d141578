"""What a change is and which tier it gets: file kinds, dependency bumps, size/mode/symlink rules, the policy file and the rate limits. (README.md lists the modules.)"""
