"""The confidence of a measured share: the lower bound of its Wilson score interval."""

from __future__ import annotations

import math


def wilson_lower(k: int, n: int, z: float) -> float:
    """The lower bound of the Wilson score interval of k successes in n trials."""
    if n <= 0:
        return 0.0
    p = k / n
    denom = 1 + z * z / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, (centre - margin) / denom)
