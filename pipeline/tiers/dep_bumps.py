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

from collections.abc import Callable
from pathlib import PurePosixPath

from specpilot.pipeline.tiers import dep_cargo_go, dep_js, dep_python
from specpilot.pipeline.tiers.dep_common import BumpCheck, Report

__all__ = ["BumpCheck", "Report", "check_bump", "reader_for"]

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
