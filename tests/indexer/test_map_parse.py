"""index_repo's ``map_parse`` seam: parsing goes through the caller's map, in batches, and the
index is the same as with the default in-process map."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import specpilot.indexer.parse.prepare as prepare
from specpilot.indexer.build import ParseBatch, ParsedBatch, index_repo
from specpilot.indexer.config import EmbedConfig, IndexerConfig
from specpilot.indexer.store.index_store import IndexStore

CFG = IndexerConfig(embed=EmbedConfig(model="hash"))


def _rows(db: str) -> list[tuple[str, str]]:
    tbl = IndexStore.open(db).table("chunks").to_arrow().select(["id", "content_hash"])
    return sorted(zip(tbl["id"].to_pylist(), tbl["content_hash"].to_pylist(), strict=True))


def test_map_parse_gets_every_batch_and_builds_the_same_index(
    make_repo: Callable[..., Path], tmp_path: Path, monkeypatch
) -> None:
    files = {f"pkg/mod{i}.py": f"def f{i}(x):\n    return x + {i}\n" for i in range(7)}
    repo = make_repo({**files, "README.md": "# pkg\n"})
    monkeypatch.setattr(prepare, "PARSE_BATCH_FILES", 3)
    seen: list[list[str]] = []

    def recording_map(fn: ParseBatch, batches: Sequence[Sequence[str]]) -> Iterable[ParsedBatch]:
        seen.extend(list(b) for b in batches)
        return [fn(b) for b in batches]

    a = index_repo(repo, db=str(tmp_path / "a"), config=CFG, map_parse=recording_map)
    b = index_repo(repo, db=str(tmp_path / "b"), config=CFG)
    assert [len(batch) for batch in seen] == [3, 3, 2]
    assert sorted(p for batch in seen for p in batch) == sorted([*files, "README.md"])
    assert (a.files, a.chunks, a.symbols) == (b.files, b.chunks, b.symbols)
    assert _rows(str(tmp_path / "a")) == _rows(str(tmp_path / "b"))
