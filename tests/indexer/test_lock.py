"""One writer per index: a second run waits for the first (or says who holds it)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from specpilot.indexer.build import index_repo
from specpilot.indexer.config import EmbedConfig, IndexerConfig
from specpilot.indexer.store.lock import IndexBusyError, index_write_lock


def test_a_held_lock_names_its_holder_and_is_free_after(tmp_path: Path) -> None:
    uri = str(tmp_path / "db")
    busy = pytest.raises(IndexBusyError, match=f"pid {os.getpid()}")
    with index_write_lock(uri), busy, index_write_lock(uri, timeout_s=0.2, poll_s=0.05):
        pass
    with index_write_lock(uri, timeout_s=0.2):
        pass
    with index_write_lock("s3://bucket/index"):  # remote: not locked here
        pass


def test_index_repo_waits_for_the_writer_before_it(make_repo, tmp_path: Path) -> None:
    repo = make_repo({"a.py": "def f():\n    return 1\n"})
    uri = str(tmp_path / "db")
    cfg = IndexerConfig(embed=EmbedConfig(model="hash"))
    finished: list[float] = []

    def second() -> None:
        index_repo(repo, db=uri, config=cfg)
        finished.append(time.monotonic())

    with index_write_lock(uri):
        worker = threading.Thread(target=second)
        worker.start()
        time.sleep(0.5)
        assert not finished  # still waiting for the lock
        released_at = time.monotonic()
    worker.join(timeout=30)
    assert finished and finished[0] >= released_at
