"""A spec run refreshes the index first, so retrieval sees the code as it is now."""

from __future__ import annotations

from pathlib import Path

from flows.settings import load_settings
from flows.spec_run import ensure_index


def test_first_run_indexes_later_runs_refresh_incrementally(make_repo, tmp_path: Path) -> None:
    repo = make_repo({"calc/ops.py": "def add(a, b):\n    return a + b\n"}, git=True)
    settings = load_settings(repo, ["index.embed.model='hash'"])
    db = str(tmp_path / "db")
    first = ensure_index(repo, db, settings)
    assert first.added == 1
    again = ensure_index(repo, db, settings)
    assert (again.added, again.changed, again.chunks_embedded) == (0, 0, 0)
    (repo / "calc/ops.py").write_text(
        "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n"
    )
    stale = ensure_index(repo, db, settings)
    assert stale.changed == 1 and stale.chunks_embedded >= 1
