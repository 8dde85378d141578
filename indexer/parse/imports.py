"""Imports of a parsed file, one ``Import`` per imported name, from ``imports.scm`` captures.

Every language's query uses the same captures (see ``queries/python/imports.scm``):

- ``@import`` the statement (its first line is the import's line);
- ``@import.module`` the module as written; ``@import.name`` an imported name and
  ``@import.alias`` its local binding; ``@import.wildcard`` a ``*`` import (name ``"*"``);
  ``@import.default`` a JS/TS default binding (name ``"default"``, alias = the binding);
- ``@import.use`` a Rust use tree, expanded here into one import per leaf
  (``use a::b::{c, d as e}`` → ``a::b``/``c`` and ``a::b``/``d`` as ``e``; ``use a::b`` →
  ``a``/``b``; ``{self}`` names the parent path itself);
- ``@import.mod`` a Rust ``mod x;`` declaration, recorded as module ``self::x``.
"""

from __future__ import annotations

from collections.abc import Iterator

from specpilot.indexer.parse.treesitter import Match, Node, load_query, matches
from specpilot.indexer.types import Import

_RUST_LEAVES = frozenset({"identifier", "crate", "self", "super", "metavariable"})


def extract_imports(language: str, root: Node) -> tuple[list[Import], set[tuple[int, int]]]:
    """The imports under ``root`` and the byte ranges of their statements."""
    imports: list[Import] = []
    statements: set[tuple[int, int]] = set()
    for match in matches(load_query(language, "imports"), root):
        statement = match["import"][0]
        statements.add((statement.start_byte, statement.end_byte))
        line = statement.start_point.row + 1
        if "import.use" in match:
            imports.extend(_rust_use(match["import.use"][0], line))
        elif "import.mod" in match:
            imports.append(Import(f"self::{_text(match['import.mod'][0])}", None, None, line))
        elif "import.module" in match:
            imports.append(_record(match, line))
    imports.sort(key=lambda item: item.line)
    return imports, statements


def _record(match: Match, line: int) -> Import:
    module = _text(match["import.module"][0])
    alias = _text(match["import.alias"][0]) if "import.alias" in match else None
    name: str | None = None
    if "import.wildcard" in match:
        name = "*"
    elif "import.default" in match:
        name, alias = "default", _text(match["import.default"][0])
    elif "import.name" in match:
        name = _text(match["import.name"][0])
    if alias is not None and alias == (name or module):
        alias = None
    return Import(module=module, name=name, alias=alias, line=line)


def _rust_use(tree: Node, line: int) -> Iterator[Import]:
    for path, alias, wildcard in _use_leaves(tree, []):
        if path and path[-1] == "self":
            path = path[:-1]
        if not path:
            continue
        if wildcard:
            yield Import("::".join(path), "*", None, line)
        elif len(path) == 1:
            yield Import(path[0], None, alias, line)
        else:
            yield Import("::".join(path[:-1]), path[-1], alias if alias != path[-1] else None, line)


def _use_leaves(node: Node, prefix: list[str]) -> Iterator[tuple[list[str], str | None, bool]]:
    """The leaves of a ``use`` tree in source order, as (path, alias, wildcard).

    A work list, not recursion: ``use a::{b::{c::{...}}}`` nested 2,000 deep is valid Rust.
    """
    todo: list[tuple[Node, list[str]]] = [(node, prefix)]
    while todo:
        node, prefix = todo.pop()
        kind = node.type
        if kind in _RUST_LEAVES or kind == "scoped_identifier":
            yield [*prefix, *_segments(node)], None, False
        elif kind == "use_as_clause":
            path, alias = node.child_by_field_name("path"), node.child_by_field_name("alias")
            yield [*prefix, *_segments(path)], _text(alias) if alias else None, False
        elif kind == "use_wildcard":
            path = node.named_children[0] if node.named_child_count else None
            yield [*prefix, *_segments(path)], None, True
        elif kind == "scoped_use_list":
            inner = [*prefix, *_segments(node.child_by_field_name("path"))]
            listed = node.child_by_field_name("list")
            if listed is not None:
                todo.append((listed, inner))
        elif kind == "use_list":
            todo.extend((child, prefix) for child in reversed(node.named_children))


def _segments(node: Node | None) -> list[str]:
    if node is None:
        return []
    return [part.strip() for part in _text(node).split("::") if part.strip()]


def _text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", errors="replace")
