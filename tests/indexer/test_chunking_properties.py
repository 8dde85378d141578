"""Property tests of the chunker on generated Python files.

A file's chunk ids are the keys its rows are merged on, so an id twice made LanceDB refuse
the write ("Ambiguous merge inserts are prohibited") on real code: files that define the same
class several times, with a method right after the header. The generator builds such files
(several top-level definitions, repeated class names, methods right after headers,
decorators, nested functions, a class defined in ``try`` and again in ``except``, module
code, comments and blank lines), and Python's own
``ast`` says where each top-level definition is. For every file and chunk config:

- chunk ids are unique, and no line range is emitted twice for the same symbol;
- every chunk lies inside the file, and every non-blank line is in some chunk;
- two chunks are disjoint or nested, and only a container's header holds other chunks;
- no chunk crosses a top-level definition: it is inside it, holds all of it, or misses it;
  and a chunk that holds a class with methods is that class's own header.
"""

from __future__ import annotations

import ast

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specpilot.indexer.config import ChunkConfig
from specpilot.indexer.parse.chunking import CONTAINER_KINDS, Chunk, chunk_file
from specpilot.indexer.parse.extract import parse_source

NAMES = st.sampled_from(["ClassFoo", "ClassFoo", "Bar", "f", "g", "run", "_private"])
DECORATORS = st.lists(
    st.sampled_from(["@staticmethod", "@property", "@wraps(f)", "@cache"]), max_size=2
)
STATEMENT = st.sampled_from(
    ["x = 1", "return None", "pass", "y = [i for i in range(3)]", "print('a # b')", "# note", ""]
)


@st.composite
def function(draw: st.DrawFn, indent: str = "", *, nested: bool = True) -> list[str]:
    lines = [indent + d for d in draw(DECORATORS)]
    lines.append(f"{indent}def {draw(NAMES).lower()}(self, a=1):")
    if draw(st.booleans()):
        lines.append(f'{indent}    """Docstring."""')
    if nested and draw(st.integers(0, 3)) == 0:
        lines.extend(draw(function(indent + "    ", nested=False)))
    body = draw(st.lists(STATEMENT, max_size=draw(st.sampled_from([0, 1, 2, 4, 25]))))
    lines.extend(f"{indent}    {s}" if s else "" for s in body)
    lines.append(f"{indent}    return a")
    return lines


@st.composite
def klass(draw: st.DrawFn) -> list[str]:
    lines = [d for d in draw(st.lists(st.sampled_from(["@dataclass", "@final"]), max_size=1))]
    lines.append(f"class {draw(NAMES)}:")
    members = draw(st.lists(st.one_of(function("    "), st.just(["    attr = 3"])), max_size=4))
    if not members or draw(st.booleans()):  # a method right after the header, or a docstring
        lines.append('    """A class."""')
    for member in members:
        lines.extend(member)
        if draw(st.booleans()):
            lines.append("")
    if not members:
        lines.append("    pass")
    return lines


@st.composite
def fallback(draw: st.DrawFn) -> list[str]:
    """The same class defined in ``try`` and in ``except`` (an import fallback)."""
    lines = ["try:"]
    lines.extend("    " + ln if ln else "" for ln in draw(klass()))
    lines.append("except ImportError:")
    lines.extend("    " + ln if ln else "" for ln in draw(klass()))
    return lines


TOP_LEVEL = st.one_of(
    function(),
    klass(),
    fallback(),
    st.sampled_from(
        [["import os"], ["X = 1", "Y = 2"], ["# a comment"], [""], ["if X:", "    Y = 3"]]
    ),
)
SOURCE = st.lists(TOP_LEVEL, min_size=1, max_size=12).map(
    lambda items: "\n".join(line for item in items for line in [*item, ""]) + "\n"
)
CONFIG = st.builds(ChunkConfig, max_lines=st.integers(4, 40), merge_below_lines=st.integers(1, 15))


def _top_level(text: str) -> list[tuple[int, int, bool]]:
    """(first line, last line, is a class with methods) of each top-level definition."""
    out = []
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            methods = isinstance(node, ast.ClassDef) and any(
                isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) for n in node.body
            )
            assert node.end_lineno is not None
            out.append((first, node.end_lineno, methods))
    return out


def _inside(c: Chunk, first: int, last: int) -> bool:
    return first <= c.start_line and c.end_line <= last


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SOURCE, CONFIG)
def test_generated_python_is_chunked_soundly(text: str, config: ChunkConfig) -> None:
    compile(text, "gen.py", "exec")  # the generator makes valid Python
    parsed = parse_source("gen.py", text.encode(), "python")
    chunks = chunk_file("gen.py", "python", text, parsed, config)
    lines = text.splitlines()
    where = [(c.kind, c.symbol, c.start_line, c.end_line) for c in chunks]

    assert len({c.id for c in chunks}) == len(chunks), where
    assert len({(c.start_line, c.end_line, c.symbol) for c in chunks}) == len(chunks), where
    assert all(1 <= c.start_line <= c.end_line <= len(lines) for c in chunks), where
    covered = {n for c in chunks for n in range(c.start_line, c.end_line + 1)}
    assert all(n in covered for n, line in enumerate(lines, 1) if line.strip()), where

    for a in chunks:
        for b in chunks:
            if a is b or b.end_line < a.start_line or a.end_line < b.start_line:
                continue
            if _inside(b, a.start_line, a.end_line) and (a.start_line, a.end_line) != (
                b.start_line,
                b.end_line,
            ):
                assert a.kind in CONTAINER_KINDS and "," not in a.symbol, (a, b, where)
            elif not _inside(a, b.start_line, b.end_line):
                raise AssertionError(f"chunks overlap without nesting: {a} / {b}; {where}")

    for first, last, has_methods in _top_level(text):
        for c in chunks:
            if c.end_line < first or last < c.start_line or _inside(c, first, last):
                continue
            # the chunk reaches past the definition: it must hold all of it
            assert c.start_line <= first and last <= c.end_line, (first, last, c, where)
            assert not has_methods, ("a chunk holds a class with methods", first, last, c, where)
