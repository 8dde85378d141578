"""Is a new dependency's name one typo away from a much more popular package?

Typosquatting (``reqeusts`` for ``requests``, ``lodahs`` for ``lodash``) is how most
malicious packages reach a project: a one-letter slip in a manifest installs an attacker's
code, in CI as soon as a branch is pushed. The popular names are a small list per ecosystem
bundled with specpilot (``popular/<ecosystem>.txt``, read once; nothing is downloaded). A name
is flagged when it is not itself on the list and lies within the edit distance below of a
name that is (optimal string alignment: insert, delete, substitute, swap two neighbours);
short names get a smaller distance, since every three-letter name is two edits from another.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from packaging.utils import canonicalize_name

# (shortest name length, the largest distance flagged), longest first
DISTANCES: tuple[tuple[int, int], ...] = ((6, 2), (4, 1))


@cache
def popular(ecosystem: str) -> frozenset[str]:
    """The bundled popular names of ``ecosystem`` (normalised), empty for one without a list."""
    try:
        text = resources.files(__package__).joinpath("popular", f"{ecosystem}.txt").read_text()
    except FileNotFoundError:
        return frozenset()
    names = (line.strip() for line in text.splitlines())
    return frozenset(normalise(n, ecosystem) for n in names if n and not n.startswith("#"))


def normalise(name: str, ecosystem: str) -> str:
    if ecosystem == "pypi":
        return canonicalize_name(name)
    return name.strip().lower()


def lookalike(name: str, ecosystem: str) -> str | None:
    """The popular name ``name`` is probably a typo of, or ``None``."""
    mine = normalise(name, ecosystem)
    names = popular(ecosystem)
    if mine in names:
        return None
    limit = _limit(len(mine))
    if limit == 0:
        return None
    best: tuple[int, str] | None = None
    for other in names:
        if abs(len(other) - len(mine)) > limit:
            continue
        d = distance(mine, other, limit)
        if d <= limit and (best is None or (d, other) < best):
            best = (d, other)
    if best is None and ecosystem == "pypi":  # python-requests, requests2, py-yaml
        bare = re.sub(r"^(python|py)-|-?(python|py|\d+)$", "", mine)
        if bare != mine and bare in names:
            return bare
    return best[1] if best else None


def _limit(length: int) -> int:
    return next((d for shortest, d in DISTANCES if length >= shortest), 0)


def distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance of ``a`` and ``b`` (``limit + 1`` once above it)."""
    if a == b:
        return 0
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(row[j - 1] + 1, prev[j] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], prev2[j - 2] + 1)
        if min(row) > limit:
            return limit + 1
        prev2, prev = prev, row
    return prev[-1]
