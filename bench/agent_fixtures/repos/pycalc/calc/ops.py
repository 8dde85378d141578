"""Arithmetic helpers."""


def add(a, b):
    return a + b


def sub(a, b):
    return a - b


def divide(a, b):
    return a / b


def clamp(value, low, high):
    """Limit value to the range [low, high]."""
    if value < low:
        return low
    if value >= high:
        return high - 1
    return value
