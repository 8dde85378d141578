"""The nothing-changed check (``indexer.manifest``): it answers only when nothing changed.

Every way the repository, the config or the index can move on since the last finished run
must send the caller to the normal index (None), which then sees the change.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from specpilot.indexer import manifest
from specpilot.indexer.build import index_repo
from specpilot.indexer.config import ChunkConfig, EmbedConfig, IndexerConfig, WalkConfig
from specpilot.indexer.errors import IndexInterrupted
from specpilot.indexer.manifest import manifest_path, unchanged_index
from specpilot.indexer.store.index_store import IndexStore
from specpilot.indexer.testing import RecordingEmbedder

CFG = IndexerConfig(embed=EmbedConfig(model="hash"))
ID = "conventions=test"
FILES = {
    "pkg/__init__.py": "",
    "pkg/retry.py": "def backoff(n):\n    return 2 ** n\n",
    "pkg/client.py": "from pkg.retry import backoff\n\n\ndef get(url):\n    return backoff(1)\n",
    "README.md": "# pkg\n",
}
VOLATILE = ("seconds", "stage_seconds", "chunks_per_s")


@pytest.fixture
def no_racy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stats taken just after a write count as certain (a test cannot wait out a clock tick)."""
    monkeypatch.setattr(manifest, "RACY_NS", 0)


@pytest.fixture
def indexed(make_repo, tmp_path: Path, no_racy: None) -> tuple[Path, str]:
    return _indexed(make_repo, tmp_path)


def _indexed(make_repo, tmp_path: Path) -> tuple[Path, str]:  # type: ignore[no-untyped-def]
    repo = make_repo(FILES, git=True)
    db = str(tmp_path / "db")
    index_repo(repo, db=db, config=CFG, embedder=RecordingEmbedder(), manifest=ID)
    return repo, db


def _check(repo: Path, db: str, config: IndexerConfig = CFG, identity: str = ID):
    return unchanged_index(repo, db=db, config=config, identity=identity)


def _reindex(repo: Path, db: str):
    return index_repo(repo, db=db, config=CFG, embedder=RecordingEmbedder(), manifest=ID)


def _stable(d: dict) -> dict:
    return {k: v for k, v in d.items() if k not in VOLATILE}


def test_nothing_changed_gives_the_normal_no_op_summary(indexed) -> None:
    repo, db = indexed
    fast = _check(repo, db)
    assert fast is not None
    normal = _reindex(repo, db)  # the normal no-op run, which writes the manifest again
    assert normal.added == normal.changed == normal.deleted == 0
    assert _stable(fast.to_dict()) == _stable(normal.to_dict())
    assert fast.to_dict().keys() == normal.to_dict().keys()
    assert _check(repo, db) is not None


def test_no_manifest_without_an_identity(make_repo, tmp_path: Path) -> None:
    repo = make_repo(FILES, git=True)
    db = str(tmp_path / "db")
    index_repo(repo, db=db, config=CFG, embedder=RecordingEmbedder())
    assert not manifest_path(db).exists()
    assert _check(repo, db) is None


def test_an_edit_that_keeps_size_and_mtime_is_seen(indexed) -> None:
    repo, db = indexed
    target = repo / "pkg" / "retry.py"
    before = target.stat()
    target.write_text("def backoff(n):\n    return 3 ** n\n")  # same size
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert target.stat().st_size == before.st_size
    assert target.stat().st_mtime_ns == before.st_mtime_ns
    assert _check(repo, db) is None
    assert _reindex(repo, db).changed == 1


def test_a_racy_file_is_hashed_even_when_its_stat_is_equal(
    make_repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, db = _indexed(make_repo, tmp_path)
    target = repo / "pkg" / "retry.py"
    before = target.stat()
    monkeypatch.setattr(os, "stat", _frozen_stat(os.stat, str(target), before))
    target.write_text("def backoff(n):\n    return 3 ** n\n")
    # every timestamp looks unchanged (an edit in the same clock tick); the files were
    # written just before the index ran, so their entries are racy and get hashed
    assert _check(repo, db) is None


def _frozen_stat(real, path: str, frozen):  # type: ignore[no-untyped-def]
    def stat(p, *a, **kw):  # type: ignore[no-untyped-def]
        return frozen if os.fspath(p) == path else real(p, *a, **kw)

    return stat


def test_touch_without_a_change_still_answers(indexed) -> None:
    repo, db = indexed
    os.utime(repo / "pkg" / "retry.py")
    assert _check(repo, db) is not None


def test_added_deleted_and_ignored_files_are_seen(indexed, git) -> None:
    repo, db = indexed
    (repo / "pkg" / "new.py").write_text("X = 1\n")
    assert _check(repo, db) is None
    assert _reindex(repo, db).added == 1
    assert _check(repo, db) is not None
    (repo / "pkg" / "new.py").unlink()
    assert _check(repo, db) is None
    assert _reindex(repo, db).deleted == 1
    (repo / ".specpilotignore").write_text("README.md\n")
    assert _check(repo, db) is None


def test_config_identity_head_and_root_files_are_seen(indexed, git) -> None:
    repo, db = indexed
    assert (
        _check(repo, db, IndexerConfig(embed=EmbedConfig(model="hash", max_seq_length=64))) is None
    )
    assert _check(repo, db, IndexerConfig(embed=CFG.embed, chunk=ChunkConfig(max_lines=7))) is None
    walk = WalkConfig(skip_dirs=("docs",))
    assert _check(repo, db, IndexerConfig(embed=CFG.embed, walk=walk)) is None
    assert _check(repo, db, identity="conventions=other") is None
    assert _check(repo, db) is not None
    # a root config file the index does not hold (the conventions plug-in reads it from disk)
    (repo / ".editorconfig").write_text("[*]\nindent_size = 2\n")
    assert _check(repo, db) is None
    _reindex(repo, db)
    assert _check(repo, db) is not None
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "editorconfig")  # HEAD moves: history is recomputed
    assert _check(repo, db) is None


def test_an_interrupted_run_leaves_no_manifest(indexed) -> None:
    repo, db = indexed
    (repo / "pkg" / "more.py").write_text("".join(f"def f{i}():\n    pass\n\n" for i in range(50)))
    with pytest.raises(IndexInterrupted):
        index_repo(
            repo, db=db, config=CFG, manifest=ID,
            embedder=_Interrupting(),
        )  # fmt: skip
    assert not manifest_path(db).exists()
    assert _check(repo, db) is None
    meta = IndexStore.open(db).meta  # written and searchable; its vectors are not all there
    assert meta.state == "complete" and meta.vectors_missing > 0


class _Interrupting(RecordingEmbedder):
    def embed(self, texts, *, max_tokens=None):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt


def test_any_write_to_the_store_since_is_seen(indexed) -> None:
    repo, db = indexed
    store = IndexStore.open(db)
    store.write_meta(store.meta.with_(state="in_progress"))  # another process, part way
    assert _check(repo, db) is None
    summary = _reindex(repo, db)  # the normal run completes the index
    assert IndexStore.open(db).meta.state == "complete" and summary.files == 4
    assert _check(repo, db) is not None
    shutil.rmtree(db)
    assert _check(repo, db) is None


def test_a_damaged_manifest_is_doubt(indexed) -> None:
    repo, db = indexed
    manifest_path(db).write_text("{not json")
    assert _check(repo, db) is None
    manifest_path(db).write_text("[]")
    assert _check(repo, db) is None
    _reindex(repo, db)
    record = json.loads(manifest_path(db).read_text())
    record["counts"] = {"symbols": "many"}  # valid JSON, wrong shape
    manifest_path(db).write_text(json.dumps(record))
    assert _check(repo, db) is None
