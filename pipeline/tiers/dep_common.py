"""What the dependency readers share: the report they fill, lock-entry comparison and the
parsers (``dep_bumps`` dispatches to the readers; the readers import only this)."""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from specpilot.pipeline.tiers.versions import (
    Grammar,
    VersionChange,
    compare_constraints,
    compare_versions,
)

MAX_PROBLEMS = 5


@dataclass(frozen=True, slots=True)
class BumpCheck:
    """The verdict on one file: ``bump`` when it only moves versions up."""

    path: str
    bump: bool
    problems: tuple[str, ...] = ()  # why it is not a bump
    bumped: tuple[str, ...] = ()  # "requests >=2.31 → >=2.32"
    major: tuple[str, ...] = ()  # the bumps that change the first version number

    def summary(self) -> str:
        if self.bump:
            return f"{self.path} only bumps versions ({', '.join(self.bumped[:MAX_PROBLEMS])})"
        more = len(self.problems) - MAX_PROBLEMS
        listed = "; ".join(self.problems[:MAX_PROBLEMS]) + (
            f"; and {more} more" if more > 0 else ""
        )
        return f"{self.path} is not a version bump: {listed}"


@dataclass(slots=True)
class Report:
    """What a reader found, filled in as it compares."""

    problems: list[str] = field(default_factory=list)
    bumped: list[str] = field(default_factory=list)
    major: list[str] = field(default_factory=list)

    def change(self, what: str, old: str, new: str, result: VersionChange) -> None:
        if not result.changed:
            return
        if result.problem is not None:
            self.problems.append(f"{what}: {result.problem}")
            return
        self.bumped.append(f"{what} {old} → {new}")
        if result.major:
            self.major.append(f"{what} {old} → {new}")

    def differ(self, where: str, old: Any, new: Any) -> None:
        """Record the first place ``old`` and ``new`` differ (nothing when equal)."""
        spot = first_difference(old, new, where)
        if spot is not None:
            self.problems.append(spot)


# --- helpers shared by the readers ------------------------------------------------------------


def load_toml(text: str) -> dict[str, Any]:
    return tomllib.loads(text)


def load_json(text: str) -> Any:
    return json.loads(text)


def first_difference(a: Any, b: Any, where: str) -> str | None:
    """Where ``a`` and ``b`` first differ, as a sentence (``None`` when equal)."""
    if a == b:
        return None
    if a is None:
        return f"adds {where} = {_short(b)}"
    if b is None:
        return f"removes {where}"
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        for key in (*a, *(k for k in b if k not in a)):
            at = f"{where}.{key}" if where else str(key)
            if key not in b:
                return f"removes {at}"
            if key not in a:
                return f"adds {at} = {_short(b[key])}"
            spot = first_difference(a[key], b[key], at)
            if spot is not None:
                return spot
    if isinstance(a, list) and isinstance(b, list):
        added = [x for x in b if x not in a]
        removed = [x for x in a if x not in b]
        if added:
            return f"adds {_short(added[0])} to {where}"
        if removed:
            return f"removes {_short(removed[0])} from {where}"
        return f"reorders {where}"
    return f"changes {where} from {_short(a)} to {_short(b)}"


def _short(value: Any, limit: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


@dataclass(frozen=True, slots=True)
class LockRules:
    """How one lockfile format's package entries may change in a bump."""

    grammar: Grammar
    hashes: frozenset[str] = frozenset()  # may change only with the version
    metadata: frozenset[str] = frozenset()  # may change only with the version
    edges: frozenset[str] = frozenset()  # dependency lists/maps: free (new packages show up)
    # checks a changed download location: (package, key, old entry, new entry) -> a problem
    location: Callable[[str, str, Mapping[str, Any], Mapping[str, Any]], str | None] | None = None
    location_keys: frozenset[str] = frozenset()


def compare_lock_entries(
    old: Mapping[str, Mapping[str, Any]],
    new: Mapping[str, Mapping[str, Any]],
    rules: LockRules,
    report: Report,
) -> None:
    """Compare two lockfiles' package entries, keyed by package (name, or name@version)."""
    for key, entry in new.items():
        if key not in old:
            script = " with an install script" if entry.get("hasInstallScript") else ""
            version = entry.get("version")
            report.problems.append(
                f"adds the package {key}{f' {version}' if version else ''}{script}"
            )
    for key, before in old.items():
        after = new.get(key)
        if after is None:
            continue  # a package dropped by an upgrade cannot bring code in
        v_old, v_new = before.get("version"), after.get("version")
        moved = v_old != v_new
        if moved:
            if not isinstance(v_old, str) or not isinstance(v_new, str):
                report.problems.append(f"{key}: the version {v_old!r} → {v_new!r} is not a string")
                continue
            report.change(key, v_old, v_new, compare_versions(v_old, v_new, rules.grammar))
            if after.get("hasInstallScript"):
                report.problems.append(f"{key} {v_new} runs an install script")
        for k in sorted(set(before) | set(after)):
            if k == "version" or before.get(k) == after.get(k) or k in rules.edges:
                continue
            if k in rules.location_keys and rules.location is not None:
                problem = rules.location(key, k, before, after)
                if problem is not None:
                    report.problems.append(problem)
            elif k in rules.hashes or k in rules.metadata:
                if not moved:
                    report.problems.append(f"{key}: changes {k} without a version change")
            else:
                spot = first_difference(before.get(k), after.get(k), f"{key}.{k}")
                report.problems.append(spot or f"{key}: changes {k}")


def keyed_packages(
    packages: Any, name_of: Callable[[Mapping[str, Any]], str]
) -> dict[str, Mapping[str, Any]]:
    """``[[package]]`` entries by name, or by ``name@version`` for a name listed twice."""
    if not isinstance(packages, list) or not all(isinstance(p, Mapping) for p in packages):
        raise ValueError("the package list is not a list of tables")
    names = [name_of(p) for p in packages]
    counts = Counter(names)
    out: dict[str, Mapping[str, Any]] = {}
    for name, entry in zip(names, packages, strict=True):
        key = name if counts[name] == 1 else f"{name}@{entry.get('version')}"
        if key in out:
            raise ValueError(f"the package {key} is listed twice")
        out[key] = entry
    return out


Slots = dict[str, tuple[str, str]]  # where a constraint stands -> (its label, the constraint)


def compare_manifests(
    old: tuple[dict[str, Any], Slots],
    new: tuple[dict[str, Any], Slots],
    grammar: Grammar,
    report: Report,
) -> None:
    """A manifest's two sides with their dependency constraints cut out (``old``, ``new``: the
    rest of the document and the slots): the rest must be equal, and each constraint may only
    change in a way ``grammar`` reads as a version update."""
    (a, slots_a), (b, slots_b) = old, new
    if a != b:
        report.differ("", a, b)
        return
    for where, (label, before) in slots_a.items():
        after = slots_b[where][1]
        if before != after:
            report.change(label, before, after, compare_constraints(before, after, grammar))


def labelled_by_place(
    stripped: tuple[dict[str, Any], dict[str, str]],
) -> tuple[dict[str, Any], Slots]:
    """Slots labelled by where they stand (package.json, Cargo.toml: the place is the name)."""
    doc, slots = stripped
    return doc, {where: (where, c) for where, c in slots.items()}
