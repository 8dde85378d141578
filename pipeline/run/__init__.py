"""One spec through retrieve → plan → code → test: the spec, the retrieved context, the plan, the tool loop, the budget, the stages, and the run's record and report. (README.md lists the modules.)"""
