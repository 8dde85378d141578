"""Delivery KPIs: what became of specpilot's changes, computed from the verified audit log and
the run records, and the page that draws them. (README.md lists the modules.)"""
