"""Deliver a run as its tier says: commit off to the side, push a branch, open a PR, merge. (README.md lists the modules.)"""
