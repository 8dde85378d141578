"""Parsed files → graph edges: one per import and one per reference, resolved where unambiguous.

``resolve`` is a pure function of the parsed files (no file system): module paths map to
repository files through ``modpaths.ModuleIndex``; every other rule reads symbols, imports
and references. ``dst_path``/``dst_symbol`` stay empty unless the rules below find exactly one
definition; a target inside a repo module that defines no such name keeps its ``dst_path``
with an empty ``dst_symbol``.

Import edges: ``target_name`` = the module as written, ``qualifier`` = the imported name
(``""`` for a whole module, ``"*"`` for a wildcard), ``dst_path`` = the repo file of the module
(a package folder — Go, a Java wildcard — is represented by one of its files, see
``ModuleIndex.representative``), ``dst_symbol`` = the imported definition when found (through
re-exports, up to ``MAX_FOLLOW`` hops).

Reference edges (call, inherit, reference), in order:

1. Qualifier ``self``/``this``/``cls``/``Self`` or a Go receiver → a member of the enclosing
   class (or receiver type; Go: any file of the package), then of its resolved bases, then —
   since such a call can only name a method — the only method of that name in the repo.
   ``super``/``super()`` → the bases only.
2. No qualifier → the innermost enclosing scope that defines the name (class bodies count
   only in Java, where members are in scope), then a name bound by an import of the file,
   then wildcard imports (the last one first), then (Go, Java) the only top-level definition in the package
   folder, then (Java calls) an inherited method as in 1. A bare name is never matched
   against the whole repo: in these languages such a name is a builtin or a global.
3. A dotted / ``::`` qualifier whose head is a class (or module) defined in the file →
   ``Head.rest.name`` there; a head bound by an import → the module's file and the symbol
   path (``pkg.sub.func``: the longest module prefix wins); Rust ``crate``/``self``/``super``
   paths → the module file. Any other receiver expression stays unresolved.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping

from specpilot.indexer.graph.edge_deps import FileReads, Reads, Tracked
from specpilot.indexer.graph.file_tables import Tables, Target, eager_tables
from specpilot.indexer.parse.extract import CLASS_LIKE
from specpilot.indexer.parse.languages import get_spec
from specpilot.indexer.types import Edge, ParsedFile, Reference, Symbol

MAX_FOLLOW = 4  # re-export / inheritance hops
_MEMBERS_IN_SCOPE = frozenset({"java"})
_PACKAGE_SCOPE = frozenset({"go", "java"})
_SUPER = frozenset({"super", "super()"})
_PATH = re.compile(r"^[A-Za-z_$][\w$]*(?:(?:\.|::)[A-Za-z_$][\w$]*)*$")
_GO_RECEIVER = re.compile(r"^func\s*\(\s*(\w+)")

_NONE: Target = ("", "")
Files = Mapping[str, ParsedFile] | Iterable[ParsedFile]


def resolve(files: Files | Tables, only: set[str] | None = None) -> list[Edge]:
    """The edges of a repository's parsed files, in path then source order.

    With ``only``, just the edges *from* those files (resolved against all of ``files``).
    """
    return resolve_tracked(files, only)[0]


def resolve_tracked(
    files: Files | Tables, only: set[str] | None = None
) -> tuple[list[Edge], dict[str, FileReads]]:
    """``resolve``, plus what each resolved file's resolution read (``indexer.graph.edge_deps``).

    ``files`` may be the lookup tables themselves (``indexer.graph.stored_tables``, which decodes
    an index's parses as lookups reach them)."""
    if not isinstance(files, Tables):
        files = eager_tables(list(files.values() if isinstance(files, Mapping) else files))
    repo = _Repo(files)
    edges: list[Edge] = []
    reads: dict[str, FileReads] = {}
    for path in sorted(files.files if only is None else {p for p in only if p in files.files}):
        pf = files.files[path]
        reads[pf.path] = repo.reads.start()
        edges.extend(repo.import_edges(pf))
        edges.extend(repo.reference_edge(pf, ref) for ref in pf.references)
    return edges, reads


def definitions_fingerprint(pf: ParsedFile | None) -> str:
    """A hash of everything in ``pf`` that other files' edges can depend on.

    Symbols (names, kinds, parents, signatures — Go methods find their receiver there),
    imports (re-exports, bindings) and inheritance (bases for method lookup), without line
    numbers or bodies: when an edit leaves it unchanged, only the edited file's own edges
    can change, and the rest of the graph stays as it was.
    """
    if pf is None:
        return ""
    face = (
        pf.language,
        sorted((s.name, s.qualified_name, s.kind, s.parent or "", s.signature) for s in pf.symbols),
        sorted((i.module, i.name or "", i.alias or "") for i in pf.imports),
        sorted(
            (r.name, r.qualifier or "", r.enclosing or "")
            for r in pf.references
            if r.kind == "inherit"
        ),
    )
    return hashlib.sha1(repr(face).encode("utf-8", "surrogatepass")).hexdigest()


class _Repo:
    """Lookup tables over every parsed file; each lookup is recorded in ``reads``."""

    def __init__(self, tables: Tables) -> None:
        self.reads = Reads()
        self.modules = tables.modules
        note = self.reads.path
        self.files = Tracked(tables.files, note)
        self.symbols = Tracked(tables.symbols, note)
        self.bindings = Tracked(tables.bindings, note)
        self.stars = Tracked(tables.stars, note)
        self.methods = Tracked(tables.methods, self.reads.method)
        # (path, class) -> its resolved bases and the reads that resolved them
        self._bases: dict[tuple[str, str], tuple[list[Target], FileReads]] = {}
        self._inherits: dict[str, dict[str, list[Reference]]] = {}

    # -- edges ----------------------------------------------------------------------------

    def import_edges(self, pf: ParsedFile) -> Iterable[Edge]:
        for imp in pf.imports:
            chain = (imp.name,) if imp.name not in (None, "*", "default") else ()
            target = _NONE
            found = self.modules.resolve(pf.path, pf.language, imp.module, chain)
            if found is not None:
                paths, rest = found
                if rest:
                    target = self.find(paths, rest) or _single(paths)
                elif paths:
                    target = (self.modules.representative(paths), "")
            yield Edge(
                src_path=pf.path,
                src_symbol="",
                kind="import",
                target_name=imp.module,
                line=imp.line,
                qualifier=imp.name or "",
                dst_path=target[0],
                dst_symbol=target[1],
            )

    def reference_edge(self, pf: ParsedFile, ref: Reference) -> Edge:
        target = self.resolve_reference(pf, ref)
        return Edge(
            src_path=pf.path,
            src_symbol=ref.enclosing or "",
            kind=ref.kind,
            target_name=ref.name,
            line=ref.line,
            qualifier=ref.qualifier or "",
            dst_path=target[0],
            dst_symbol=target[1],
        )

    # -- references -----------------------------------------------------------------------

    def resolve_reference(self, pf: ParsedFile, ref: Reference) -> Target:
        if ref.qualifier is None:
            return self._bare(pf, ref)
        qualifier = ref.qualifier
        cls = self._class_of(pf, ref.enclosing)
        if qualifier in _SUPER:
            return (self._inherited(pf.path, cls, ref.name, 0) or _NONE) if cls else _NONE
        if not _PATH.match(qualifier):
            return _NONE
        segments = re.split(r"\.|::", qualifier)
        head = segments[0]
        if cls and len(segments) == 1 and head in self._self_names(pf, ref.enclosing):
            found = self._member(pf, cls, ref.name, allow_global=True)
            if found != _NONE or pf.language != "rust":
                return found
        local = self._local(pf, head, ref.enclosing, any_scope=True)
        if local is not None:
            qualified = ".".join([local, *segments[1:], ref.name])
            if qualified in self.symbols[pf.path]:
                return pf.path, qualified
            if len(segments) == 1 and self.symbols[pf.path][local].kind in CLASS_LIKE:
                return self._member(pf, local, ref.name, allow_global=False)
            return _NONE
        binding = self.bindings[pf.path].get(head)
        if binding is not None:
            chain = (*binding.chain, *segments[1:], ref.name)
            return self._through(pf, binding.module, chain)
        if pf.language == "rust" and head in ("crate", "self", "super"):
            return self._through(pf, "::".join(segments), (ref.name,))
        return _NONE

    def _bare(self, pf: ParsedFile, ref: Reference) -> Target:
        name = ref.name
        local = self._local(pf, name, ref.enclosing, any_scope=pf.language in _MEMBERS_IN_SCOPE)
        if local is not None:
            return pf.path, local
        binding = self.bindings[pf.path].get(name)
        if binding is not None:
            return self._through(pf, binding.module, binding.chain)
        for module in reversed(self.stars[pf.path]):  # a later wildcard shadows an earlier one
            found = self.modules.resolve(pf.path, pf.language, module, (name,))
            hit = self.find(*found) if found else None
            if hit:
                return hit
        if pf.language in _PACKAGE_SCOPE:
            siblings = [p for p in self.modules.package_files(pf.path) if p in self.symbols]
            hits = [p for p in siblings if _top(self.symbols[p].get(name))]
            if len(hits) == 1:
                return hits[0], name
        if pf.language == "java" and ref.kind == "call":
            cls = self._class_of(pf, ref.enclosing)
            if cls:
                return self._member(pf, cls, name, allow_global=True)
        return _NONE

    def _through(self, pf: ParsedFile, module: str, chain: tuple[str, ...]) -> Target:
        """A module (as written in ``pf``) and a symbol chain inside it → its definition."""
        found = self.modules.resolve(pf.path, pf.language, module, chain)
        if found is None:
            return _NONE
        paths, rest = found
        if not rest:
            return _single(paths)
        return self.find(paths, rest) or _single(paths)

    def find(self, paths: tuple[str, ...], chain: tuple[str, ...], depth: int = 0) -> Target | None:
        """The one definition of ``chain`` in ``paths``, following re-exports."""
        qualified = ".".join(chain)
        hits = [p for p in paths if qualified in self.symbols.get(p, {})]
        if hits:
            return (hits[0], qualified) if len(hits) == 1 else None
        if depth >= MAX_FOLLOW:
            return None
        for path in paths:
            binding = self.bindings.get(path, {}).get(chain[0])
            modules = (
                [(binding.module, (*binding.chain, *chain[1:]))]
                if binding
                else [(star, chain) for star in self.stars.get(path, ())]
            )
            for module, inner in modules:
                found = self.modules.resolve(path, self.files[path].language, module, inner)
                if found is not None and found[1]:
                    hit = self.find(found[0], found[1], depth + 1)
                    if hit:
                        return hit
        return None

    # -- scopes and classes ---------------------------------------------------------------

    def _local(
        self, pf: ParsedFile, name: str, enclosing: str | None, *, any_scope: bool
    ) -> str | None:
        table = self.symbols[pf.path]
        scope = enclosing
        while scope:
            symbol = table.get(scope)
            if any_scope or symbol is None or symbol.kind not in CLASS_LIKE:
                candidate = f"{scope}.{name}"
                if candidate in table:
                    return candidate
            scope = scope.rpartition(".")[0]
        return name if name in table else None

    def _class_of(self, pf: ParsedFile, enclosing: str | None) -> str | None:
        table = self.symbols[pf.path]
        scope = enclosing
        while scope:
            symbol = table.get(scope)
            if symbol is not None and symbol.kind == "method":
                return symbol.parent
            if symbol is not None and symbol.kind in CLASS_LIKE:
                return scope
            scope = scope.rpartition(".")[0]
        return None

    def _self_names(self, pf: ParsedFile, enclosing: str | None) -> frozenset[str]:
        names = get_spec(pf.language).self_names
        if pf.language == "go" and enclosing:
            method = self.symbols[pf.path].get(enclosing)
            receiver = _GO_RECEIVER.match(method.signature) if method else None
            if receiver:
                return names | {receiver.group(1)}
        return names

    def _member(self, pf: ParsedFile, cls: str, name: str, *, allow_global: bool) -> Target:
        qualified = f"{cls}.{name}"
        if qualified in self.symbols[pf.path]:
            return pf.path, qualified
        if pf.language in _PACKAGE_SCOPE:
            hits = [
                p
                for p in self.modules.package_files(pf.path)
                if qualified in self.symbols.get(p, {})
            ]
            if len(hits) == 1:
                return hits[0], qualified
        inherited = self._inherited(pf.path, cls, name, 0)
        if inherited:
            return inherited
        if allow_global and len(self.methods.get(name, ())) == 1:
            return self.methods[name][0]
        return _NONE

    def _inherited(self, path: str, cls: str, name: str, depth: int) -> Target | None:
        if depth >= MAX_FOLLOW:
            return None
        for base_path, base in self._bases_of(path, cls):
            qualified = f"{base}.{name}"
            if qualified in self.symbols.get(base_path, {}):
                return base_path, qualified
            found = self._inherited(base_path, base, name, depth + 1)
            if found:
                return found
        return None

    def _bases_of(self, path: str, cls: str) -> list[Target]:
        key = (path, cls)
        memo = self._bases.get(key)
        if memo is not None:
            self.reads.add(memo[1])  # whoever reuses the bases depends on what found them
            return memo[0]
        self._bases[key] = ([], FileReads())  # a cycle ends here
        self.reads.push()
        self.reads.path(path)
        pf = self.files[path]
        if path not in self._inherits:
            by_class: dict[str, list[Reference]] = defaultdict(list)
            for ref in pf.references:
                if ref.kind == "inherit" and ref.enclosing:
                    by_class[ref.enclosing].append(ref)
            self._inherits[path] = by_class
        targets = [self.resolve_reference(pf, ref) for ref in self._inherits[path][cls]]
        bases = [t for t in targets if t[0] and t[1]]
        self._bases[key] = (bases, self.reads.pop())
        return bases


def _top(symbol: Symbol | None) -> bool:
    return symbol is not None and symbol.parent is None and symbol.kind != "impl"


def _single(paths: tuple[str, ...]) -> Target:
    return (paths[0], "") if len(paths) == 1 else _NONE
