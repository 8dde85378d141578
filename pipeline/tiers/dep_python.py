"""Bump readers for Python: requirements files, ``pyproject.toml``, ``poetry.lock``, ``uv.lock``.

Requirements are PEP 508 (``packaging.requirements``), versions PEP 440. In a requirements
file every option line (``--index-url``, ``--extra-index-url``, ``-e``, ``-r``, ``-f``, ...)
and every line that is not a requirement must stay as it was; a requirement keeps its name,
extras, markers, URL and options, and its hashes change only with its version. In
``pyproject.toml`` only the version constraints of ``[project]`` dependencies, optional
dependencies, ``[dependency-groups]``, ``[build-system] requires``, uv's and PDM's dev
dependencies and ``[tool.poetry]`` dependency tables may change; every other key must not.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from specpilot.pipeline.tiers.dep_common import (
    LockRules,
    Report,
    compare_lock_entries,
    compare_manifests,
    keyed_packages,
    load_toml,
)
from specpilot.pipeline.tiers.versions import compare_constraints

# --- requirements files -----------------------------------------------------------------------

_COMMENT_RE = re.compile(r"(^|\s+)#.*$")
_HASH_RE = re.compile(r"^--hash[=\s]\s*(\S+)$")


@dataclass(frozen=True, slots=True)
class _Line:
    kind: str  # "option" | "requirement" | "other"
    text: str
    name: str = ""
    skeleton: tuple[Any, ...] = ()
    spec: str = ""
    hashes: frozenset[str] = frozenset()


def requirements(old: str, new: str, report: Report) -> None:
    a, b = _requirement_lines(old), _requirement_lines(new)
    if [x.skeleton for x in a] != [y.skeleton for y in b]:
        report.problems.append(_describe_lines(a, b))
        return
    for x, y in zip(a, b, strict=True):
        if x.kind != "requirement":
            continue
        if x.spec != y.spec:
            report.change(x.name, x.spec, y.spec, compare_constraints(x.spec, y.spec, "pep440"))
        elif x.hashes != y.hashes:
            report.problems.append(f"changes the hashes of {x.name} without a version change")


def _requirement_lines(text: str) -> list[_Line]:
    joined = re.sub(r"\\\r?\n", " ", text)
    out = []
    for raw in joined.splitlines():
        line = _COMMENT_RE.sub("", raw).strip()
        if line:
            out.append(_read_line(" ".join(line.split())))
    return out


def _read_line(line: str) -> _Line:
    if line.startswith("-"):
        return _Line("option", line, skeleton=("option", line))
    words = line.split(" ")
    first_option = next((i for i, w in enumerate(words) if w.startswith("-")), len(words))
    spec_text, options = " ".join(words[:first_option]), " ".join(words[first_option:])
    try:
        req = Requirement(spec_text)
    except InvalidRequirement:
        return _Line("other", line, skeleton=("other", line))
    hashes: list[str] = []
    others: list[str] = []  # per-requirement options other than hashes: part of the skeleton
    for option in re.split(r"\s+(?=--?\w)", options) if options else []:
        m = _HASH_RE.match(option)
        if m:
            hashes.append(m.group(1))
        else:
            others.append(option)
    name = canonicalize_name(req.name)
    skeleton = ("requirement", *_requirement_skeleton(req), tuple(others))
    return _Line("requirement", line, name, skeleton, str(req.specifier), frozenset(hashes))


def _requirement_skeleton(req: Requirement) -> tuple[str, ...]:
    return (
        canonicalize_name(req.name),
        ",".join(sorted(req.extras)),
        str(req.marker or ""),
        req.url or "",
    )


def _describe_lines(a: list[_Line], b: list[_Line]) -> str:
    for kind, what in (("option", "option line"), ("other", "line")):
        gone = [x.text for x in a if x.kind == kind and x.text not in {y.text for y in b}]
        came = [y.text for y in b if y.kind == kind and y.text not in {x.text for x in a}]
        if gone and came:
            return f"changes the {what} {gone[0]!r} to {came[0]!r}"
        if came:
            return f"adds the {what} {came[0]!r}"
        if gone:
            return f"removes the {what} {gone[0]!r}"
    names_a = {x.name for x in a if x.kind == "requirement"}
    names_b = {y.name for y in b if y.kind == "requirement"}
    if names_b - names_a:
        return f"adds the requirement {sorted(names_b - names_a)[0]}"
    if names_a - names_b:
        return f"removes the requirement {sorted(names_a - names_b)[0]}"
    for x, y in zip(a, b, strict=False):
        if x.skeleton != y.skeleton:
            return f"changes {y.text!r} beyond its version (extras, markers, URL or options)"
    return "reorders the lines"


# --- pyproject.toml ---------------------------------------------------------------------------

_PEP508_LISTS: tuple[tuple[str, ...], ...] = (
    ("project", "dependencies"),
    ("project", "optional-dependencies", "*"),
    ("dependency-groups", "*"),
    ("build-system", "requires"),
    ("tool", "uv", "dev-dependencies"),
    ("tool", "uv", "constraint-dependencies"),
    ("tool", "pdm", "dev-dependencies", "*"),
)
_POETRY_TABLES: tuple[tuple[str, ...], ...] = (
    ("tool", "poetry", "dependencies"),
    ("tool", "poetry", "dev-dependencies"),
    ("tool", "poetry", "group", "*", "dependencies"),
)


def pyproject(old: str, new: str, report: Report) -> None:
    old_doc, new_doc = _strip_pyproject(load_toml(old)), _strip_pyproject(load_toml(new))
    compare_manifests(old_doc, new_doc, "pep440", report)


def _strip_pyproject(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, tuple[str, str]]]:
    """The document with every version constraint replaced by a placeholder, and the
    constraints by place: ``{place: (dependency, constraint)}``."""
    doc = copy.deepcopy(doc)
    slots: dict[str, tuple[str, str]] = {}
    for path in _PEP508_LISTS:
        for where, items in _find(doc, path):
            if isinstance(items, list):
                for i, item in enumerate(items):
                    if isinstance(item, str):
                        items[i] = _pep508_slot(item, f"{where}[{i}]", slots)
    for path in _POETRY_TABLES:
        for where, table in _find(doc, path):
            if isinstance(table, dict):
                for name in table:
                    if canonicalize_name(name) != "python":  # the interpreter, not a package
                        table[name] = _poetry_slot(table[name], f"{where}.{name}", name, slots)
    return doc, slots


def _pep508_slot(item: str, where: str, slots: dict[str, tuple[str, str]]) -> str:
    try:
        req = Requirement(item)
    except InvalidRequirement:
        return item  # compared as written
    spec = str(req.specifier)
    if spec:
        slots[where] = (canonicalize_name(req.name), spec)
    name, extras, marker, url = _requirement_skeleton(req)
    shown = name + (f"[{extras}]" if extras else "") + (f" @ {url}" if url else "")
    return shown + (f" ; {marker}" if marker else "") + (" (a version constraint)" if spec else "")


def _poetry_slot(value: Any, where: str, name: str, slots: dict[str, tuple[str, str]]) -> Any:
    if isinstance(value, str):
        slots[where] = (name, value)
        return "<version>"
    if isinstance(value, dict) and isinstance(value.get("version"), str):
        slots[where] = (name, value["version"])
        return {**value, "version": "<version>"}
    if isinstance(value, list):  # several constraints, one per marker
        return [_poetry_slot(v, f"{where}[{i}]", name, slots) for i, v in enumerate(value)]
    return value


def _find(doc: Any, path: tuple[str, ...], where: str = "") -> list[tuple[str, Any]]:
    """Every value at ``path`` (``*`` matches any key) with its dotted place."""
    if not path:
        return [(where, doc)]
    if not isinstance(doc, dict):
        return []
    head, rest = path[0], path[1:]
    keys = list(doc) if head == "*" else [head] if head in doc else []
    return [hit for k in keys for hit in _find(doc[k], rest, f"{where}.{k}" if where else k)]


# --- poetry.lock, uv.lock ---------------------------------------------------------------------

_POETRY = LockRules(
    grammar="pep440",
    hashes=frozenset({"files"}),
    metadata=frozenset({"description", "python-versions", "extras"}),
    edges=frozenset({"dependencies"}),
)


def poetry_lock(old: str, new: str, report: Report) -> None:
    a, b = load_toml(old), load_toml(new)
    pa = keyed_packages(a.get("package", []), lambda p: canonicalize_name(str(p["name"])))
    pb = keyed_packages(b.get("package", []), lambda p: canonicalize_name(str(p["name"])))
    compare_lock_entries(pa, pb, _POETRY, report)
    meta_a, meta_b = dict(a.get("metadata", {})), dict(b.get("metadata", {}))
    for meta in (meta_a, meta_b):
        meta.pop("content-hash", None)  # the hash of the manifest's dependencies
    files_a, files_b = meta_a.pop("files", {}), meta_b.pop("files", {})  # lock format 1.x
    moved = {k for k in pa if k in pb and pa[k].get("version") != pb[k].get("version")}
    for name in sorted(set(files_a) | set(files_b)):
        if files_a.get(name) != files_b.get(name) and canonicalize_name(name) not in moved:
            report.problems.append(f"changes the hashes of {name} without a version change")
    report.differ("metadata", meta_a, meta_b)
    report.differ("", _without(a, "package", "metadata"), _without(b, "package", "metadata"))


def _uv_location(package: str, key: str, old: Any, new: Any) -> str | None:
    if old.get("version") == new.get("version"):
        return f"{package}: changes {key} without a version change"
    hosts = _hosts(old.get("sdist"), old.get("wheels"), old.get("source"))
    for url in _urls(new.get(key)):
        host = urlsplit(url).netloc
        if host not in hosts:
            return f"{package}: downloads from {host} (was {', '.join(sorted(hosts)) or 'none'})"
    return None


_UV = LockRules(
    grammar="pep440",
    edges=frozenset({"dependencies", "optional-dependencies", "dev-dependencies", "metadata"}),
    metadata=frozenset({"resolution-markers"}),
    location=_uv_location,
    location_keys=frozenset({"sdist", "wheels"}),
)


def uv_lock(old: str, new: str, report: Report) -> None:
    a, b = load_toml(old), load_toml(new)
    pa = keyed_packages(a.get("package", []), lambda p: canonicalize_name(str(p["name"])))
    pb = keyed_packages(b.get("package", []), lambda p: canonicalize_name(str(p["name"])))
    compare_lock_entries(pa, pb, _UV, report)
    report.differ("", _without(a, "package"), _without(b, "package"))


def _urls(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [v for k, v in value.items() if k in ("url", "registry") and isinstance(v, str)]
    if isinstance(value, list):
        return [u for item in value for u in _urls(item)]
    return []


def _hosts(*values: Any) -> set[str]:
    return {urlsplit(u).netloc for v in values for u in _urls(v)}


def _without(doc: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in keys}
