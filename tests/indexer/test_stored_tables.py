"""Lookup tables over an index decode only the parses a partial resolution reaches, and hold
what tables built from every parse hold."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import specpilot.indexer.graph.stored_tables as stored
from specpilot.indexer.build import index_repo
from specpilot.indexer.config import EmbedConfig, IndexerConfig
from specpilot.indexer.graph.file_tables import LazyMap, eager_tables
from specpilot.indexer.graph.resolve import resolve, resolve_tracked
from specpilot.indexer.graph.stored_tables import stored_tables
from specpilot.indexer.store.index_store import IndexStore
from specpilot.indexer.testing import RecordingEmbedder
from specpilot.indexer.types import ParsedFile

CFG = IndexerConfig(embed=EmbedConfig(model="hash"))
FIXTURE = Path(__file__).parent.parent / "fixtures" / "resolve"
EDITED = "py/src/app/core.py"
# files no resolution of EDITED reads: none of them may be decoded for a body edit there
UNRELATED = {f"other/m{i}.py": f"def helper_{i}(x):\n    return x + {i}\n" for i in range(20)}


@pytest.fixture
def indexed(make_repo, tmp_path: Path) -> tuple[Path, Path]:
    files = {
        p.relative_to(FIXTURE).as_posix(): p.read_bytes() for p in FIXTURE.rglob("*") if p.is_file()
    }
    repo = make_repo({**files, **UNRELATED})
    db = tmp_path / "db"
    index_repo(repo, db=str(db), config=CFG, embedder=RecordingEmbedder())
    return repo, db


def _edges(edges) -> set[tuple]:  # type: ignore[no-untyped-def]
    return {(e.src_path, e.src_symbol, e.kind, e.target_name, e.line, e.dst_path, e.dst_symbol)
            for e in edges}  # fmt: skip


def test_a_body_edit_decodes_only_the_parses_its_resolution_reads(
    indexed: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, db = indexed
    decoded: list[str] = []
    decode = stored.parsed_from_json

    def counting(text: str, *, inherits_only: bool = False) -> ParsedFile:
        pf = decode(text, inherits_only=inherits_only)
        decoded.append(pf.path)
        return pf

    monkeypatch.setattr(stored, "parsed_from_json", counting)
    (repo / EDITED).write_text((repo / EDITED).read_text() + "# a body edit\n")
    index_repo(repo, db=str(db), config=CFG, embedder=RecordingEmbedder())

    store = IndexStore.open(str(db))
    reads = next(r for r in store.edge_deps() or [] if r["path"] == EDITED)
    with_parse = {pf.path for pf in store.parsed_files()}
    assert reads["paths"]  # the edit's resolution does read other files
    assert sorted(decoded) == sorted({EDITED, *reads["paths"]} & with_parse)  # each once
    assert len(decoded) < len(with_parse) // 2
    stored_edges = {tuple(r[k] for k in ("src_path", "src_symbol", "kind", "target_name", "line",
                                         "dst_path", "dst_symbol"))
                    for r in store.table("edges").to_arrow().to_pylist()}  # fmt: skip
    assert stored_edges == _edges(resolve(store.parsed_files()))


def test_stored_tables_hold_what_eager_tables_hold(indexed: tuple[Path, Path]) -> None:
    store = IndexStore.open(str(db := indexed[1]))
    only = {EDITED, "go/server/server.go", "rust/src/lib.rs"}
    lazy = stored_tables(store, only)
    eager = eager_tables(store.parsed_files())
    assert set(lazy.files) == set(eager.files)
    for path in sorted(eager.files):
        pf = eager.files[path]
        inherits = tuple(r for r in pf.references if r.kind == "inherit")
        assert lazy.files[path] == (pf if path in only else replace(pf, references=inherits))
        assert lazy.symbols[path] == eager.symbols[path], path
        assert lazy.bindings[path] == eager.bindings[path], path
        assert lazy.stars[path] == eager.stars[path], path
    assert {n: sorted(t) for n, t in lazy.methods.items()} == {
        n: sorted(t) for n, t in eager.methods.items()
    }
    # every file resolved against them: the same edges and the same recorded reads
    everything = stored_tables(IndexStore.open(str(db)), set(eager.files))
    lazy_edges, lazy_reads = resolve_tracked(everything)
    eager_edges, eager_reads = resolve_tracked(store.parsed_files())
    assert lazy_edges == eager_edges
    assert lazy_reads == eager_reads


def test_lazy_map_builds_a_value_once_and_only_when_looked_up() -> None:
    built: list[str] = []
    table = LazyMap({"a", "b"}, lambda key: built.append(key) or key.upper())
    assert "a" in table and "z" not in table and len(table) == 2
    assert built == []  # asking whether a key exists builds nothing
    assert table["a"] == "A" and table.get("a") == "A" and table.get("z", "-") == "-"
    assert built == ["a"]
    with pytest.raises(KeyError):
        table["z"]
