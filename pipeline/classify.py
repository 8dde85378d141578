"""Classify a patch: what kind of change each file is, and the patch as a whole.

Kinds, checked in this order (the first that matches wins):

- ``dependency``: a lockfile (any change), or a dependency manifest (``requirements*.txt``,
  ``pyproject.toml``, ``package.json``, ...) whose changed lines differ only in versions or hashes
- ``tests``: test files and directories
- ``docs``: documentation
- ``config``: configuration files, and manifests changed beyond a version bump
- ``source``: everything else

The globs are gitignore-style patterns (a pattern without ``/`` matches at any depth).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import pathspec

from specpilot.pipeline.diffparse import FileDiff, Patch

ChangeKind = Literal["dependency", "tests", "docs", "config", "source"]
KIND_ORDER: tuple[ChangeKind, ...] = ("dependency", "tests", "docs", "config", "source")

LOCKFILE_GLOBS: tuple[str, ...] = (
    "poetry.lock",
    "Pipfile.lock",
    "uv.lock",
    "pdm.lock",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lockb",
    "Cargo.lock",
    "go.sum",
    "Gemfile.lock",
    "composer.lock",
    "mix.lock",
    "packages.lock.json",
    "gradle.lockfile",
)

MANIFEST_GLOBS: tuple[str, ...] = (
    "requirements*.txt",
    "requirements/*.txt",
    "constraints*.txt",
    "pyproject.toml",
    "setup.cfg",
    "Pipfile",
    "package.json",
    "Cargo.toml",
    "go.mod",
    "Gemfile",
    "composer.json",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
)

DEFAULT_KIND_GLOBS: dict[ChangeKind, tuple[str, ...]] = {
    "dependency": LOCKFILE_GLOBS,
    "tests": (
        "tests/**",
        "test/**",
        "**/tests/**",
        "**/test/**",
        "**/__tests__/**",
        "test_*.py",
        "*_test.py",
        "conftest.py",
        "*_test.go",
        "*.test.js",
        "*.test.ts",
        "*.test.jsx",
        "*.test.tsx",
        "*.spec.js",
        "*.spec.ts",
        "*Test.java",
        "*Tests.java",
        "*_spec.rb",
    ),
    "docs": (
        "docs/**",
        "doc/**",
        "*.md",
        "*.rst",
        "*.adoc",
        "LICENSE*",
        "AUTHORS*",
        "CHANGELOG*",
        "NOTICE*",
    ),
    "config": (
        "*.toml",
        "*.yaml",
        "*.yml",
        "*.ini",
        "*.cfg",
        "*.json",
        "*.conf",
        ".editorconfig",
        ".gitignore",
        ".gitattributes",
        ".dockerignore",
        "Dockerfile",
        "*.dockerfile",
        "Makefile",
        "*.mk",
    ),
}

# A dotted version ("2.31", "v1.2.3", "^4.17.21" after its caret, "1.0.0rc1") not glued to a
# word, so "boto3" stays a name and "timeout = 30" is not a version; long hex strings are
# artifact hashes.
_VERSION_RE = re.compile(r"(?<![A-Za-z0-9_.])v?\d+(?:\.[0-9A-Za-z]+)+(?:[-+][0-9A-Za-z.]+)?")
_HASH_RE = re.compile(r"\b[0-9a-fA-F]{32,}\b")


@dataclass(frozen=True, slots=True)
class FileKind:
    path: str
    kind: ChangeKind
    why: str


@dataclass(frozen=True, slots=True)
class Classification:
    files: tuple[FileKind, ...]

    @property
    def kinds(self) -> frozenset[ChangeKind]:
        return frozenset(f.kind for f in self.files)

    @property
    def overall(self) -> str:
        """One kind when every file has it, ``"mixed"`` otherwise, ``"empty"`` for no files."""
        kinds = self.kinds
        if not kinds:
            return "empty"
        if len(kinds) == 1:
            return next(iter(kinds))
        return "mixed"

    def paths_of(self, kind: ChangeKind) -> tuple[str, ...]:
        return tuple(f.path for f in self.files if f.kind == kind)


class Matcher:
    """Gitignore-style glob matching for repo-relative POSIX paths."""

    __slots__ = ("_each", "_spec", "globs")

    def __init__(self, globs: Sequence[str]) -> None:
        self.globs = tuple(globs)
        self._spec = pathspec.GitIgnoreSpec.from_lines(self.globs)
        self._each = tuple(pathspec.GitIgnoreSpec.from_lines([g]) for g in self.globs)

    def __call__(self, path: str) -> bool:
        return bool(self.globs) and self._spec.match_file(path)

    def first(self, path: str) -> str | None:
        """The first glob that matches ``path`` on its own, for explanations."""
        for glob, spec in zip(self.globs, self._each, strict=True):
            if spec.match_file(path):
                return glob
        return None


def classify(
    patch: Patch,
    kind_globs: Mapping[ChangeKind, Sequence[str]] | None = None,
    manifest_globs: Sequence[str] = MANIFEST_GLOBS,
) -> Classification:
    """Classify every file of ``patch``; a renamed file gets the riskier kind of its two paths."""
    globs = {**DEFAULT_KIND_GLOBS, **(kind_globs or {})}
    matchers: dict[ChangeKind, Matcher] = {
        kind: Matcher(globs.get(kind, ())) for kind in KIND_ORDER if kind != "source"
    }
    manifests = Matcher(manifest_globs)
    return Classification(tuple(_classify_file(f, matchers, manifests) for f in patch.files))


def _classify_file(
    f: FileDiff, matchers: Mapping[ChangeKind, Matcher], manifests: Matcher
) -> FileKind:
    results = [_classify_path(p, f, matchers, manifests) for p in f.paths]
    return max(results, key=lambda r: _RISK_RANK[r.kind])


# Used only to pick one kind for a renamed file: the riskier of its old and new path.
_RISK_RANK: dict[ChangeKind, int] = {
    "docs": 0,
    "dependency": 1,
    "tests": 2,
    "config": 3,
    "source": 4,
}


def _classify_path(
    path: str, f: FileDiff, matchers: Mapping[ChangeKind, Matcher], manifests: Matcher
) -> FileKind:
    dependency = matchers["dependency"]
    if dependency(path):
        return FileKind(f.path, "dependency", f"{path} is a lockfile ({dependency.first(path)})")
    if manifests(path) and not f.binary:
        if is_version_only_change(f):
            return FileKind(
                f.path, "dependency", f"{path} is a manifest whose changes are version bumps only"
            )
        why = f"{path} is a dependency manifest changed beyond a version bump"
        return FileKind(f.path, "config", why)
    for kind in ("tests", "docs", "config"):
        matcher = matchers[kind]
        if matcher(path):
            return FileKind(f.path, kind, f"{path} matches the {kind} glob {matcher.first(path)!r}")
    return FileKind(f.path, "source", f"{path} matches no docs, tests, config or dependency glob")


def is_version_only_change(f: FileDiff) -> bool:
    """True when every removed line has an added twin that differs only in versions/hashes."""
    if f.status != "modified" or not f.added_lines or not f.removed_lines:
        return False
    old = Counter(_normalize(d.text) for d in f.removed_lines)
    new = Counter(_normalize(d.text) for d in f.added_lines)
    return old == new


def _normalize(line: str) -> str:
    return _VERSION_RE.sub("<v>", _HASH_RE.sub("<h>", line.strip()))
