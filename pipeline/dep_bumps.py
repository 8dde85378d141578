"""Is a change to a manifest or lockfile a dependency bump? Parse both versions and compare.

A **bump** changes only versions of dependencies that were already there, each to a higher
version (in the ecosystem's own grammar, see :mod:`pipeline.versions`), and the hashes or
metadata that come with a new version. Anything else is not: a new or removed dependency in a
manifest, a new package in a lockfile, a changed source, registry, index URL or download URL,
a hash changed without its version, an install script, an option line of a requirements
file, any other key of the file (``fail_under = 90.0``), a new or deleted file, a file
specpilot cannot parse. Like Renovate, which automerges version updates of known
dependencies per manager and never a change of where a package comes from.

Readers: :mod:`pipeline.dep_python` (requirements files, ``pyproject.toml``, ``poetry.lock``,
``uv.lock``), :mod:`pipeline.dep_js` (``package.json``, ``package-lock.json``),
:mod:`pipeline.dep_cargo_go` (``Cargo.toml``, ``Cargo.lock``, ``go.mod``, ``go.sum``).
"""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from specpilot.pipeline.versions import Grammar, VersionChange, compare_versions

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


Reader = Callable[[str, str, Report], None]


def check_bump(path: str, old: str | None, new: str | None) -> BumpCheck:
    """Compare the base text ``old`` of ``path`` with its new text ``new`` (``None``: the
    file does not exist on that side)."""
    if old is None or new is None:
        what = "adds" if old is None else "deletes"
        return BumpCheck(path, False, (f"the change {what} the file",))
    reader = reader_for(path)
    if reader is None:
        why = f"specpilot does not read {PurePosixPath(path).name} files"
        return BumpCheck(path, False, (f"{why}, so it cannot tell a bump from another change",))
    report = Report()
    try:
        reader(old, new, report)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        # tomllib / json errors are ValueErrors; a wrong shape surfaces as the others
        report.problems.append(f"specpilot cannot read it ({type(exc).__name__}: {exc})")
    if not report.problems and not report.bumped:
        report.problems.append("no dependency version changes")
    return BumpCheck(
        path,
        not report.problems,
        tuple(report.problems),
        tuple(report.bumped),
        tuple(report.major),
    )


def reader_for(path: str) -> Reader | None:
    from specpilot.pipeline import dep_cargo_go, dep_js, dep_python

    name = PurePosixPath(path).name
    readers: dict[str, Reader] = {
        "pyproject.toml": dep_python.pyproject,
        "poetry.lock": dep_python.poetry_lock,
        "uv.lock": dep_python.uv_lock,
        "package.json": dep_js.package_json,
        "package-lock.json": dep_js.package_lock,
        "npm-shrinkwrap.json": dep_js.package_lock,
        "Cargo.toml": dep_cargo_go.cargo_toml,
        "Cargo.lock": dep_cargo_go.cargo_lock,
        "go.mod": dep_cargo_go.go_mod,
        "go.sum": dep_cargo_go.go_sum,
    }
    if name in readers:
        return readers[name]
    if name.endswith((".txt", ".in")) and ("requirements" in path or "constraints" in name):
        return dep_python.requirements
    return None


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
