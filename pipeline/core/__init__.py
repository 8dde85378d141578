"""What every stage needs: the error tree and the run's frozen config. (README.md lists the modules.)"""
