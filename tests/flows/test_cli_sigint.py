"""A real SIGINT, from outside, to a real ``specpilot index`` process: whenever it lands —
while parsing, or while the vectors are embedded and written batch by batch — the process
exits 130 with one line saying what was kept (no traceback), the index it leaves is
consistent (the meta record's count of missing vectors is the table's), and the next run
completes it: every chunk once, every vector filled in, only the missing ones embedded.

The in-process tests (tests/indexer/test_build_resume.py) raise KeyboardInterrupt at chosen
points; this one lets the operating system choose, as a user's Ctrl-C does.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from specpilot.indexer.store.index_store import IndexStore
from specpilot.indexer.store.schema import IndexMeta
from tests.cli_checks import HASH
from tests.signals import sigint_held

FILES, FUNCS = 300, 10  # 3,000 chunks: the vector fill is ~12 batches of 256


def _repo(make_repo) -> Path:  # type: ignore[no-untyped-def]
    body = "".join(f"    x = x * {{i}} + {{j}} - {k}\n" for k in range(30))
    files = {
        f"pkg/m{i}.py": "".join(
            f"def f{i}_{j}(x):\n" + body.format(i=i, j=j) + "    return x\n\n\n"
            for j in range(FUNCS)
        )
        for i in range(FILES)
    }
    return make_repo(files)


def _start(repo: Path, db: Path, home: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "specpilot", "index", str(repo), "--db", str(db), *HASH],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "SPECPILOT_HOME": str(home)},
    )


def _meta(db: Path) -> IndexMeta | None:
    try:
        return IndexStore.open(str(db)).meta
    except Exception:  # not created yet, or mid-write: keep polling
        return None


def _embedding(db: Path) -> bool:
    """The lexical index is committed and some, not all, vectors are written."""
    meta = _meta(db)
    return meta is not None and 0 < meta.vectors_missing < FILES * FUNCS


def _interrupt(
    proc: subprocess.Popen[str], when: Callable[[], bool], signum: int = signal.SIGINT
) -> tuple[int, str]:
    deadline = time.monotonic() + 120
    while not when():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            _, err = proc.communicate()
            pytest.fail(f"the run ended (or hung) before the moment to interrupt: {err[-2000:]}")
        time.sleep(0.02)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err


def _finish(repo: Path, db: Path, home: Path) -> dict:  # type: ignore[type-arg]
    done = subprocess.run(
        [sys.executable, "-m", "specpilot", "index", str(repo), "--db", str(db), *HASH, "--json"],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "SPECPILOT_HOME": str(home)},
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-3000:]
    return json.loads(done.stdout)


def _assert_complete(db: Path) -> None:
    store = IndexStore.open(str(db))
    assert store.meta.state == "complete"
    assert store.meta.vectors_missing == store.vectors_missing() == 0
    ids = store.table("chunks").to_arrow().column("id").to_pylist()
    assert len(ids) == len(set(ids)) == FILES * FUNCS


@pytest.mark.timeout(420)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_sigint_while_vectors_are_written_stops_cleanly_and_the_next_run_completes(
    make_repo, tmp_path: Path, signum: int
) -> None:
    """SIGTERM: the nightly index stopped by its scheduler; the same stop, exit code 143."""
    repo, db, home = _repo(make_repo), tmp_path / "db", tmp_path / "home"
    proc = _start(repo, db, home)
    code, err = _interrupt(proc, lambda: _embedding(db), signum)
    assert "Traceback" not in err, err[-3000:]
    lines = err.strip().splitlines()
    assert code == 128 + signum and len(lines) == 1, (code, err[-3000:])
    assert "interrupted while embedding" in lines[0] and "searchable" in lines[0], lines[0]
    store = IndexStore.open(str(db))
    missing = store.meta.vectors_missing
    assert missing == store.vectors_missing() and 0 < missing < FILES * FUNCS
    summary = _finish(repo, db, home)
    assert summary["unchanged"] == FILES and summary["chunks_embedded"] == missing
    _assert_complete(db)


def _unfinished(db: Path) -> bool:
    """Files are being parsed or written: the meta record says the run is in progress."""
    meta = _meta(db)
    return meta is not None and meta.state == "in_progress"


# "importing": while the command line loads its commands (SIGINT held, seen in
# /proc/PID/status); "starting": 0.6 s in, which lands while the indexer is imported, the
# settings read or the repository walked (earlier on a loaded machine: the contract is the same
# wherever it lands); "writing": the meta record says the run is in progress.
STARTING = 0.6


@pytest.mark.timeout(420)
@pytest.mark.parametrize("moment", ["importing", "starting", "writing"])
def test_sigint_before_embedding_says_what_is_kept_and_the_next_run_completes(
    make_repo, tmp_path: Path, moment: str
) -> None:
    """While Python imports the command line or the indexer, while the repository is read or
    parsed (nothing written, or an unfinished index), or while the files are written (an
    unfinished index, which search warns about)."""
    repo, db, home = _repo(make_repo), tmp_path / "db", tmp_path / "home"
    proc = _start(repo, db, home)
    started = time.monotonic()
    when = {
        "importing": lambda: sigint_held(proc.pid),
        "starting": lambda: time.monotonic() - started > STARTING,
        "writing": lambda: _unfinished(db),
    }[moment]
    code, err = _interrupt(proc, when)
    assert "Traceback" not in err and "Exception ignored" not in err, err[-3000:]
    lines = err.strip().splitlines()
    assert code == 130 and len(lines) == 1, (code, err[-3000:])
    expected = {
        "importing": ("before `specpilot index` began; nothing was done",),
        "starting": ("began; nothing was done", "before anything was written", "while parsing"),
        "writing": ("while parsing or writing files",),
    }[moment]
    assert lines[0].startswith("error: interrupted"), lines[0]
    assert any(e in lines[0] for e in expected), lines[0]
    if "unfinished" in lines[0]:
        assert IndexStore.open(str(db)).meta.state == "in_progress"
    summary = _finish(repo, db, home)
    assert summary["files"] == FILES
    _assert_complete(db)
