"""Which product files use a test file? A file is only a test if no product code reaches it.

A file matching the tests globs is a test helper, not product code, only while nothing outside
the tests uses it. :func:`product_users` answers, for each such file, with the first non-test
file that imports it — directly or through other test files — or names its path or dotted
module in its text (``python tests/setup_env.py`` in a Makefile, ``tests.helpers:main`` as an
entry point, ``require("./test/utils")``). Imports are read with the indexer's parser and
resolved with its :class:`~indexer.graph.modpaths.ModuleIndex`, over the repository as the diff
leaves it (the base tree plus the diff's new texts). ``git grep`` first narrows the files to
parse to those containing the helper's name. Java is matched by class name as a word as well,
since a class in the same package needs no import.

Files of a docs type (Markdown, reStructuredText, ...) never count as users: prose that names
a test file runs nothing.
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Callable, Mapping, Sequence

from specpilot.indexer import ModuleIndex, is_code, language_for, parse_source
from specpilot.pipeline.tiers.base_tree import BaseTree

logger = logging.getLogger(__name__)

MAX_VISITS = 200  # test files followed per helper before giving up (and assuming a product use)


class _Repo:
    """The repository as the diff leaves it."""

    def __init__(self, tree: BaseTree, changed: Mapping[str, str | None]) -> None:
        self.tree = tree
        self.changed = changed
        paths = set(tree.paths()) - {p for p, t in changed.items() if t is None}
        self.paths = paths | {p for p, t in changed.items() if t is not None}
        code = ((p, language_for(p)) for p in self.paths)
        self.modules = ModuleIndex((p, lang) for p, lang in code if lang and is_code(lang))

    def text(self, path: str) -> str | None:
        if path in self.changed:
            return self.changed[path]
        data = self.tree.read(path)
        return None if data is None else data.decode("utf-8", "replace")

    def grep(self, needles: Sequence[str], *, words: bool) -> set[str]:
        """Files (as the diff leaves them) containing one of ``needles``."""
        found = {p for p in self.tree.grep(needles, words=words) if p not in self.changed}
        for path, text in self.changed.items():
            if text is not None and any(_contains(text, n, words) for n in needles):
                found.add(path)
        return found & self.paths


def product_users(
    candidates: Sequence[str],
    tree: BaseTree,
    changed: Mapping[str, str | None],
    *,
    is_test: Callable[[str], bool],
    is_prose: Callable[[str], bool],
) -> dict[str, str]:
    """``{test file: a product file that uses it}`` for the ``candidates`` product code uses.

    ``changed`` holds the diff's new texts (``None`` for a deleted file); ``is_test`` says
    which files are tests (the tests globs) and ``is_prose`` which never count as users.
    """
    if not candidates:
        return {}
    repo = _Repo(tree, changed)
    found: dict[str, str] = {}
    for candidate in candidates:
        user = _first_product_user(candidate, repo, is_test, is_prose)
        if user is not None:
            found[candidate] = user
    return found


def _first_product_user(
    candidate: str,
    repo: _Repo,
    is_test: Callable[[str], bool],
    is_prose: Callable[[str], bool],
) -> str | None:
    frontier, seen = [candidate], {candidate}
    while frontier:
        target = frontier.pop()
        for user in sorted(_users(target, repo) - seen):
            if is_prose(user):
                continue
            if not is_test(user):
                return user if target == candidate else f"{user} (through {target})"
            seen.add(user)
            frontier.append(user)
            if len(seen) > MAX_VISITS:
                logger.warning(
                    "gave up following the users of %s after %d files", candidate, MAX_VISITS
                )
                return f"one of more than {MAX_VISITS} files (not followed further)"
    return None


def _users(target: str, repo: _Repo) -> set[str]:
    """Files that import ``target`` or name it in their text."""
    users = repo.grep(_mentions(target), words=False)
    language = language_for(target)
    if not language or not is_code(language) or target.endswith("_test.go"):
        return users - {target}  # go build leaves _test.go files out of the package
    for path in sorted(repo.grep(_names(target), words=True) - users - {target}):
        lang = language_for(path)
        if not lang or not is_code(lang):
            continue
        if lang == "java" and language == "java":
            users.add(path)  # the class name as a word: same-package use needs no import
            continue
        text = repo.text(path)
        if text is not None and _imports(path, lang, text, target, repo.modules):
            users.add(path)
    return users - {target}


def _imports(path: str, language: str, text: str, target: str, modules: ModuleIndex) -> bool:
    parsed = parse_source(path, text.encode("utf-8", "surrogateescape"), language)
    for imp in parsed.imports:
        chain = [imp.name] if imp.name and imp.name not in ("*", "default") else []
        resolved = modules.resolve(path, language, imp.module, chain)
        if resolved is not None and target in resolved[0]:
            return True
    return False


def _names(path: str) -> list[str]:
    """Words an import of ``path`` must contain: its stem, or its folder for a package file."""
    folder, name = posixpath.split(path)
    stem = name.split(".", 1)[0]
    if stem in ("__init__", "index", "mod", "lib", "main") or path.endswith(".go"):
        return [posixpath.basename(folder) or stem]
    return [stem]


def _mentions(path: str) -> list[str]:
    """How a text names ``path``: the path, without its extension, as a dotted module."""
    bare = path.rsplit(".", 1)[0] if "." in posixpath.basename(path) else path
    dotted = bare.removesuffix("/__init__").replace("/", ".")
    out = [path]
    if "/" in bare:
        out.append(bare)
    if "." in dotted:  # a bare package name ("tests") is too common a word to mean the file
        out.append(dotted)
    return out


def _contains(text: str, needle: str, words: bool) -> bool:
    if not words:
        return needle in text
    start = text.find(needle)
    while start != -1:
        before = text[start - 1] if start else " "
        end = start + len(needle)
        after = text[end] if end < len(text) else " "
        if not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"):
            return True
        start = text.find(needle, start + 1)
    return False
