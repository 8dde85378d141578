"""Where the agent works and its tests run: the git worktree and the one git runner, the file tools' path checks, the test runner and its sandbox. (README.md lists the modules.)"""
