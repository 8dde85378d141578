from __future__ import annotations

import itertools

import pytest

from specpilot.indexer.config import ChunkConfig
from specpilot.indexer.parse.chunking import chunk_file
from specpilot.indexer.parse.extract import parse_source
from specpilot.indexer.types import ParsedFile, Symbol

SRC = '''import os


class Session:
    """A session."""

    retries = 3

    def get(self, url):
        return self.request("GET", url)

    def post(self, url):
        return self.request("POST", url)

    def request(self, method, url):
{body}
        return method


def helper(x):
    return x + 1
'''


def _source(body_lines: int) -> str:
    body = "\n".join(f"        step_{i} = {i}" for i in range(body_lines))
    return SRC.format(body=body)


def _symbols(text: str) -> tuple[Symbol, ...]:
    lines = text.splitlines()

    def line_of(prefix: str) -> int:
        return next(i for i, ln in enumerate(lines, 1) if ln.strip().startswith(prefix))

    req = line_of("def request")
    req_end = line_of("return method")
    helper = line_of("def helper")
    return (
        Symbol(
            "Session",
            "Session",
            "class",
            line_of("class Session"),
            req_end,
            "class Session:",
            "A session.",
            None,
            line_of('"""A session'),
        ),
        Symbol(
            "get",
            "Session.get",
            "method",
            line_of("def get"),
            line_of("def get") + 1,
            "def get(self, url):",
            "",
            "Session",
            line_of("def get") + 1,
        ),
        Symbol(
            "post",
            "Session.post",
            "method",
            line_of("def post"),
            line_of("def post") + 1,
            "def post(self, url):",
            "",
            "Session",
            line_of("def post") + 1,
        ),
        Symbol(
            "request",
            "Session.request",
            "method",
            req,
            req_end,
            "def request(self, method, url):",
            "",
            "Session",
            req + 1,
        ),
        Symbol(
            "helper",
            "helper",
            "function",
            helper,
            helper + 1,
            "def helper(x):",
            "",
            None,
            helper + 1,
        ),
    )


def _chunks(body_lines: int, **cfg: int):
    text = _source(body_lines)
    parsed = ParsedFile("pkg/sessions.py", "python", _symbols(text))
    return text, chunk_file("pkg/sessions.py", "python", text, parsed, ChunkConfig(**cfg))


def test_class_header_elides_method_bodies_and_methods_are_chunks() -> None:
    _, chunks = _chunks(15)
    header = next(c for c in chunks if c.kind == "class")
    assert header.symbol == "Session"
    assert "retries = 3" in header.text
    assert "def get(self, url): ..." in header.text
    assert 'self.request("GET", url)' not in header.text
    symbols = [c.symbol for c in chunks]
    # the two small sibling methods are merged, the bigger one stands alone
    assert "Session.get, Session.post" in symbols
    assert "Session.request" in symbols
    assert "helper" in symbols


def test_module_code_gets_its_own_chunk_and_every_line_is_covered() -> None:
    text, chunks = _chunks(3)
    module = [c for c in chunks if c.kind == "module"]
    assert module and module[0].text.strip() == "import os"
    covered = {ln for c in chunks for ln in range(c.start_line, c.end_line + 1)}
    code_lines = {i for i, ln in enumerate(text.splitlines(), 1) if ln.strip()}
    assert code_lines <= covered


def test_long_function_is_split_with_signature_repeated() -> None:
    _, chunks = _chunks(80, max_lines=30)
    parts = [c for c in chunks if c.symbol == "Session.request"]
    assert len(parts) >= 3
    for part in parts[1:]:
        assert part.text.lstrip().startswith("def request(self, method, url):")
    assert all(p.end_line - p.start_line + 1 <= 30 for p in parts)
    # parts are contiguous and cover the whole function
    assert parts[-1].end_line == max(c.end_line for c in parts)
    for a, b in itertools.pairwise(parts):
        assert b.start_line == a.end_line + 1


def test_embed_text_carries_path_and_symbol_and_hash_ignores_path() -> None:
    text, chunks = _chunks(3)
    moved = chunk_file(
        "other/place.py",
        "python",
        text,
        ParsedFile("other/place.py", "python", _symbols(text)),
        ChunkConfig(),
    )
    a = next(c for c in chunks if c.symbol == "helper")
    b = next(c for c in moved if c.symbol == "helper")
    assert a.embed_text.startswith("pkg/sessions.py :: helper\n")
    assert a.content_hash == b.content_hash
    assert a.id != b.id


def test_text_files_are_cut_in_overlapping_windows() -> None:
    text = "\n".join(f"line {i}" for i in range(100))
    chunks = chunk_file(
        "README.md",
        "markdown",
        text,
        None,
        ChunkConfig(text_window_lines=40, text_window_overlap=5),
    )
    assert [(c.start_line, c.end_line) for c in chunks] == [(1, 40), (36, 75), (71, 100)]
    assert all(c.kind == "text" for c in chunks)


def test_empty_and_blank_files_have_no_chunks() -> None:
    assert chunk_file("a.md", "markdown", "", None, ChunkConfig()) == []
    assert chunk_file("a.md", "markdown", "\n\n  \n", None, ChunkConfig()) == []


# -- a parent named but not containing: one chunk per range, no chunk id twice ------------
# A chunk id hashes the path, the lines and the text, and a file's rows are merged on it
# (``IndexStore.replace_files``): an id twice in a file wrote duplicate rows and made the
# next re-index of the file fail ("Ambiguous merge inserts are prohibited").

_BODY = "\n".join(f"        let x{i} = {i};" for i in range(12))
_PY_BODY = "\n".join(f"            x{i} = {i}" for i in range(12))
NAME_CLASHES = {
    # methods name "Foo" as parent, and so do both the struct and the impl
    "lib.rs": (
        "rust",
        f"pub struct Foo {{\n    a: u32,\n}}\n\nimpl Foo {{\n"
        f"    pub fn get(&self) -> u32 {{\n{_BODY}\n        self.a\n    }}\n}}\n",
    ),
    # the method's parent is the receiver type, declared above it, not around it
    "server.go": (
        "go",
        "package x\n\ntype Server struct {\n    name string\n}\n\n"
        "func (s *Server) Get() string {\n"
        + "\n".join(f"    x{i} := {i}" for i in range(14))
        + "\n    return s.name\n}\n",
    ),
    # two classes with one qualified name (an import fallback)
    "compat.py": (
        "python",
        f"try:\n    class A:\n        def f(self):\n{_PY_BODY}\n"
        f"except ImportError:\n    class A:\n        def g(self):\n{_PY_BODY}\n",
    ),
}


@pytest.mark.parametrize("path", sorted(NAME_CLASHES))
def test_a_parent_named_but_not_containing_yields_each_range_once(path: str) -> None:
    language, text = NAME_CLASHES[path]
    parsed = parse_source(path, text.encode(), language)
    chunks = chunk_file(path, language, text, parsed, ChunkConfig())
    ids = [c.id for c in chunks]
    assert len(ids) == len(set(ids)), [(c.kind, c.symbol, c.start_line) for c in chunks]
    lines = text.splitlines()
    for c in chunks:  # a header holds its own lines only, never the code after its symbol
        own = lines[c.start_line - 1 : c.end_line]
        assert all(ln in own or ln.endswith(" ...") for ln in c.text.splitlines()), c


def test_400_nested_classes_are_chunked_without_recursion() -> None:
    depth = 400
    text = "".join("    " * i + f"class C{i}:\n" for i in range(depth)) + "    " * depth + "x = 1\n"
    parsed = parse_source("deep.py", text.encode(), "python")
    assert len(parsed.symbols) == depth
    chunks = chunk_file("deep.py", "python", text, parsed, ChunkConfig())
    assert {c.symbol.rsplit(".", 1)[-1] for c in chunks} >= {"C0", f"C{depth - 1}"}
    assert len({c.id for c in chunks}) == len(chunks)
