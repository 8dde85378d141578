"""Source bytes → ``ParsedFile``: symbols, imports and references of one file.

Extraction reads the captures of the language's ``tags.scm`` (one contract for every
language, see ``queries/python/tags.scm``) and ``imports.scm`` (see ``parse_imports``); the
few facts a query cannot express (wrappers such as ``export``/decorators, docstring style)
come from the ``LanguageSpec``. Broken source never raises: tree-sitter recovers, whatever it
recovered is indexed, and ``error_nodes`` counts the ERROR/MISSING nodes.

Rules:

- ``qualified_name`` joins the enclosing definitions with ``.`` (Go methods: ``Recv.Method``;
  Rust items in ``impl Foo``: ``Foo.item``); a function/method whose parent is a class-like
  symbol (class, struct, interface, trait, impl, enum) or that has a Go receiver is a
  ``method``, otherwise a ``function``.
- ``start_line`` includes decorators, annotations and Rust attributes; ``signature`` is the
  text from the declaration (after decorators) up to its body, whitespace-normalised and
  capped at ``MAX_SIGNATURE`` characters (the whole declaration when there is no body).
- ``docstring``: Python's body string (the comment block above for body-less constants),
  otherwise the comment block directly above (no blank line in between).
- A reference's ``enclosing`` is the innermost definition whose node contains it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from specpilot.indexer.parse.docstrings import comment_text, python_docstring
from specpilot.indexer.parse.imports import extract_imports
from specpilot.indexer.parse.languages import LanguageSpec, get_spec
from specpilot.indexer.parse.treesitter import (
    Match,
    Node,
    count_errors,
    load_query,
    matches,
    parse_tree,
)
from specpilot.indexer.types import ParsedFile, Reference, Symbol

logger = logging.getLogger(__name__)

MAX_SIGNATURE = 300
MAX_QUALIFIER = 80
CLASS_LIKE: frozenset[str] = frozenset({"class", "struct", "interface", "trait", "impl", "enum"})

_SPACE = re.compile(r"\s+")
_AFTER_OPEN = re.compile(r"([(\[]) ")
_BEFORE_CLOSE = re.compile(r" ([)\]])")


@dataclass(slots=True)
class _Definition:
    node: Node
    name: str
    kind: str
    body: Node | None
    receiver: str | None


@dataclass(slots=True)
class _Site:
    node: Node
    name: str
    kind: str
    qualifier: str | None


def parse_source(path: str, source: bytes, language: str) -> ParsedFile:
    """Parse one file and extract its symbols, imports and references.

    Raises ``ParseError`` only for an unknown language or a broken grammar/query, never for
    the content of ``source``.
    """
    spec = get_spec(language)
    root = parse_tree(language, source).root_node
    imports, import_ranges = extract_imports(language, root)
    definitions, sites = _read_tags(language, root)
    definitions = [
        d
        for d in definitions
        if d.kind != "constant" or (d.node.start_byte, d.node.end_byte) not in import_ranges
    ]
    symbols, scopes = _symbols(spec, definitions)
    errors = count_errors(root)
    if errors:
        logger.debug("%s: %d syntax error node(s); indexing what was recovered", path, errors)
    return ParsedFile(
        path=path,
        language=language,
        symbols=tuple(symbols),
        imports=tuple(imports),
        references=tuple(_references(sites, scopes)),
        error_nodes=errors,
    )


def _read_tags(language: str, root: Node) -> tuple[list[_Definition], list[_Site]]:
    by_range: dict[tuple[int, int], _Definition] = {}
    sites: list[_Site] = []
    for match in matches(load_query(language, "tags"), root):
        role = next((key for key in match if key.startswith(("definition.", "reference."))), "")
        if not role or "name" not in match:
            continue
        node = match[role][0]
        name = _text(match["name"][0])
        if role.startswith("reference."):
            qualifier = _qualifier(match["qualifier"][0]) if "qualifier" in match else None
            sites.append(_Site(node, name, role.removeprefix("reference."), qualifier))
            continue
        definition = _definition(match, node, name, role.removeprefix("definition."))
        key = (node.start_byte, node.end_byte)
        known = by_range.get(key)
        if known is None or known.kind == "constant":  # a function value beats "constant"
            by_range[key] = definition
    return list(by_range.values()), sites


def _definition(match: Match, node: Node, name: str, kind: str) -> _Definition:
    body = match["body"][0] if "body" in match else node.child_by_field_name("body")
    receiver = _text(match["receiver"][0]) if "receiver" in match else None
    return _Definition(node, name, kind, body, receiver)


def _symbols(
    spec: LanguageSpec, definitions: list[_Definition]
) -> tuple[list[Symbol], list[tuple[int, int, str]]]:
    """Symbols in source order, and (start, end, qualified name) scopes for references."""
    definitions.sort(key=lambda d: (d.node.start_byte, -d.node.end_byte))
    symbols: list[Symbol] = []
    scopes: list[tuple[int, int, str]] = []
    stack: list[tuple[int, str, str]] = []  # (end byte, qualified name, kind)
    for d in definitions:
        while stack and stack[-1][0] < d.node.end_byte:
            stack.pop()
        if d.kind == "constant" and stack:
            continue  # constants are module level only (an ERROR node can nest them)
        if d.receiver is not None:
            parent: str | None = d.receiver
            parent_kind = "struct"
        elif stack:
            parent, parent_kind = stack[-1][1], stack[-1][2]
        else:
            parent, parent_kind = None, ""
        kind = d.kind
        if kind in ("function", "method"):
            kind = "method" if parent_kind in CLASS_LIKE else "function"
        qualified = f"{parent}.{d.name}" if parent else d.name
        stack.append((d.node.end_byte, qualified, kind))
        scopes.append((d.node.start_byte, d.node.end_byte, qualified))
        symbols.append(_symbol(spec, d, kind, qualified, parent))
    return symbols, scopes


def _symbol(
    spec: LanguageSpec, d: _Definition, kind: str, qualified: str, parent: str | None
) -> Symbol:
    outer = _outer(spec, d.node)
    first_row, comments = _leading(spec, outer)
    if spec.docstring_style == "python" and d.body is not None:
        docstring = python_docstring(d.body)
    else:
        docstring = comment_text(comments) if comments else ""
    header_end = _header_end(d)
    return Symbol(
        name=d.name,
        qualified_name=qualified,
        kind=kind,
        start_line=first_row + 1,
        end_line=max(_end_row(d.node), first_row) + 1,
        signature=_signature(spec, outer, d, header_end),
        docstring=docstring,
        parent=parent,
        body_start_line=header_end.start_point.row + 1 if header_end is not None else None,
    )


def _outer(spec: LanguageSpec, node: Node) -> Node:
    """The node with its wrappers (export, decorators, a one-item declaration group)."""
    outer = node
    parent = outer.parent
    while parent is not None and parent.type in spec.wrappers and _alone(outer):
        outer, parent = parent, parent.parent
    return outer


def _alone(node: Node) -> bool:
    """Whether no sibling of ``node`` (comments aside) has its type: a one-item group."""
    before, after = node.prev_named_sibling, node.next_named_sibling
    while before is not None and before.type.endswith("comment"):
        before = before.prev_named_sibling
    while after is not None and after.type.endswith("comment"):
        after = after.next_named_sibling
    return all(sibling is None or sibling.type != node.type for sibling in (before, after))


def _leading(spec: LanguageSpec, outer: Node) -> tuple[int, list[Node]]:
    """The first row (attributes included) and the doc comments directly above ``outer``."""
    first_row = outer.start_point.row
    anchor_row = first_row
    comments: list[Node] = []
    sibling = outer.prev_named_sibling
    while sibling is not None and _end_row(sibling) >= anchor_row - 1:
        if sibling.type in spec.attributes:
            first_row = sibling.start_point.row
        elif sibling.type.endswith("comment"):
            before = sibling.prev_sibling
            if before is not None and _end_row(before) == sibling.start_point.row:
                break  # a trailing comment of the previous statement
            comments.append(sibling)
        else:
            break
        anchor_row = sibling.start_point.row
        sibling = sibling.prev_named_sibling
    comments.reverse()
    return first_row, comments


def _header_end(d: _Definition) -> Node | None:
    """The body, or a comment between the declaration and its body (Python)."""
    if d.body is None:
        return None
    for child in d.node.children:
        if child.start_byte >= d.body.start_byte:
            break
        if child.type.endswith("comment") and child.start_point.row > d.node.start_point.row:
            return child
    return d.body


def _signature(spec: LanguageSpec, outer: Node, d: _Definition, header_end: Node | None) -> str:
    start = outer.start_byte
    if outer is not d.node:
        for child in outer.children:
            if child.type not in spec.decorators:
                start = child.start_byte
                break
    end = header_end.start_byte if header_end is not None else d.node.end_byte
    source = outer.text or b""
    base = outer.start_byte
    pieces, cursor = [], start
    for c_start, c_end in _comments_within(d.node, start, end):
        pieces.append(source[cursor - base : c_start - base])
        cursor = c_end
    pieces.append(source[cursor - base : end - base])
    text = b" ".join(pieces).decode("utf-8", "replace")
    text = text.rstrip().rstrip(";") if header_end is None else text.rstrip().rstrip("{")
    return _normalise(text, MAX_SIGNATURE)


def _comments_within(node: Node, start: int, end: int) -> list[tuple[int, int]]:
    """Byte ranges of the comments inside a declaration's header (``def f(  # noqa`` must not
    put the comment into the signature), in order; only nodes overlapping the header are
    visited, without recursion."""
    found, stack = [], [node]
    while stack:
        n = stack.pop()
        if n.end_byte <= start or n.start_byte >= end:
            continue
        if n.type.endswith("comment"):
            found.append((max(n.start_byte, start), min(n.end_byte, end)))
            continue
        stack.extend(n.children)
    return sorted(found)


def _references(sites: list[_Site], scopes: list[tuple[int, int, str]]) -> list[Reference]:
    """References in source order with the innermost enclosing symbol (a sweep over scopes)."""
    scopes.sort(key=lambda s: (s[0], -s[1]))
    sites.sort(key=lambda s: s.node.start_byte)
    references: list[Reference] = []
    stack: list[tuple[int, int, str]] = []
    index = 0
    for site in sites:
        position = site.node.start_byte
        while index < len(scopes) and scopes[index][0] <= position:
            while stack and stack[-1][1] <= scopes[index][0]:
                stack.pop()
            stack.append(scopes[index])
            index += 1
        while stack and stack[-1][1] <= position:
            stack.pop()
        references.append(
            Reference(
                name=site.name,
                kind=site.kind,
                line=site.node.start_point.row + 1,
                qualifier=site.qualifier,
                enclosing=stack[-1][2] if stack else None,
            )
        )
    return references


def _qualifier(node: Node) -> str:
    return _normalise(_text(node), MAX_QUALIFIER)


def _normalise(text: str, cap: int) -> str:
    text = _SPACE.sub(" ", text).strip()
    text = _BEFORE_CLOSE.sub(r"\1", _AFTER_OPEN.sub(r"\1", text))
    return text if len(text) <= cap else text[:cap].rstrip() + "…"


def _end_row(node: Node) -> int:
    """The last row that holds text of ``node`` (a node ending at column 0 ends a row before)."""
    row, column = node.end_point
    return row - 1 if column == 0 and row > node.start_point.row else row


def _text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", errors="replace")
