"""Classify a patch: what kind of change each file is, and the patch as a whole.

A kind is decided by what a file *is*, not only by what it is called. Checked in this order
(the first that holds wins):

- ``dependency``: a lockfile or manifest (``requirements*.txt``, ``pyproject.toml``,
  ``package.json``, ``package-lock.json``, ``poetry.lock``, ``uv.lock``, ``Cargo.*``, ``go.*``)
  whose old and new versions, parsed, differ only in versions of dependencies it already had
  (see :mod:`pipeline.dep_bumps`); one changed in any other way is ``config``
- ``tests``: matches the tests globs, and no product file imports it or names it
  (see :mod:`pipeline.test_importers`); one that product code uses is ``source``
- ``source``: code, or a file a tool executes, wherever it lives and whatever it is called
  (``calc/CHANGELOG_hook.py``, ``docs/conf.py``, a Makefile, a shell script, CI workflows)
- ``docs``: matches the docs globs *and* is prose by type (Markdown, reStructuredText, text,
  AsciiDoc, images, an extensionless README/LICENSE), is not executable, not a symlink
- ``config``: matches the config globs and is data-only configuration by type
- ``source``: everything else

The globs are gitignore-style patterns (a pattern without ``/`` matches at any depth).
Parsing needs the files' base texts: :class:`~pipeline.base_tree.FileTexts` reads them from
the base commit. Without it, a manifest is never a bump and a test file is never a test.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import pathspec

from specpilot.pipeline.core.diffparse import FileDiff, Patch
from specpilot.pipeline.tiers.base_tree import FileTexts, Unverifiable
from specpilot.pipeline.tiers.dep_bumps import BumpCheck, check_bump
from specpilot.pipeline.tiers.file_types import executed, is_config_type, is_docs_type, mode_note
from specpilot.pipeline.tiers.test_importers import product_users

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
        "README*",
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
    ),
}


@dataclass(frozen=True, slots=True)
class FileKind:
    path: str
    kind: ChangeKind
    why: str


@dataclass(frozen=True, slots=True)
class Classification:
    files: tuple[FileKind, ...]
    bumps: tuple[BumpCheck, ...] = ()  # every manifest and lockfile of the patch, checked

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

    def whys_of(self, kind: ChangeKind) -> tuple[str, ...]:
        return tuple(f.why for f in self.files if f.kind == kind)


class Matcher:
    """Gitignore-style glob matching for repo-relative POSIX paths.

    With ``ignore_case`` both the globs and the paths are compared in lower case: the rules
    that *restrict* (sensitive paths, path rules, the policy's own files) use it, so
    ``AuthService.py`` is an auth file, as it is on a case-insensitive file system.
    """

    __slots__ = ("_each", "_fold", "_spec", "globs")

    def __init__(self, globs: Sequence[str], *, ignore_case: bool = False) -> None:
        self.globs = tuple(globs)
        self._fold = ignore_case
        folded = [g.lower() for g in self.globs] if ignore_case else list(self.globs)
        self._spec = pathspec.GitIgnoreSpec.from_lines(folded)
        self._each = tuple(pathspec.GitIgnoreSpec.from_lines([g]) for g in folded)

    def __call__(self, path: str) -> bool:
        return bool(self.globs) and self._spec.match_file(path.lower() if self._fold else path)

    def first(self, path: str) -> str | None:
        """The first glob that matches ``path`` on its own, for explanations."""
        path = path.lower() if self._fold else path
        for glob, spec in zip(self.globs, self._each, strict=True):
            if spec.match_file(path):
                return glob
        return None


def classify(
    patch: Patch,
    kind_globs: Mapping[ChangeKind, Sequence[str]] | None = None,
    manifest_globs: Sequence[str] = MANIFEST_GLOBS,
    *,
    texts: FileTexts | None = None,
) -> Classification:
    """Classify every file of ``patch``; a renamed file gets the riskier kind of its two paths.

    ``texts`` gives the files' base and new texts (needed to parse manifests and to find
    product code that imports a test file)."""
    texts = texts or FileTexts(None)
    globs = {**DEFAULT_KIND_GLOBS, **(kind_globs or {})}
    matchers: dict[ChangeKind, Matcher] = {
        kind: Matcher(globs.get(kind, ())) for kind in KIND_ORDER if kind != "source"
    }
    manifests = Matcher(manifest_globs)
    bumps: list[BumpCheck] = []
    files = [_classify_file(f, matchers, manifests, texts, bumps) for f in patch.files]
    files = _tests_used_by_product(patch, files, matchers["tests"], texts)
    return Classification(tuple(files), tuple(bumps))


def _classify_file(
    f: FileDiff,
    matchers: Mapping[ChangeKind, Matcher],
    manifests: Matcher,
    texts: FileTexts,
    bumps: list[BumpCheck],
) -> FileKind:
    results = [_classify_path(p, f, matchers, manifests, texts, bumps) for p in f.paths]
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
    path: str,
    f: FileDiff,
    matchers: Mapping[ChangeKind, Matcher],
    manifests: Matcher,
    texts: FileTexts,
    bumps: list[BumpCheck],
) -> FileKind:
    lockfile = matchers["dependency"]
    if lockfile(path) or manifests(path):
        what = "a lockfile" if lockfile(path) else "a dependency manifest"
        check = _bump(path, f, texts)
        bumps.append(check)
        if check.bump:
            return FileKind(f.path, "dependency", f"{path} is {what}; {check.summary()}")
        why = f"{path} is {what} changed beyond a version bump (see dependency.change)"
        return FileKind(f.path, "config", why)
    tests = matchers["tests"]
    if tests(path):
        return FileKind(f.path, "tests", f"{path} matches the tests glob {tests.first(path)!r}")
    code = executed(path)
    if code is not None:
        return FileKind(f.path, "source", f"{path} is {code}")
    docs = matchers["docs"]
    note = mode_note(f)
    if docs(path):
        glob = docs.first(path)
        if is_docs_type(path) and note is None:
            return FileKind(f.path, "docs", f"{path} is prose and matches the docs glob {glob!r}")
        why = note or "not prose by its type (only Markdown, reStructuredText, text, ...)"
        return FileKind(f.path, "source", f"{path} matches the docs glob {glob!r} but is {why}")
    config = matchers["config"]
    if config(path) and is_config_type(path) and note is None:
        return FileKind(f.path, "config", f"{path} matches the config glob {config.first(path)!r}")
    if note is not None:
        return FileKind(f.path, "source", f"{path} is {note}")
    return FileKind(f.path, "source", f"{path} matches no docs, tests, config or dependency rule")


def _bump(path: str, f: FileDiff, texts: FileTexts) -> BumpCheck:
    if f.binary:
        return BumpCheck(path, False, ("it is binary, so its change cannot be read",))
    if mode_note(f) is not None or path != f.path:
        return BumpCheck(path, False, ("the change moves it or changes its file mode",))
    try:
        return check_bump(path, texts.old(f), texts.new(f))
    except Unverifiable as exc:
        return BumpCheck(path, False, (f"its versions cannot be compared: {exc}",))


def _tests_used_by_product(
    patch: Patch, files: list[FileKind], tests: Matcher, texts: FileTexts
) -> list[FileKind]:
    """Turn the ``tests`` files that product code uses into ``source``."""
    candidates = [k.path for k in files if k.kind == "tests"]
    if not candidates:
        return files
    try:
        changed = {f.path: texts.new(f) for f in patch.files if not f.binary}
        changed |= {f.old_path: None for f in patch.files if f.old_path and f.old_path != f.path}
        if texts.base is None:
            raise Unverifiable("no base tree was given to look for product code that imports it")
        users = product_users(candidates, texts.base, changed, is_test=tests, is_prose=is_docs_type)
    except Unverifiable as exc:
        why = f"it cannot be checked that no product code uses it ({exc})"
        return [
            FileKind(k.path, "source", f"{k.why}, but {why}") if k.kind == "tests" else k
            for k in files
        ]
    return [
        FileKind(k.path, "source", f"{k.why}, but product code uses it: {users[k.path]}")
        if k.path in users
        else k
        for k in files
    ]
