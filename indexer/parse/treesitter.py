"""The one adapter over py-tree-sitter: languages, parsing, query files and query runs.

No other module creates a ``Language``, ``Parser`` or ``Query``; the extractor only walks the
``Node`` objects returned here (re-exported as ``Node`` for type hints). Languages and compiled
queries are cached per process on first use; nothing happens at import time.

Queries are package data: ``indexer/parse/queries/<folder>/<purpose>.scm``, joined over the
language spec's ``queries`` folders (tsx = ecma's files, then typescript's, then jsx's).
"""

from __future__ import annotations

import functools
import importlib.resources
import logging

from tree_sitter import Language, Node, Parser, Query, QueryCursor, QueryError, Tree

from specpilot.indexer.errors import ParseError
from specpilot.indexer.parse.languages import get_spec

__all__ = [
    "Match",
    "Node",
    "Tree",
    "captures",
    "count_errors",
    "language",
    "load_query",
    "matches",
    "parse_tree",
]

logger = logging.getLogger(__name__)

Match = dict[str, list[Node]]  # capture name → nodes of one query match


@functools.cache
def language(language_id: str) -> Language:
    """The tree-sitter ``Language`` of a registered language id (cached)."""
    spec = get_spec(language_id)
    try:
        return Language(spec.grammar())
    except (TypeError, ValueError) as exc:  # an incompatible grammar ABI
        raise ParseError(f"the grammar for {language_id!r} cannot be loaded: {exc}.") from exc


def parse_tree(language_id: str, source: bytes) -> Tree:
    """Parse ``source``; never raises for bad source (errors become ERROR/MISSING nodes)."""
    return Parser(language(language_id)).parse(source)


@functools.cache
def load_query(language_id: str, purpose: str) -> Query:
    """The compiled ``<purpose>.scm`` query of a language (its folders' files joined; cached)."""
    folders = get_spec(language_id).queries
    root = importlib.resources.files("specpilot.indexer.parse").joinpath("queries")
    parts = []
    for folder in folders:
        resource = root.joinpath(folder, f"{purpose}.scm")
        if resource.is_file():
            parts.append(resource.read_text(encoding="utf-8"))
    where = ", ".join(f"queries/{folder}/{purpose}.scm" for folder in folders)
    if not parts:
        raise ParseError(f"no query file {where} for language {language_id!r}.")
    try:
        return Query(language(language_id), "\n".join(parts))
    except QueryError as exc:
        raise ParseError(f"the query {where} does not compile for {language_id!r}: {exc}.") from exc


def matches(query: Query, node: Node) -> list[Match]:
    """Every match of ``query`` under ``node``, as capture name → nodes, in match order."""
    return [caps for _, caps in QueryCursor(query).matches(node)]


def captures(query: Query, node: Node) -> list[tuple[str, Node]]:
    """Every capture of ``query`` under ``node`` as (name, node), sorted by start byte."""
    found = [
        (name, captured)
        for name, nodes in QueryCursor(query).captures(node).items()
        for captured in nodes
    ]
    found.sort(key=lambda item: (item[1].start_byte, -item[1].end_byte))
    return found


def count_errors(root: Node) -> int:
    """The number of ERROR and MISSING nodes under ``root`` (0 for a clean parse)."""
    if not root.has_error:
        return 0
    count = 0
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            count += 1
        # only subtrees that contain an error are worth walking
        stack.extend(child for child in node.children if child.has_error or child.is_missing)
    return count
