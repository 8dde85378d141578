"""The resolver's lookup tables over an index, decoding a stored parse on its first lookup.

An incremental run re-resolves the edges of a few files (``build._edges_to_redo``), and their
resolution reads a few dozen other files out of thousands (a body edit of sympy's
``core/basic.py``: 20 of 2,965). Decoding every stored parse first took 1.3 s of that run;
here the parses' JSON is read once (0.15 s for 93 MB) and a file is decoded when a lookup
first asks for its symbols, imports or inheritance. What every file contributes comes from
cheap columns: the module paths from ``files.path``/``language``, the method-name table from
the method rows of the ``symbols`` table — written from the same parse, in the same batch, as
``files.parsed`` (``IndexStore.replace_files``).

The tables hold what ``file_tables.eager_tables`` would build from ``IndexStore.parsed_files``,
so resolving against them gives the same edges and records the same reads.
"""

from __future__ import annotations

from collections.abc import Collection

from specpilot.indexer.graph.file_tables import (
    Binding,
    LazyMap,
    Tables,
    Target,
    import_bindings,
    symbol_table,
)
from specpilot.indexer.graph.modpaths import ModuleIndex
from specpilot.indexer.parse.codec import parsed_from_json
from specpilot.indexer.store.index_store import IndexStore
from specpilot.indexer.types import ParsedFile


def stored_tables(store: IndexStore, resolving: Collection[str]) -> Tables:
    """Tables over every stored parse, to resolve the edges of the files in ``resolving``
    (``resolve_tracked(tables, only=resolving)``): those keep all their references, the
    others only their inheritance, all another file's resolution reads of them."""
    data = store.read_columns("files", ["path", "language", "parsed"])
    texts: dict[str, str] = {}
    languages: dict[str, str] = {}
    for path, language, text in zip(
        data["path"].to_pylist(),
        data["language"].to_pylist(),
        data["parsed"].to_pylist(),
        strict=True,
    ):
        if text:
            texts[path], languages[path] = text, language

    def decode(path: str) -> ParsedFile:
        return parsed_from_json(texts[path], inherits_only=path not in resolving)

    files = LazyMap(texts, decode)
    imports = LazyMap(texts, lambda path: import_bindings(files[path]))
    return Tables(
        files=files,
        symbols=LazyMap(texts, lambda path: symbol_table(files[path])),
        bindings=LazyMap[dict[str, Binding]](texts, lambda path: imports[path][0]),
        stars=LazyMap[list[str]](texts, lambda path: imports[path][1]),
        methods=_methods(store, texts),
        modules=ModuleIndex(languages.items()),
    )


def _methods(store: IndexStore, parsed: Collection[str]) -> dict[str, list[Target]]:
    """Method name → (path, qualified name) of its definitions in the files with a parse."""
    rows = store.read_columns("symbols", ["path", "name", "qualified_name"], "kind = 'method'")
    methods: dict[str, list[Target]] = {}
    for path, name, qualified in zip(
        rows["path"].to_pylist(),
        rows["name"].to_pylist(),
        rows["qualified_name"].to_pylist(),
        strict=True,
    ):
        if path in parsed:
            methods.setdefault(name, []).append((path, qualified))
    return methods
