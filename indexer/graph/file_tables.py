"""The lookup tables ``indexer.graph.resolve`` reads: per file and across the repository.

Per file: its symbol table (qualified name → definition), its import bindings and its
wildcard imports, and the parse itself (language, inheritance). Across the repository: the
module paths (``ModuleIndex``) and the method-name table. ``eager_tables`` builds them all
from every parse — a full resolution reads nearly all of them. ``indexer.graph.stored_tables``
builds the same tables over an index, decoding a file's parse on the first lookup that
needs it, for an incremental run that re-resolves a few files out of thousands.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from specpilot.indexer.graph.modpaths import JS_FAMILY, ModuleIndex
from specpilot.indexer.types import ParsedFile, Symbol

_GO_VERSION = re.compile(r"^v\d+$")

Target = tuple[str, str]  # (dst_path, dst_symbol)
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Binding:
    module: str
    chain: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Tables:
    """What resolution can look up. ``files`` may hold only the inheritance references of a
    file whose own edges are not being resolved (all another file's resolution reads)."""

    files: Mapping[str, ParsedFile]
    symbols: Mapping[str, dict[str, Symbol]]
    bindings: Mapping[str, dict[str, Binding]]
    stars: Mapping[str, list[str]]
    # method name -> its definitions; the resolver only ever uses a name defined once, so
    # the order of a list does not matter
    methods: Mapping[str, list[Target]]
    modules: ModuleIndex


def eager_tables(files: list[ParsedFile]) -> Tables:
    """Every table, built from every parse."""
    methods: dict[str, list[Target]] = {}
    bindings: dict[str, dict[str, Binding]] = {}
    stars: dict[str, list[str]] = {}
    for pf in files:
        for symbol in pf.symbols:
            if symbol.kind == "method":
                methods.setdefault(symbol.name, []).append((pf.path, symbol.qualified_name))
        bindings[pf.path], stars[pf.path] = import_bindings(pf)
    return Tables(
        files={f.path: f for f in files},
        symbols={f.path: symbol_table(f) for f in files},
        bindings=bindings,
        stars=stars,
        methods=methods,
        modules=ModuleIndex((f.path, f.language) for f in files),
    )


def symbol_table(pf: ParsedFile) -> dict[str, Symbol]:
    """Qualified name → definition: the first one, except that a type beats a Rust ``impl``
    of the same name."""
    table: dict[str, Symbol] = {}
    for symbol in pf.symbols:
        known = table.get(symbol.qualified_name)
        if known is None or (known.kind == "impl" and symbol.kind != "impl"):
            table[symbol.qualified_name] = symbol
    return table


def import_bindings(pf: ParsedFile) -> tuple[dict[str, Binding], list[str]]:
    """Local name → (module, symbol chain) for the imports of a file; wildcard modules."""
    bindings: dict[str, Binding] = {}
    stars: list[str] = []
    language = pf.language
    for imp in pf.imports:
        if imp.name == "*" or (language == "go" and imp.alias == "."):
            stars.append(imp.module)
        elif imp.name is not None and imp.name != "default":
            bindings[imp.alias or imp.name] = Binding(imp.module, (imp.name,))
        elif imp.alias is not None:
            if imp.alias != "_":
                bindings[imp.alias] = Binding(imp.module, ())
        elif language == "python":
            head = imp.module.split(".")[0]
            bindings[head] = Binding(head, ())
        elif language == "go":
            parts = [p for p in imp.module.split("/") if not _GO_VERSION.match(p)]
            if parts:
                bindings[parts[-1].replace("-", "_")] = Binding(imp.module, ())
        elif language == "rust":
            bindings[imp.module.rsplit("::", 1)[-1]] = Binding(imp.module, ())
        elif language not in JS_FAMILY:
            bindings[imp.module.rsplit(".", 1)[-1]] = Binding(imp.module, ())
    return bindings, stars


class LazyMap(Mapping[str, V]):
    """A fixed set of keys whose values are built on their first lookup, then kept."""

    __slots__ = ("_build", "_done", "_keys")

    def __init__(self, keys: Collection[str], build: Callable[[str], V]) -> None:
        self._keys = keys
        self._build = build
        self._done: dict[str, V] = {}

    def __getitem__(self, key: str) -> V:
        try:
            return self._done[key]
        except KeyError:
            if key not in self._keys:
                raise
        value = self._done[key] = self._build(key)
        return value

    def get(self, key: str, default: Any = None) -> Any:
        """Without raising and catching a KeyError: the resolver asks often about files
        without a parse (``self.symbols.get(path, {})``)."""
        return self[key] if key in self._keys else default

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)
