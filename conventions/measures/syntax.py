"""A file as the measurements see it: text, lines, the indexer's parse and a few syntax nodes.

Syntax beyond ``ParsedFile`` (except clauses, string literals, statements, ...) comes from
the ``conventions.scm`` queries of the language's folders under ``indexer/parse/queries`` through the
indexer's tree-sitter adapter; languages without that query file (Java, Rust) are measured from
``ParsedFile`` alone.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from specpilot.indexer import Node, ParsedFile, Symbol, captures, load_query, parse_tree

# language id -> language group (JavaScript and TypeScript share their conventions)
GROUPS: dict[str, str] = {
    "python": "python",
    "javascript": "javascript",
    "typescript": "javascript",
    "tsx": "javascript",
    "go": "go",
    "java": "java",
    "rust": "rust",
}
GROUP_NAMES: dict[str, str] = {
    "python": "Python",
    "javascript": "JavaScript/TypeScript",
    "go": "Go",
    "java": "Java",
    "rust": "Rust",
}
_WITH_QUERY = frozenset({"python", "javascript", "typescript", "tsx", "go"})


def language_group(language: str) -> str | None:
    """The group of a language id (``tsx`` → ``javascript``), None when it is not code."""
    return GROUPS.get(language)


@dataclass(frozen=True, slots=True)
class Source:
    path: str
    language: str  # language id
    group: str
    text: str
    lines: tuple[str, ...]  # without line ends; lines[0] is line 1
    parsed: ParsedFile
    is_test: bool
    nodes: dict[str, list[Node]]  # capture name of conventions.scm -> nodes, in source order

    def line(self, number: int) -> str:
        """The text of a 1-based line ("" outside the file)."""
        return self.lines[number - 1] if 0 < number <= len(self.lines) else ""

    def name_line(self, symbol: Symbol) -> int:
        """The line of the symbol's name (after decorators and attributes)."""
        last = symbol.body_start_line or symbol.end_line
        pattern = re.compile(rf"(?<![\w$]){re.escape(symbol.name)}(?![\w$])")
        for number in range(symbol.start_line, max(last, symbol.start_line) + 1):
            if pattern.search(self.line(number)):
                return number
        return symbol.start_line


def make_source(
    path: str, language: str, text: str, parsed: ParsedFile, *, is_test: bool
) -> Source:
    group = GROUPS[language]
    nodes: dict[str, list[Node]] = defaultdict(list)
    if language in _WITH_QUERY:
        tree = parse_tree(language, text.encode("utf-8"))
        for name, node in captures(load_query(language, "conventions"), tree.root_node):
            if not name.startswith("_"):
                nodes[name].append(node)
    return Source(
        path=path,
        language=language,
        group=group,
        text=text,
        lines=tuple(text.splitlines()),
        parsed=parsed,
        is_test=is_test,
        nodes=dict(nodes),
    )


def node_text(node: Node | None) -> str:
    if node is None:
        return ""
    return (node.text or b"").decode("utf-8", errors="replace")


def node_line(node: Node) -> int:
    return node.start_point.row + 1


def end_line(node: Node) -> int:
    return node.end_point.row + 1
