"""The supply-chain guard: a change that *adds* a dependency is reviewed by a human.

A bump moves a version of a package the project already trusts; a new name brings in code
nobody here has read. For each dependency a manifest gains (a name its base version did
not declare, per ecosystem — see :mod:`pipeline.tiers.dep_list`) these rules fire:

- ``dependency.new`` (tier 2): the change adds dependencies; never auto-merged
- ``dependency.unbounded`` (tier 2): a new dependency has no version bound (``*``, no
  constraint): whatever is published next installs
- ``dependency.typosquat`` (tier 3): the name is within a small edit distance of a much more
  popular package (:mod:`pipeline.tiers.typosquat`); pushing a branch would let CI install it
- ``dependency.unknown`` (tier 3): the configured package index has no such name, so anyone
  could register it (dependency confusion)

The index is asked through a :class:`PackageLookup` (``pipeline.deps.registry`` is the real
one, its URLs the ``deps.*`` config keys); without one, or when the index cannot be reached,
the ``dependency.new`` reason says the name was not checked.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from specpilot.pipeline.core.diffparse import FileDiff, Patch
from specpilot.pipeline.tiers.base_tree import FileTexts, Unverifiable
from specpilot.pipeline.tiers.dep_list import (
    Declared,
    declared,
    ecosystem_of,
    is_manifest,
    read_as_requirements,
    requirement_includes,
)
from specpilot.pipeline.tiers.rules import MAX_LISTED, Reason
from specpilot.pipeline.tiers.typosquat import lookalike, normalise

logger = logging.getLogger(__name__)


class PackageLookup(Protocol):
    """Does a package index know a name?"""

    def exists(self, ecosystem: str, name: str) -> bool | None:
        """True / False as the index says; ``None`` when it could not be asked."""
        ...


@dataclass(frozen=True, slots=True)
class NewDependency:
    dep: Declared
    lookalike: str | None  # the popular name it is probably a typo of
    on_index: bool | None  # None: not checked

    def label(self) -> str:
        spec = self.dep.spec or self.dep.source or "no version constraint"
        return f"{self.dep.name} ({spec}) in {self.dep.path}"


def added_dependencies(patch: Patch, texts: FileTexts) -> list[Declared]:
    """The dependencies the manifests of ``patch`` declare after it and did not before
    (a changed file that a requirements file includes with ``-r`` / ``-c`` counts as one)."""
    out: list[Declared] = []
    included = _included(patch, texts)
    for f in patch.files:
        if f.is_deleted or f.binary or not (is_manifest(f.path) or f.path in included):
            continue
        try:
            before, after = _sides(f, texts, as_requirements=f.path in included)
        except (Unverifiable, ValueError) as exc:
            logger.info("cannot list the dependencies of %s: %s", f.path, exc)
            before, after = [], _added_lines_fallback(f)
        known = {(d.ecosystem, normalise(d.name, d.ecosystem)) for d in before}
        seen: set[tuple[str, str]] = set()
        for dep in after:
            key = (dep.ecosystem, normalise(dep.name, dep.ecosystem))
            if key not in known and key not in seen:
                seen.add(key)
                out.append(dep)
    return out


def supply_chain_reasons(
    patch: Patch, texts: FileTexts, lookup: PackageLookup | None = None
) -> list[Reason]:
    new = [
        NewDependency(
            d,
            lookalike(d.name, d.ecosystem),
            lookup.exists(d.ecosystem, d.name) if lookup is not None and not d.source else None,
        )
        for d in added_dependencies(patch, texts)
    ]
    if not new:
        return []
    reasons = []
    unchecked = [n for n in new if n.on_index is None and not n.dep.source]
    note = ""
    if unchecked:
        why = "no package index is configured" if lookup is None else "the index did not answer"
        note = f"; not checked against the package index ({why}): {_names(unchecked)}"
    message = (
        "the change adds dependencies, which bring in code nobody has reviewed here, so a "
        f"human does: {_listed([n.label() for n in new])}{note}"
    )
    reasons.append(Reason(rule="dependency.new", tier=2, message=message, paths=_paths(new)))
    loose = [n for n in new if not n.dep.bounded]
    if loose:
        message = (
            "a new dependency must be pinned or bounded (==1.2.3, >=1.2,<2, ^1.2.3), or "
            f"whatever is published next installs: {_names(loose)}"
        )
        reasons.append(
            Reason(rule="dependency.unbounded", tier=2, message=message, paths=_paths(loose))
        )
    squats = [n for n in new if n.lookalike is not None]
    if squats:
        shown = _listed([f"{n.dep.name} looks like {n.lookalike}" for n in squats])
        message = (
            "a new dependency's name is a small edit away from a much more popular package "
            f"(a possible typosquat; a pushed branch would let CI install it): {shown}"
        )
        reasons.append(
            Reason(rule="dependency.typosquat", tier=3, message=message, paths=_paths(squats))
        )
    unknown = [n for n in new if n.on_index is False]
    if unknown:
        message = (
            "a new dependency does not exist on the configured package index, so anyone "
            f"could publish it there (dependency confusion): {_names(unknown)}"
        )
        reasons.append(
            Reason(rule="dependency.unknown", tier=3, message=message, paths=_paths(unknown))
        )
    return reasons


def _sides(
    f: FileDiff, texts: FileTexts, *, as_requirements: bool = False
) -> tuple[list[Declared], list[Declared]]:
    old, new = texts.old(f), texts.new(f)
    read = read_as_requirements if as_requirements and not is_manifest(f.path) else declared
    before = read(f.old_path or f.path, old) if old is not None else []
    after = read(f.path, new) if new is not None else []
    return before, after


def _included(patch: Patch, texts: FileTexts) -> set[str]:
    """Paths the patch's requirements files include (``-r``, ``-c``) after it."""
    out: set[str] = set()
    for f in patch.files:
        if f.is_deleted or f.binary or ecosystem_of(f.path) != "pypi":
            continue
        try:
            new = texts.new(f)
        except Unverifiable:
            new = "\n".join(d.text for d in f.added_lines)
        if new is not None and not f.path.endswith("pyproject.toml"):
            out.update(requirement_includes(f.path, new))
    return out


def _added_lines_fallback(f: FileDiff) -> list[Declared]:
    """Without the base text, the requirement lines the diff adds (requirements files)."""
    if ecosystem_of(f.path) != "pypi" or f.path.endswith("pyproject.toml"):
        return []
    text = "\n".join(d.text for d in f.added_lines)
    try:
        return declared(f.path, text)
    except ValueError:
        return []


def _names(items: Sequence[NewDependency]) -> str:
    return _listed([n.label() for n in items])


def _paths(items: Sequence[NewDependency]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n.dep.path for n in items))


def _listed(items: Sequence[str]) -> str:
    shown = "; ".join(items[:MAX_LISTED])
    more = len(items) - MAX_LISTED
    return shown + (f"; and {more} more" if more > 0 else "")
