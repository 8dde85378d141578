"""The dependencies a manifest declares, each with its constraint as written.

The bump readers (``dep_python``, ``dep_js``, ``dep_cargo_go``) compare two versions of a
file; this lists what one version declares, with the same sections, so that the supply-chain
guard can tell which names a change *adds* and ``specpilot deps check`` can look each one up.
A declaration is **bounded** when its constraint limits which versions install (a pin, a
range, a minimum); ``*``, ``latest``, an empty constraint or a moving git branch is not.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Literal

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from specpilot.pipeline.tiers.dep_cargo_go import _CARGO_SECTIONS, _go_mod
from specpilot.pipeline.tiers.dep_common import load_toml
from specpilot.pipeline.tiers.dep_js import DEPENDENCY_SECTIONS
from specpilot.pipeline.tiers.dep_python import (
    _PEP508_LISTS,
    _POETRY_TABLES,
    _find,
    _requirement_lines,
)
from specpilot.pipeline.tiers.versions import parse_constraint, version_key

Ecosystem = Literal["pypi", "npm", "go", "crates"]
ECOSYSTEMS: tuple[Ecosystem, ...] = ("pypi", "npm", "go", "crates")


@dataclass(frozen=True, slots=True)
class Declared:
    """One dependency as a manifest declares it."""

    ecosystem: Ecosystem
    name: str  # canonical: PEP 503 for PyPI, as written elsewhere
    spec: str  # the constraint as written ("" when there is none)
    path: str  # the manifest
    section: str  # where in it ("project.dependencies", "devDependencies", "require", ...)
    source: str = ""  # a URL, path or git source instead of the index ("" for the index)

    @property
    def bounded(self) -> bool:
        """Does the constraint limit which versions install? (A source URL or path counts:
        it names one thing; an empty constraint, ``*`` or ``latest`` does not.)"""
        if self.source:
            return True
        return bounded(self.spec, self.ecosystem)

    @property
    def pinned(self) -> str | None:
        """The one version the constraint allows, or ``None``."""
        return pinned_version(self.spec, self.ecosystem)

    @property
    def floor(self) -> str | None:
        """The version installed at the least: the pin, else the lowest bound (``>=1.2``,
        ``^1.2.3``, ``~1.2``, Cargo's ``1.2``), else ``None``."""
        pin = self.pinned
        if pin is not None:
            return pin
        return lowest_bound(self.spec, self.ecosystem)


def is_manifest(path: str) -> bool:
    return _reader(path) is not None


def declared(path: str, text: str) -> list[Declared]:
    """What the manifest at ``path`` declares; ValueError when it cannot be parsed, [] for a
    file that is not a manifest specpilot reads."""
    reader = _reader(path)
    if reader is None:
        return []
    try:
        return reader(path, text)
    except (TypeError, KeyError, AttributeError) as exc:
        raise ValueError(f"{path}: {type(exc).__name__}: {exc}") from exc


def ecosystem_of(path: str) -> Ecosystem | None:
    name = PurePosixPath(path).name
    if name == "package.json":
        return "npm"
    if name == "go.mod":
        return "go"
    if name == "Cargo.toml":
        return "crates"
    if _reader(path) is not None:
        return "pypi"
    return None


# --- constraints ------------------------------------------------------------------------------

_UNBOUNDED = {"", "*", "x", "X", "latest", "next", ">=0", ">=0.0.0", ">= 0"}


def bounded(spec: str, ecosystem: Ecosystem) -> bool:
    text = spec.strip()
    if text in _UNBOUNDED:
        return False
    if ecosystem == "pypi":
        try:
            specs = SpecifierSet(text)
        except InvalidSpecifier:  # Poetry's ^1.2 / ~1.2 are not PEP 440
            poetry = parse_constraint(text, "pep440")
            return poetry is not None and any("*" not in c.version for c in poetry.comparators)
        return any(s.operator in ("==", "===", "~=", "<", "<=", ">=", ">") for s in specs)
    if ecosystem == "go":
        return version_key(text, "go") is not None
    constraint = parse_constraint(text, "semver")
    if constraint is None:  # a tag, a git URL, a file: path — not a version range
        return False
    return any(c.version not in ("*", "x", "X") for c in constraint.comparators)


def pinned_version(spec: str, ecosystem: Ecosystem) -> str | None:
    text = spec.strip()
    if ecosystem == "pypi":
        try:
            specs = list(SpecifierSet(text))
        except InvalidSpecifier:
            return None
        exact = [s.version for s in specs if s.operator in ("==", "===") and "*" not in s.version]
        return exact[0] if len(exact) == 1 else None
    if ecosystem == "go":
        return text if version_key(text, "go") is not None else None
    if ecosystem == "npm":  # a bare full version is exact in npm ...
        bare = text.removeprefix("=").strip()
        return bare if _full_semver(bare) else None
    # ... and in Cargo only with "=" (a bare "1.2.3" means ^1.2.3)
    if text.startswith("="):
        bare = text[1:].strip()
        return bare if _full_semver(bare) else None
    return None


def lowest_bound(spec: str, ecosystem: Ecosystem) -> str | None:
    text = spec.strip()
    if ecosystem == "pypi":
        try:
            specs = list(SpecifierSet(text))
        except InvalidSpecifier:
            return None
        lows = [s.version for s in specs if s.operator in (">=", "~=") and "*" not in s.version]
        return lows[0] if len(lows) == 1 else None
    if ecosystem == "go":
        return None
    constraint = parse_constraint(text, "semver")
    if constraint is None or len(constraint.comparators) != 1:
        return None
    comparator = constraint.comparators[0]
    if comparator.op in ("", "^", "~", ">=", "~>") and _full_semver(comparator.version):
        version = comparator.version.lstrip("vV")
        core, sep, rest = version.partition("-")
        parts = core.split(".")
        # Cargo's "1.0" is ^1.0.0: the full form is what an index or OSV compares
        return ".".join(parts + ["0"] * (3 - len(parts))) + sep + rest
    return None


def _full_semver(text: str) -> bool:
    key = version_key(text, "semver")
    return key is not None and len(key[1]) == 3 and not any(ch in text for ch in "xX*")


# --- readers ----------------------------------------------------------------------------------


def _requirements(path: str, text: str) -> list[Declared]:
    out = []
    for line in _requirement_lines(text):
        if line.kind != "requirement":
            continue
        url = line.skeleton[4] if len(line.skeleton) > 4 else ""
        out.append(Declared("pypi", line.name, line.spec, path, "requirements", str(url)))
    return out


_INCLUDE = ("-r", "--requirement", "-c", "--constraint")


def requirement_includes(path: str, text: str) -> list[str]:
    """The files a requirements file pulls in (``-r other.txt``, ``-c constraints.txt``),
    as repository paths relative to the file's folder."""
    folder = PurePosixPath(path).parent
    out = []
    for line in _requirement_lines(text):
        if line.kind != "option":
            continue
        flag, _, rest = line.text.replace("=", " ", 1).partition(" ")
        target = rest.strip()
        if flag in _INCLUDE and target and "://" not in target:
            out.append(posixpath.normpath((folder / target).as_posix()))
    return out


def read_as_requirements(path: str, text: str) -> list[Declared]:
    """``path`` read as a requirements file whatever it is called (an included file)."""
    return _requirements(path, text)


def _pyproject(path: str, text: str) -> list[Declared]:
    doc = load_toml(text)
    out: list[Declared] = []
    for where_path in _PEP508_LISTS:  # build-system requires too: they run at build time
        for where, items in _find(doc, where_path):
            for item in items if isinstance(items, list) else ():
                if not isinstance(item, str):
                    continue
                try:
                    req = Requirement(item)
                except InvalidRequirement:
                    continue
                name = canonicalize_name(req.name)
                out.append(Declared("pypi", name, str(req.specifier), path, where, req.url or ""))
    for where_path in _POETRY_TABLES:
        for where, table in _find(doc, where_path):
            for name, value in table.items() if isinstance(table, dict) else ():
                if canonicalize_name(name) == "python":
                    continue
                spec, source = _table_dep(value, ("git", "path", "url"))
                canon = canonicalize_name(name)
                out.append(Declared("pypi", canon, spec, path, where, source))
    return out


def _table_dep(value: Any, source_keys: tuple[str, ...]) -> tuple[str, str]:
    if isinstance(value, str):
        return value, ""
    if isinstance(value, dict):
        source = next((str(value[k]) for k in source_keys if k in value), "")
        version = value.get("version")
        return (version if isinstance(version, str) else ""), source
    return "", ""


def _package_json(path: str, text: str) -> list[Declared]:
    doc = json.loads(text)
    if not isinstance(doc, dict):
        raise ValueError(f"{path} is not a JSON object")
    out = []
    for section in DEPENDENCY_SECTIONS:
        deps = doc.get(section)
        for name, value in deps.items() if isinstance(deps, dict) else ():
            spec = value if isinstance(value, str) else ""
            alias = _NPM_ALIAS.match(spec)
            if alias:  # "lodash": "npm:lodahs@^1.0.0" installs lodahs under lodash's name
                real, version = alias.group(1), alias.group(2) or ""
                out.append(Declared("npm", real, version, path, f"{section} (as {name})"))
                continue
            source = spec if _npm_source(spec) else ""
            out.append(Declared("npm", name, "" if source else spec, path, section, source))
    return out


_NPM_ALIAS = re.compile(r"^npm:((?:@[^/@\s]+/)?[^@\s]+)(?:@(.*))?$")


def _npm_source(spec: str) -> bool:
    return spec.startswith(("git", "http:", "https:", "file:", "link:", "github:")) or (
        "/" in spec and not spec.startswith(("<", ">", "=", "^", "~"))
    )


def _cargo_toml(path: str, text: str) -> list[Declared]:
    doc = load_toml(text)
    tables: list[tuple[str, Any]] = [(s, doc.get(s)) for s in _CARGO_SECTIONS]
    workspace = doc.get("workspace")
    if isinstance(workspace, dict):
        tables.append(("workspace.dependencies", workspace.get("dependencies")))
    targets = doc.get("target")
    for target, table in targets.items() if isinstance(targets, dict) else ():
        if isinstance(table, dict):
            tables += [(f"target.{target}.{s}", table.get(s)) for s in _CARGO_SECTIONS]
    out = []
    for where, deps in tables:
        for name, value in deps.items() if isinstance(deps, dict) else ():
            if isinstance(value, dict) and value.get("workspace") is True:
                continue  # declared (and checked) in the workspace's own table
            spec, source = _table_dep(value, ("git", "path"))
            crate = str(value.get("package", name)) if isinstance(value, dict) else name
            out.append(Declared("crates", crate, spec, path, where, source))
    return out


def _go_mod_reader(path: str, text: str) -> list[Declared]:
    return [
        Declared("go", module, version, path, "require")
        for directive, module, version, _ in _go_mod(text)
        if directive == "require"
    ]


def _reader(path: str) -> Any:
    name = PurePosixPath(path).name
    readers = {
        "pyproject.toml": _pyproject,
        "package.json": _package_json,
        "Cargo.toml": _cargo_toml,
        "go.mod": _go_mod_reader,
    }
    if name in readers:
        return readers[name]
    if name.endswith((".txt", ".in")) and "requirements" in path:
        return _requirements
    return None
