"""Which files conventions are measured from: the code a contributor touches.

Product code and its tests are measured; documentation (``docs/conf.py``), examples, demos,
benchmarks, scripts, CI and test data are not, nor build scripts (``setup.py``,
``noxfile.py``). Those files follow their own habits — a Sphinx ``conf.py`` is a page of
lowercase module globals (``project = "x"``), an example is written for a reader — and
measuring them states rules the product code does not keep. ``check`` skips the same files.

The lists are ``ConventionsConfig.exclude_dirs`` / ``exclude_files`` (directory names matched
anywhere on the path, case-insensitively; file-name globs); the defaults are below. The
matching is the indexer's (``indexer.source.roles.is_support_path``), with conventions' own lists:
tests stay in, since their naming and layout are conventions too.
"""

from __future__ import annotations

from specpilot.indexer import is_support_path

EXCLUDE_DIRS: tuple[str, ...] = (
    "doc",
    "docs",
    "example",
    "examples",
    "demo",
    "demos",
    "benchmarks",
    "bench",
    "scripts",
    "ci",
    ".github",
    "fixtures",
    "testdata",
)
EXCLUDE_FILES: tuple[str, ...] = ("setup.py", "noxfile.py", "tasks.py", "fabfile.py")


def in_scope(
    path: str,
    exclude_dirs: tuple[str, ...] | list[str] = EXCLUDE_DIRS,
    exclude_files: tuple[str, ...] | list[str] = EXCLUDE_FILES,
) -> bool:
    """Whether a repo-relative path is code whose conventions are measured (and checked)."""
    dirs = tuple(d.lower() for d in exclude_dirs)  # path parts are compared lower-cased
    return not is_support_path(path, dirs, tuple(exclude_files))


def is_stub(path: str) -> bool:
    """A Python type stub: it mirrors the code's names, but not its docstrings or types."""
    return path.endswith(".pyi")
