"""Bump readers for Cargo (``Cargo.toml``, ``Cargo.lock``) and Go (``go.mod``, ``go.sum``).

Cargo: only the version requirement of a dependency (a string, or the ``version`` key of its
table) may change; ``git``, ``path``, ``registry``, features and every other key may not. In
``Cargo.lock`` a package may move its version up with its ``checksum``; its ``source`` (the
registry, or a git URL with the commit) may not change.

Go: in ``go.mod`` only the versions of ``require`` lines may move up (``// indirect`` stays as
it was); ``module``, ``go``, ``toolchain``, ``replace``, ``exclude``, ``retract`` and the set of
required modules may not change. In ``go.sum`` a line that stays must keep its hash, and new
lines may only be new versions of modules already listed.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from specpilot.pipeline.tiers.dep_common import (
    LockRules,
    Report,
    compare_lock_entries,
    compare_manifests,
    keyed_packages,
    labelled_by_place,
    load_toml,
)
from specpilot.pipeline.tiers.versions import compare_versions, version_key

_CARGO_SECTIONS = (
    "dependencies",
    "dev-dependencies",
    "build-dependencies",
    "dev_dependencies",
    "build_dependencies",
)


def cargo_toml(old: str, new: str, report: Report) -> None:
    old_doc, new_doc = _strip_cargo(load_toml(old)), _strip_cargo(load_toml(new))
    compare_manifests(labelled_by_place(old_doc), labelled_by_place(new_doc), "semver", report)


def _strip_cargo(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    doc = copy.deepcopy(doc)
    slots: dict[str, str] = {}
    tables: list[tuple[str, Any]] = [(s, doc.get(s)) for s in _CARGO_SECTIONS]
    workspace = doc.get("workspace")
    if isinstance(workspace, dict):
        tables.append(("workspace.dependencies", workspace.get("dependencies")))
    targets = doc.get("target")
    if isinstance(targets, dict):
        for target, table in targets.items():
            if isinstance(table, dict):
                tables += [(f"target.{target}.{s}", table.get(s)) for s in _CARGO_SECTIONS]
    for where, deps in tables:
        if not isinstance(deps, dict):
            continue
        for name, value in deps.items():
            if isinstance(value, str):
                slots[f"{where}.{name}"] = value
                deps[name] = "<version>"
            elif isinstance(value, dict) and isinstance(value.get("version"), str):
                slots[f"{where}.{name}"] = value["version"]
                deps[name] = {**value, "version": "<version>"}
    return doc, slots


_CARGO_LOCK = LockRules(
    grammar="semver", hashes=frozenset({"checksum"}), edges=frozenset({"dependencies"})
)


def cargo_lock(old: str, new: str, report: Report) -> None:
    a, b = load_toml(old), load_toml(new)
    pa = keyed_packages(a.get("package", []), lambda p: str(p["name"]))
    pb = keyed_packages(b.get("package", []), lambda p: str(p["name"]))
    compare_lock_entries(pa, pb, _CARGO_LOCK, report)
    report.differ(
        "",
        {k: v for k, v in a.items() if k != "package"},
        {k: v for k, v in b.items() if k != "package"},
    )


# --- go.mod, go.sum ---------------------------------------------------------------------------

_BLOCK_START = re.compile(r"^(\w+)\s*\($")


def go_mod(old: str, new: str, report: Report) -> None:
    a, b = _go_mod(old), _go_mod(new)
    skeleton_a, skeleton_b = _go_skeleton(a), _go_skeleton(b)
    if skeleton_a != skeleton_b:
        report.differ("go.mod", skeleton_a, skeleton_b)
        return
    for (directive, module, before, _), (_, _, after, _) in zip(a, b, strict=True):
        if directive == "require":
            report.change(module, before, after, compare_versions(before, after, "go"))


def _go_skeleton(lines: list[tuple[str, str, str, bool]]) -> list[str]:
    """The directives as written, with the versions of require lines left out."""
    return [
        " ".join(p for p in (d, m, "<version>" if d == "require" else v) if p)
        + (" // indirect" if indirect else "")
        for d, m, v, indirect in lines
    ]


def _go_mod(text: str) -> list[tuple[str, str, str, bool]]:
    """(directive, first argument, the rest, ``// indirect``) for every directive line."""
    out = []
    block: str | None = None
    for raw in text.splitlines():
        code, _, comment = raw.partition("//")
        indirect = comment.strip() == "indirect"
        line = code.strip()
        if not line:
            continue
        if block is not None:
            if line == ")":
                block = None
                continue
            directive, args = block, line
        elif m := _BLOCK_START.match(line):
            block = m.group(1)
            continue
        else:
            directive, _, args = line.partition(" ")
        first, _, rest = args.strip().partition(" ")
        out.append((directive, first, " ".join(rest.split()), indirect))
    if block is not None:
        raise ValueError(f"the {block} ( ... ) block is not closed")
    return out


def go_sum(old: str, new: str, report: Report) -> None:
    a, b = _go_sum(old), _go_sum(new)
    known = {module for module, _ in a}
    for key in sorted(set(a) & set(b)):
        if a[key] != b[key]:
            report.problems.append(f"changes the hash of {key[0]} {key[1]} without a new version")
    for module, version in sorted(set(b) - set(a)):
        if module not in known:
            report.problems.append(f"adds the module {module}")
        elif version_key(version.removesuffix("/go.mod"), "go") is None:
            report.problems.append(f"{module}: {version!r} is not a Go module version")
        elif not version.endswith("/go.mod"):
            report.bumped.append(f"{module} {version}")


def _go_sum(text: str) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 3 or not parts[2].startswith("h1:"):
            raise ValueError(f"line {no} is not 'module version h1:hash'")
        out[(parts[0], parts[1])] = parts[2]
    return out
