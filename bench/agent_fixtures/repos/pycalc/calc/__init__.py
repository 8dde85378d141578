"""pycalc: tiny arithmetic and text helpers."""
