"""Parsing cases one language gets wrong easily: capture order, Rust use trees, JavaScript
require and re-exports, Go generic receivers, Python docstring forms, comments inside a
signature (the golden fixtures per language are in test_parse.py).
"""

from __future__ import annotations

from specpilot.indexer.parse import treesitter
from specpilot.indexer.parse.extract import parse_source
from specpilot.indexer.types import Import


def test_captures_are_sorted_and_errors_counted() -> None:
    tree = treesitter.parse_tree("python", b"def b():\n    a()\n\ndef a():\n    b()\n")
    found = treesitter.captures(treesitter.load_query("python", "tags"), tree.root_node)
    starts = [node.start_byte for _, node in found]
    assert starts == sorted(starts)
    assert treesitter.count_errors(tree.root_node) == 0
    broken = treesitter.parse_tree("python", b"def f(:\n  pass\n")
    assert treesitter.count_errors(broken.root_node) > 0


def test_rust_use_trees_expand_to_one_import_per_leaf() -> None:
    source = b"use a::b::{self, c, d as e, f::{g, h::*}};\nuse ::std::io;\npub mod m;\n"
    imports = parse_source("lib.rs", source, "rust").imports
    assert imports == (
        Import("a", "b", None, 1),
        Import("a::b", "c", None, 1),
        Import("a::b", "d", "e", 1),
        Import("a::b::f", "g", None, 1),
        Import("a::b::f::h", "*", None, 1),
        Import("std", "io", None, 2),
        Import("self::m", None, None, 3),
    )


def test_javascript_require_and_reexports() -> None:
    source = (
        b"const { a, b: c } = require('./x');\nconst y = require('./y');\n"
        b"export { z } from './z';\nexport * from './w';\nimport './side';\n"
    )
    imports = parse_source("m.js", source, "javascript")
    got = [(i.module, i.name, i.alias) for i in imports.imports]
    assert got == [
        ("./x", "a", None),
        ("./x", "b", "c"),
        ("./y", None, "y"),
        ("./z", "z", None),
        ("./w", "*", None),
        ("./side", None, None),
    ]
    assert [s.name for s in imports.symbols] == []  # require bindings are not constants


def test_go_generic_receivers_and_grouped_specs() -> None:
    source = (
        b"package p\n\ntype List[T any] struct{ items []T }\n\n"
        b"func (l *List[T]) Push(v T) {}\n\nvar (\n\tA = 1\n\tb int\n)\n\n"
        b"// Z is documented.\nvar Z = 2\n"
    )
    symbols = {s.qualified_name: s for s in parse_source("l.go", source, "go").symbols}
    assert symbols["List.Push"].kind == "method" and symbols["List.Push"].parent == "List"
    assert {"A", "b", "Z"} <= set(symbols)
    assert symbols["Z"].docstring == "Z is documented." and symbols["Z"].signature == "var Z = 2"


def test_python_docstring_forms_and_nesting() -> None:
    source = (
        b"def outer():\n    class Local:\n        r'''Raw doc.'''\n"
        b"        async def m(self): ...\n    return Local\n\n"
        b"class Meta(type):\n    'single quoted'\n"
    )
    symbols = {s.qualified_name: s for s in parse_source("k.py", source, "python").symbols}
    assert symbols["outer.Local"].docstring == "Raw doc."
    assert (symbols["outer.Local"].kind, symbols["outer.Local.m"].kind) == ("class", "method")
    assert symbols["Meta"].docstring == "single quoted"


def test_a_signature_leaves_out_the_comments_inside_its_header() -> None:
    """Seen on a real repository: ``def unsign(# pyright: ignore self, ...``."""
    from specpilot.indexer.parse.extract import parse_source

    src = (
        b"class Signer:\n"
        b"    def unsign(  # pyright: ignore\n"
        b"        self,\n"
        b"        value,  # the signed value\n"
        b"        max_age=None,\n"
        b"    ):\n"
        b"        return value\n"
    )
    (method,) = [s for s in parse_source("a.py", src, "python").symbols if s.name == "unsign"]
    assert "#" not in method.signature and "pyright" not in method.signature
    assert method.signature.startswith("def unsign(self, value, max_age=None")
    js = b"function f(a /* first */, b // second\n) { return a }\n"
    (fn,) = parse_source("a.js", js, "javascript").symbols
    assert "first" not in fn.signature and "second" not in fn.signature
