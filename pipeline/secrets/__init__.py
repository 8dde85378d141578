"""The secret gate: gitleaks-derived rules on top of detect-secrets, run before every commit, push and PR. (README.md lists the modules.)"""
