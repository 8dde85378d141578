"""One writer per index: an advisory file lock beside a local index directory.

Two ``index_repo`` runs on the same index (a nightly flow and a CLI run, two terminals)
would interleave their batches; the second one waits for the first, then finds little or
nothing left to do. Remote URIs (``s3://``) are not locked here — the Prefect flow's
concurrency limit covers those.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from specpilot.indexer.errors import IndexerError


class IndexBusyError(IndexerError):
    pass


@contextmanager
def index_write_lock(uri: str, *, timeout_s: float = 600.0, poll_s: float = 0.2) -> Iterator[None]:
    """Hold the write lock of the index at ``uri`` (a no-op for remote URIs)."""
    if "://" in uri:
        yield
        return
    path = Path(uri).with_name(Path(uri).name + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as fh:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    fh.seek(0)
                    holder = fh.read().strip() or "another process"
                    raise IndexBusyError(
                        f"the index at {uri} is being written by {holder} for over "
                        f"{timeout_s:.0f} s; run again when it has finished."
                    ) from None
                time.sleep(poll_s)
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
