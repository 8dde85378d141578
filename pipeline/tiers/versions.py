"""Version grammars and version constraints, for telling a version bump from anything else.

Three grammars: ``pep440`` (Python, through ``packaging``), ``semver`` (npm, Cargo: semver.org
2.0, with the partial forms ranges allow — ``1``, ``1.2``, ``1.2.x``, ``*``) and ``go``
(``v`` + semver, ``+incompatible`` and pseudo-versions included). A string is a version only if
the grammar parses all of it: ``10.0.0.1`` is not a semver and ``90.0`` appears in no
dependency slot, so neither an IP address nor a coverage threshold is ever read as a version.

A constraint (``>=2.31,<3``, ``^4.17.21``, ``~> 1.2``, ``1.2.*``) is a sequence of
comparators; :func:`compare_constraints` accepts a change only when the operators and
separators are the same and every version moved up (or stayed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from packaging.version import InvalidVersion, Version

Grammar = Literal["pep440", "semver", "go"]

# semver.org's own grammar, with the partial forms of npm / Cargo ranges.
_NUM = r"0|[1-9]\d*"
_WILD = r"[xX*]"
_PRE = r"(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*"
_SEMVER_RE = re.compile(
    rf"^v?(?P<major>{_NUM}|{_WILD})(?:\.(?P<minor>{_NUM}|{_WILD})(?:\.(?P<patch>{_NUM}|{_WILD})"
    rf"(?:-(?P<pre>{_PRE}))?(?:\+(?P<build>[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?)?)?$"
)
_GO_RE = re.compile(
    rf"^v(?P<major>{_NUM})\.(?P<minor>{_NUM})\.(?P<patch>{_NUM})(?:-(?P<pre>{_PRE}))?"
    r"(?:\+(?P<build>incompatible))?$"
)

# Comparators: an operator (or none) and a version-looking token. What separates them must be
# one of the separators below; anything else (a URL, a tag name, "latest") is not a constraint.
_OPS = ("===", "==", "!=", "~=", ">=", "<=", "~>", ">", "<", "=", "^", "~")
_COMPARATOR_RE = re.compile(
    r"(?:(?P<op>===|==|!=|~=|>=|<=|~>|>|<|=|\^|~)\s*)?(?P<ver>[vV]?[0-9xX*][0-9A-Za-z.*+!_-]*)"
)
_SEPARATOR_RE = re.compile(r"^(?:\s*(?:,|\|\||\s-\s)\s*|\s+)$")


@dataclass(frozen=True, slots=True)
class Comparator:
    op: str
    version: str
    key: tuple[Any, ...]
    release: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Constraint:
    text: str
    shape: tuple[str, ...]  # operators and separators, in order
    comparators: tuple[Comparator, ...]


def version_key(text: str, grammar: Grammar) -> tuple[tuple[Any, ...], tuple[int, ...]] | None:
    """(sort key, release numbers) of ``text`` as a version of ``grammar``; ``None`` when the
    grammar does not parse all of it."""
    text = text.strip()
    if grammar == "pep440":
        return _pep440(text)
    m = (_GO_RE if grammar == "go" else _SEMVER_RE).match(text)
    if m is None:
        return None
    release = tuple(
        0 if part is None or part in "xX*" else int(part)
        for part in (m.group("major"), m.group("minor"), m.group("patch"))
    )
    pre = m.group("pre")
    pre_key: tuple[Any, ...] = (1,) if pre is None else (0, *map(_pre_part, pre.split(".")))
    return (release, pre_key), release


def parse_constraint(text: str, grammar: Grammar) -> Constraint | None:
    """The comparators of ``text`` (``None`` when it is not a constraint of ``grammar``)."""
    stripped = text.strip()
    if not stripped:
        return None
    shape: list[str] = []
    comparators: list[Comparator] = []
    pos = 0
    for m in _COMPARATOR_RE.finditer(stripped):
        between = stripped[pos : m.start()]
        if comparators and not _SEPARATOR_RE.match(between):
            return None
        if not comparators and between:
            return None
        op, version = m.group("op") or "", m.group("ver")
        if grammar == "pep440" and version.endswith(".*") and op in ("==", "!="):
            parsed = _pep440(version[:-2])
        elif version in ("*", "x", "X") and grammar != "pep440":
            parsed = ((), (1,)), ()
        else:
            parsed = version_key(version, grammar)
        if parsed is None:
            return None
        if comparators:
            shape.append(between.strip() or " ")
        shape.append(op)
        comparators.append(Comparator(op, version, parsed[0], parsed[1]))
        pos = m.end()
    if pos != len(stripped) or not comparators:
        return None
    return Constraint(stripped, tuple(shape), tuple(comparators))


@dataclass(frozen=True, slots=True)
class VersionChange:
    """How a constraint changed: ``problem`` is set when it is not a bump."""

    changed: bool
    major: bool = False
    problem: str | None = None


def compare_constraints(old: str, new: str, grammar: Grammar) -> VersionChange:
    """Is ``old`` → ``new`` the same constraint with its versions moved up?"""
    if old == new:
        return VersionChange(changed=False)
    a, b = parse_constraint(old, grammar), parse_constraint(new, grammar)
    if a is None or b is None:
        bad = old if a is None else new
        return VersionChange(True, problem=f"{bad!r} is not a {_NAMES[grammar]} version constraint")
    if a.shape != b.shape:
        return VersionChange(True, problem=f"{old!r} → {new!r} changes the operators, not versions")
    major = False
    for x, y in zip(a.comparators, b.comparators, strict=True):
        if y.key < x.key:
            return VersionChange(True, problem=f"{old!r} → {new!r} lowers a version")
        major = major or _major(x.release, y.release)
    if all(x.key == y.key for x, y in zip(a.comparators, b.comparators, strict=True)):
        return VersionChange(True, problem=f"{old!r} → {new!r} rewrites the same versions")
    return VersionChange(True, major=major)


def compare_versions(old: str, new: str, grammar: Grammar) -> VersionChange:
    """Is ``old`` → ``new`` a move up of one exact version?"""
    if old == new:
        return VersionChange(changed=False)
    a, b = version_key(old, grammar), version_key(new, grammar)
    if a is None or b is None:
        bad = old if a is None else new
        return VersionChange(True, problem=f"{bad!r} is not a {_NAMES[grammar]} version")
    if b[0] < a[0]:
        return VersionChange(True, problem=f"{old} → {new} lowers the version")
    if b[0] == a[0]:
        return VersionChange(True, problem=f"{old} → {new} rewrites the same version")
    return VersionChange(True, major=_major(a[1], b[1]))


_NAMES: dict[Grammar, str] = {"pep440": "PEP 440", "semver": "semver", "go": "Go module"}


def _pep440(text: str) -> tuple[tuple[Any, ...], tuple[int, ...]] | None:
    try:
        v = Version(text)
    except InvalidVersion:
        return None
    return (v.epoch, v), v.release


def _pre_part(part: str) -> tuple[int, int | str]:
    return (0, int(part)) if part.isdigit() else (1, part)


def _major(old: tuple[int, ...], new: tuple[int, ...]) -> bool:
    """A change of the first release number (``1.x`` → ``2.x``)."""
    return (old[:1] or (0,)) != (new[:1] or (0,))
