"""Roles of files: code, or files that support it (tests, docs, examples, stubs, changelogs).

The indexer embeds support files from fewer word pieces (``EmbedConfig``); retrieval ranks
them after code (``RetrievalConfig.support_file_factor``). Both default to these lists.
"""

from __future__ import annotations

from fnmatch import fnmatch

# Path parts and file names of files that support code rather than being it: tests, docs,
# examples, build scripts. A user asking "what must change" wants the code first.
DEFAULT_SUPPORT_DIRS: tuple[str, ...] = (
    "test",
    "tests",
    "testing",
    "spec",
    "specs",
    "__tests__",
    "doc",
    "docs",
    "example",
    "examples",
    "benchmarks",
    "bench",
    "scripts",
    "ci",
    ".github",
    "fixtures",
    "testdata",
)
DEFAULT_SUPPORT_GLOBS: tuple[str, ...] = (
    "test_*.py",
    "*_test.py",
    "conftest.py",
    "setup.py",
    "noxfile.py",
    "tasks.py",
    "*_test.go",
    "*.test.js",
    "*.test.ts",
    "*.spec.js",
    "*.spec.ts",
    "*.test.tsx",
    "*.d.ts",
    "*Test.java",
    "*Tests.java",
    "*.pyi",  # type stubs mirror the code they describe
    "CHANGELOG*",
    "CHANGES*",
    "HISTORY*",
    "NEWS*",
    "*.md",
    "*.rst",
    "*.txt",
)


def is_support_path(
    path: str,
    dirs: tuple[str, ...] = DEFAULT_SUPPORT_DIRS,
    globs: tuple[str, ...] = DEFAULT_SUPPORT_GLOBS,
) -> bool:
    """True for a file in a support directory or matching a support file name pattern."""
    parts = path.split("/")
    if any(p.lower() in dirs for p in parts[:-1]):
        return True
    return any(fnmatch(parts[-1], g) for g in globs)
