"""Data types the indexer produces (in-process, frozen).

Line numbers are 1-based and inclusive everywhere. Paths are repo-relative POSIX paths.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Symbol kinds shared by every language (downstream code never looks at the language).
SYMBOL_KINDS: frozenset[str] = frozenset(
    {
        "function",  # free function (Go func, Rust fn, JS function / arrow bound to a name)
        "method",  # function whose parent is a class/struct/interface/trait/impl
        "class",
        "struct",
        "interface",
        "trait",
        "enum",
        "type",  # type alias / Go named type that is not a struct or interface
        "impl",  # Rust impl block (qualified name = the implemented type)
        "module",  # Rust `mod`, TS `namespace`
        "constant",  # module-level constant / variable bound at top level
    }
)

# Edge kinds in the def/ref graph.
EDGE_KINDS: frozenset[str] = frozenset({"call", "reference", "inherit", "import"})


@dataclass(frozen=True, slots=True)
class Symbol:
    """A definition found in a file."""

    name: str  # short name: "get"
    qualified_name: str  # within the file: "Session.get" (parents joined with ".")
    kind: str  # one of SYMBOL_KINDS
    start_line: int
    end_line: int
    signature: str  # the declaration up to (not including) the body, whitespace-normalised
    docstring: str = ""  # docstring or the comment block right above the definition
    parent: str | None = None  # qualified name of the enclosing symbol
    body_start_line: int | None = None  # first line of the body block (None if no body)


@dataclass(frozen=True, slots=True)
class Import:
    """An import statement, one record per imported name."""

    module: str  # as written: "os.path", ".utils", "./utils", "github.com/x/y", "crate::a::b"
    name: str | None  # imported name (`from m import name`), None when the module itself
    alias: str | None  # the local binding, when it differs from name/module
    line: int


@dataclass(frozen=True, slots=True)
class Reference:
    """A use of a name: a call site, an inheritance, or another reference."""

    name: str  # the identifier used (last segment): "get" for `requests.get(...)`
    kind: str  # "call" | "inherit" | "reference"
    line: int
    qualifier: str | None = None  # the receiver/module text before the name: "requests", "self"
    enclosing: str | None = None  # qualified name of the enclosing symbol, None at module level


@dataclass(frozen=True, slots=True)
class ParsedFile:
    path: str
    language: str
    symbols: tuple[Symbol, ...] = ()
    imports: tuple[Import, ...] = ()
    references: tuple[Reference, ...] = ()
    error_nodes: int = 0  # ERROR / MISSING nodes tree-sitter recovered from (0 = clean parse)


@dataclass(frozen=True, slots=True)
class Edge:
    """A resolved (or unresolved) graph edge, as stored in the `edges` table."""

    src_path: str
    src_symbol: str  # enclosing qualified name, "" for module level
    kind: str  # one of EDGE_KINDS
    target_name: str  # name as used (import: the module as written)
    line: int
    qualifier: str = ""
    dst_path: str = ""  # resolved definition file, "" when unresolved/ambiguous/external
    dst_symbol: str = ""  # resolved qualified name, "" when unresolved or a whole module


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file the walker selected for indexing."""

    path: str  # repo-relative POSIX
    abs_path: str
    size: int
    language: str  # from indexer.source.filetypes.language_for


@dataclass(frozen=True, slots=True)
class WalkResult:
    files: tuple[SourceFile, ...]
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count
    skipped_paths: dict[str, tuple[str, ...]] = field(default_factory=dict)  # reason -> examples
    git: bool = False  # True when the file list came from git
