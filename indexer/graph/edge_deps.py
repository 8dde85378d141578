"""Which files' edges an edit can change: the reads each file's resolution made.

``indexer.graph.resolve`` resolves a file's references by reading other files' symbol tables,
import bindings, wildcard imports and inheritance, and the repository-wide table of method
names. Those reads are recorded per resolved file (``Reads``), stored in the index's
``edge_deps`` table, and on the next run decide what to re-resolve: a file whose recorded
reads touch no file whose definitions changed (``definitions_fingerprint``) and no method name
that was added or removed resolves exactly as before, so its stored edges stand.

Recording is by observation — the resolver's lookup tables are ``Tracked`` maps — so a new
resolution rule that reads another file is covered without a list of rules to keep in step.
Memoised results (a class's resolved bases) carry the reads that produced them, and every
file that reuses one inherits those reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from specpilot.indexer.types import ParsedFile


@dataclass(slots=True)
class FileReads:
    """What resolving one file's edges looked at."""

    paths: set[str] = field(default_factory=set)
    methods: set[str] = field(default_factory=set)

    def update(self, other: FileReads) -> None:
        self.paths |= other.paths
        self.methods |= other.methods


class Reads:
    """The current file's reads; ``scope`` collects a memoised computation's own reads."""

    def __init__(self) -> None:
        self._stack: list[FileReads] = []

    def start(self) -> FileReads:
        self._stack = [FileReads()]
        return self._stack[0]

    def push(self) -> None:
        self._stack.append(FileReads())

    def pop(self) -> FileReads:
        done = self._stack.pop()
        if self._stack:
            self._stack[-1].update(done)
        return done

    def add(self, reads: FileReads) -> None:
        if self._stack:
            self._stack[-1].update(reads)

    def path(self, path: str) -> None:
        if self._stack:
            self._stack[-1].paths.add(path)

    def method(self, name: str) -> None:
        if self._stack:
            self._stack[-1].methods.add(name)


class Tracked(Mapping[str, Any]):
    """A lookup table (per file, or per method name) whose every lookup is recorded as a read
    of that key. Whether a key exists at all is not a read: only adding or deleting a file
    changes that, and those runs resolve every file."""

    __slots__ = ("_data", "_note")

    def __init__(self, data: Mapping[str, Any], note: Callable[[str], None]) -> None:
        self._data = data
        self._note = note

    def __getitem__(self, key: str) -> Any:
        self._note(key)
        return self._data[key]

    def get(self, key: str, default: Any = None) -> Any:
        self._note(key)
        return self._data.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def _methods(pf: ParsedFile | None) -> dict[str, list[str]]:
    """Method name -> its qualified names in the file (the resolver's global method table)."""
    table: dict[str, list[str]] = {}
    for s in pf.symbols if pf else ():
        if s.kind == "method":
            table.setdefault(s.name, []).append(s.qualified_name)
    return table


def affected(
    deps: Mapping[str, FileReads],
    changed_definitions: set[str],
    old: Mapping[str, ParsedFile | None],
    new: Mapping[str, ParsedFile | None],
) -> set[str]:
    """Files whose stored edges may be stale: they read a file in ``changed_definitions``
    or a method name whose definitions one of those files changed (``old``/``new``: their
    parses before and after)."""
    names: set[str] = set()
    for path in changed_definitions:
        before, after = _methods(old.get(path)), _methods(new.get(path))
        names |= {n for n in before.keys() | after.keys() if before.get(n) != after.get(n)}
    return {
        path
        for path, reads in deps.items()
        if reads.paths & changed_definitions or reads.methods & names
    }


def to_rows(deps: Mapping[str, FileReads]) -> list[dict[str, Any]]:
    return [
        {"path": p, "paths": sorted(r.paths - {p}), "methods": sorted(r.methods)}
        for p, r in sorted(deps.items())
    ]


def from_rows(rows: Iterable[Mapping[str, Any]]) -> dict[str, FileReads]:
    return {r["path"]: FileReads(set(r["paths"] or ()), set(r["methods"] or ())) for r in rows}
