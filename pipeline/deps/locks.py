"""The versions a lockfile says are installed, for the dependencies its manifest declares.

A range in a manifest (``requests>=2.31``, ``"lodash": "^4.17.0"``) says what may install; the
lockfile next to it says what does, and that is the version the advisories are asked about.
Read: ``poetry.lock`` and ``uv.lock`` (``[[package]]`` name and version), ``package-lock.json``
/ ``npm-shrinkwrap.json`` (the top-level ``node_modules/<name>`` entries of lockfile versions
2 and 3, or the npm 6 ``dependencies`` tree), ``Cargo.lock`` (``[[package]]``; a crate locked
at two versions is left out: the manifest does not say which one it means). ``go.mod`` needs
none: its ``require`` versions are exact.
"""

from __future__ import annotations

import json
import logging
import tomllib
from pathlib import Path, PurePosixPath
from typing import Any

from packaging.utils import canonicalize_name

logger = logging.getLogger(__name__)

LOCKFILES: dict[str, str] = {  # file name -> ecosystem
    "poetry.lock": "pypi",
    "uv.lock": "pypi",
    "package-lock.json": "npm",
    "npm-shrinkwrap.json": "npm",
    "Cargo.lock": "crates",
}


def locked_versions(repo: Path, manifest: str, ecosystem: str) -> dict[str, str]:
    """``{name: version}`` from the lockfiles beside ``manifest`` (PyPI names normalised)."""
    folder = PurePosixPath(manifest).parent
    out: dict[str, str] = {}
    for name, eco in LOCKFILES.items():
        path = repo / folder / name
        if eco != ecosystem or not path.is_file():
            continue
        try:
            out.update(_read(name, path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError) as exc:
            logger.warning("cannot read %s (%s); using the manifest's versions", path, exc)
    return out


def _read(name: str, text: str) -> dict[str, str]:
    if name in ("poetry.lock", "uv.lock"):
        return _toml_packages(text, canonical=True)
    if name == "Cargo.lock":
        return _toml_packages(text, canonical=False)
    return _npm(json.loads(text))


def _toml_packages(text: str, *, canonical: bool) -> dict[str, str]:
    seen: dict[str, set[str]] = {}
    for package in tomllib.loads(text).get("package", []):
        if isinstance(package, dict) and isinstance(package.get("version"), str):
            name = str(package["name"])
            key = canonicalize_name(name) if canonical else name
            seen.setdefault(key, set()).add(package["version"])
    return {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}


def _npm(doc: Any) -> dict[str, str]:
    if not isinstance(doc, dict):
        raise ValueError("the lockfile is not a JSON object")
    out: dict[str, str] = {}
    packages = doc.get("packages")
    if isinstance(packages, dict):
        for key, entry in packages.items():
            if not key.startswith("node_modules/") or "/node_modules/" in key:
                continue  # the project itself, or a nested (transitive) copy
            if isinstance(entry, dict) and isinstance(entry.get("version"), str):
                out[key.removeprefix("node_modules/")] = entry["version"]
        return out
    legacy = doc.get("dependencies")
    if isinstance(legacy, dict):
        for name, entry in legacy.items():
            if isinstance(entry, dict) and isinstance(entry.get("version"), str):
                out[name] = entry["version"]
    return out
