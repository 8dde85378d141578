"""Bump readers for npm: ``package.json`` and ``package-lock.json`` / ``npm-shrinkwrap.json``.

In ``package.json`` only the semver ranges of ``dependencies``, ``devDependencies``,
``peerDependencies`` and ``optionalDependencies`` may change (a git URL, ``file:``, ``npm:``
alias or tag is not a range and must stay as it was); ``scripts`` and every other key must not.
In a lockfile (versions 2 and 3) a package entry may move its ``version`` up, with its
``integrity`` and metadata, and its ``resolved`` URL only to the same URL for the new version;
a new entry, a new install script (``hasInstallScript``) or any other change is not a bump.
The legacy ``dependencies`` tree of a version 2 lockfile (what npm 6 installs from) is checked
with the same rules.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from specpilot.pipeline.tiers.dep_common import (
    LockRules,
    Report,
    compare_lock_entries,
    compare_manifests,
    labelled_by_place,
    load_json,
)
from specpilot.pipeline.tiers.versions import parse_constraint

DEPENDENCY_SECTIONS = (
    "dependencies",
    "devDependencies",
    "peerDependencies",
    "optionalDependencies",
)


def package_json(old: str, new: str, report: Report) -> None:
    old_doc, new_doc = (
        _strip_manifest(_object(load_json(old))),
        _strip_manifest(_object(load_json(new))),
    )
    compare_manifests(labelled_by_place(old_doc), labelled_by_place(new_doc), "semver", report)


def _strip_manifest(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    doc = copy.deepcopy(doc)
    slots: dict[str, str] = {}
    for section in DEPENDENCY_SECTIONS:
        deps = doc.get(section)
        if not isinstance(deps, dict):
            continue
        for name, value in deps.items():
            if isinstance(value, str) and parse_constraint(value, "semver") is not None:
                slots[f"{section}.{name}"] = value
                deps[name] = "<range>"
    return doc, slots


def _resolved(package: str, key: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> str | None:
    v_old, v_new = old.get("version"), new.get("version")
    before, after = old.get(key), new.get(key)
    if v_old == v_new or not isinstance(before, str) or not isinstance(after, str):
        return f"{package}: changes {key} from {before!r} to {after!r}"
    expected = before.removesuffix(f"-{v_old}.tgz") + f"-{v_new}.tgz"
    if not before.endswith(f"-{v_old}.tgz") or after != expected:
        return f"{package}: changes {key} from {before!r} to {after!r}, not to the new version"
    return None


_NPM = LockRules(
    grammar="semver",
    hashes=frozenset({"integrity"}),
    metadata=frozenset(
        {"license", "engines", "funding", "deprecated", "peerDependenciesMeta", "cpu", "os"}
    ),
    edges=frozenset({*DEPENDENCY_SECTIONS, "requires"}),
    location=_resolved,
    location_keys=frozenset({"resolved"}),
)


def package_lock(old: str, new: str, report: Report) -> None:
    a, b = _object(load_json(old)), _object(load_json(new))
    for doc in (a, b):
        if doc.get("lockfileVersion") not in (2, 3):
            raise ValueError(
                f"lockfileVersion {doc.get('lockfileVersion')!r}: specpilot reads versions 2 and 3"
            )
    compare_lock_entries(_entries(a.get("packages")), _entries(b.get("packages")), _NPM, report)
    legacy_a, legacy_b = _legacy(a.get("dependencies")), _legacy(b.get("dependencies"))
    compare_lock_entries(legacy_a, legacy_b, _NPM, report)
    rest = ("packages", "dependencies")
    report.differ(
        "",
        {k: v for k, v in a.items() if k not in rest},
        {k: v for k, v in b.items() if k not in rest},
    )


def _entries(packages: Any) -> dict[str, Mapping[str, Any]]:
    if packages is None:
        return {}
    if not isinstance(packages, dict) or not all(isinstance(v, dict) for v in packages.values()):
        raise ValueError("'packages' is not an object of package entries")
    return {key or "(the project)": entry for key, entry in packages.items()}


def _legacy(tree: Any, prefix: str = "") -> dict[str, Mapping[str, Any]]:
    """The nested ``dependencies`` of a version 2 lockfile, flattened to ``a > b`` keys."""
    if tree is None:
        return {}
    if not isinstance(tree, dict):
        raise ValueError("'dependencies' is not an object")
    out: dict[str, Mapping[str, Any]] = {}
    for name, entry in tree.items():
        if not isinstance(entry, dict):
            raise ValueError(f"the dependency entry {name!r} is not an object")
        key = f"{prefix}{name}"
        out[f"(npm 6 tree) {key}"] = {k: v for k, v in entry.items() if k != "dependencies"}
        out.update(_legacy(entry.get("dependencies"), f"{key} > "))
    return out


def _object(doc: Any) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise ValueError("the file is not a JSON object")
    return doc
