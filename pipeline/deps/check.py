"""``specpilot deps check``: every dependency the manifests declare, its latest version and
the known vulnerabilities of the version in use.

Manifests are the files git tracks (or, outside git, the files under the root, vendored and
virtual-environment folders left out) that :mod:`pipeline.tiers.dep_list` reads:
``requirements*.txt``, ``pyproject.toml``, ``package.json``, ``go.mod``, ``Cargo.toml``. The
version in use is what a lockfile beside the manifest says (``poetry.lock``, ``uv.lock``,
``package-lock.json``, ``Cargo.lock``: :mod:`pipeline.deps.locks`), else the pin, else the
lowest version the constraint allows; a dependency with none of them is reported without
advisories (OSV needs a version). A bump is **needed** when a
newer version exists and, with ``only_vulnerable``, when the version in use has advisories.
Its target is the latest version, or for a vulnerable one with ``only_vulnerable`` the
lowest published version that fixes every advisory (as Dependabot's security updates do).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from specpilot.pipeline.core.config import DepsConfig
from specpilot.pipeline.core.errors import DepsError
from specpilot.pipeline.deps.locks import locked_versions
from specpilot.pipeline.deps.osv import Advisory, OsvClient, Query
from specpilot.pipeline.deps.registry import PackageIndex, newer
from specpilot.pipeline.tiers.dep_list import Declared, declared, is_manifest
from specpilot.pipeline.tiers.typosquat import normalise

logger = logging.getLogger(__name__)

GRAMMAR = {"pypi": "pep440", "npm": "semver", "crates": "semver", "go": "go"}
SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "vendor", "target", "__pycache__", ".tox"}


@dataclass(frozen=True, slots=True)
class DepStatus:
    """One declared dependency, checked."""

    dep: Declared
    current: str | None  # the version in use (the lockfile's, else the pin or lowest allowed)
    latest: str | None
    advisories: tuple[Advisory, ...] = ()
    error: str | None = None  # why it could not be checked
    versions: tuple[str, ...] = ()  # every published version, oldest first
    locked: bool = False  # ``current`` comes from a lockfile beside the manifest

    @property
    def outdated(self) -> bool:
        grammar = GRAMMAR[self.dep.ecosystem]
        return bool(self.current and self.latest and newer(self.current, self.latest, grammar))

    def target(self, *, only_vulnerable: bool) -> str | None:
        """The version to bump to, or ``None`` when no bump is needed."""
        if not self.outdated or (only_vulnerable and not self.advisories):
            return None
        assert self.current is not None and self.latest is not None  # outdated says so
        if only_vulnerable:
            fix = self._lowest_fix()
            grammar = GRAMMAR[self.dep.ecosystem]
            published = [
                v
                for v in self.versions
                if fix is not None and not newer(v, fix, grammar) and newer(self.current, v, grammar)
                and not _prerelease(v, grammar)
            ]  # fmt: skip
            if published:
                return published[0]  # the lowest published version that fixes them all
        return self.latest

    def _lowest_fix(self) -> str | None:
        grammar = GRAMMAR[self.dep.ecosystem]
        current = self.current or ""
        best: str | None = None
        for advisory in self.advisories:
            fixes = [f for f in advisory.fixed if newer(current, f, grammar)]
            if not fixes:
                return None  # an advisory no version fixes yet: take the latest
            low = min(fixes, key=lambda v: _key(v, grammar))
            if best is None or newer(best, low, grammar):
                best = low
        return best

    def to_dict(self) -> dict[str, Any]:
        return {
            "package": self.dep.name,
            "ecosystem": self.dep.ecosystem,
            "path": self.dep.path,
            "section": self.dep.section,
            "constraint": self.dep.spec,
            "current": self.current,
            "locked": self.locked,
            "latest": self.latest,
            "outdated": self.outdated,
            "advisories": [a.to_dict() for a in self.advisories],
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class DepsReport:
    repo: str
    manifests: tuple[str, ...]
    deps: tuple[DepStatus, ...]
    problems: tuple[str, ...] = field(default=())  # manifests that could not be read

    def bumps(self, *, only_vulnerable: bool = False) -> list[tuple[DepStatus, str]]:
        """The needed bumps: (dependency, target version), one per manifest entry."""
        out = []
        for status in self.deps:
            target = status.target(only_vulnerable=only_vulnerable)
            if target is not None:
                out.append((status, target))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "repo": self.repo,
            "manifests": list(self.manifests),
            "dependencies": [d.to_dict() for d in self.deps],
            "problems": list(self.problems),
        }


def find_manifests(repo: Path) -> list[str]:
    """The manifests of ``repo`` (paths relative to it, sorted)."""
    tracked = _git_files(repo)
    paths: Iterable[str] = tracked if tracked is not None else _walk(repo)
    return sorted(p for p in paths if is_manifest(p) and not set(p.split("/")) & SKIP_DIRS)


def check_repo(
    repo: Path,
    config: DepsConfig,
    *,
    index: PackageIndex | None = None,
    osv: OsvClient | None = None,
) -> DepsReport:
    """Read the manifests of ``repo``, look each dependency up, ask OSV about the versions in
    use. DepsError when the advisory source fails (an index failure is kept per package)."""
    manifests = find_manifests(repo)
    deps: list[tuple[Declared, str | None]] = []  # with the lockfile's version
    problems: list[str] = []
    for path in manifests:
        try:
            text = (repo / path).read_text(encoding="utf-8")
            listed = [d for d in declared(path, text) if not d.source]
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            problems.append(f"{path}: {exc}")
            continue
        locks: dict[str, dict[str, str]] = {}
        for d in listed:
            if d.ecosystem not in locks:
                locks[d.ecosystem] = locked_versions(repo, path, d.ecosystem)
            deps.append((d, locks[d.ecosystem].get(normalise(d.name, d.ecosystem))))
    own_index, own_osv = index is None, osv is None
    index = index or PackageIndex(config)
    osv = osv or OsvClient(config)
    try:
        statuses = [_status(d, lock, index) for d, lock in deps]
        asked = [(i, s) for i, s in enumerate(statuses) if s.current is not None]
        queries = [Query(s.dep.ecosystem, s.dep.name, s.current or "") for _, s in asked]
        found = osv.advisories(queries) if queries else []
        for (i, s), advisories in zip(asked, found, strict=True):
            statuses[i] = dataclasses.replace(s, advisories=advisories)
    finally:
        if own_index:
            index.close()
        if own_osv:
            osv.close()
    return DepsReport(str(repo), tuple(manifests), tuple(statuses), tuple(problems))


def _status(dep: Declared, lock: str | None, index: PackageIndex) -> DepStatus:
    current = lock or dep.floor
    locked = lock is not None
    try:
        info = index.info(dep.ecosystem, dep.name)
    except DepsError as exc:
        return DepStatus(dep, current, None, error=str(exc), locked=locked)
    if info is None:
        error = "the package index has no such package"
        return DepStatus(dep, current, None, error=error, locked=locked)
    return DepStatus(dep, current, info.latest, versions=info.versions, locked=locked)


def _prerelease(version: str, grammar: str) -> bool:
    from specpilot.pipeline.deps.registry import stable

    return not stable(version, grammar)


def _key(version: str, grammar: str) -> Any:
    from specpilot.pipeline.tiers.versions import version_key

    key = version_key(version, grammar)  # type: ignore[arg-type]
    return key[0] if key is not None else ()


def _git_files(repo: Path) -> list[str] | None:
    try:
        done = subprocess.run(
            [
                "git",
                "-C",
                str(repo),
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ],
            capture_output=True,
            timeout=60,
            check=False,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
        )
    except OSError:
        return None
    if done.returncode != 0:
        return None
    return [p.decode("utf-8", "surrogateescape") for p in done.stdout.split(b"\0") if p]


def _walk(repo: Path) -> list[str]:
    out = []
    for root, dirs, files in os.walk(repo):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        rel = Path(root).relative_to(repo)
        out += [(rel / f).as_posix() for f in files]
    return out
