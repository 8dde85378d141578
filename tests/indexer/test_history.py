"""Co-change history: files that commits changed together, counted from git log."""

from __future__ import annotations

from pathlib import Path

import pytest

from specpilot.indexer.build import index_repo
from specpilot.indexer.config import EmbedConfig, HistoryConfig, IndexerConfig
from specpilot.indexer.errors import IndexConfigError
from specpilot.indexer.source.history import cochange_rows, commit_files
from specpilot.indexer.store.index_store import IndexStore
from specpilot.indexer.testing import RecordingEmbedder

CFG = IndexerConfig(embed=EmbedConfig(model="hash"))

FILES = {
    "pkg/api.py": "def get(url):\n    return url\n",
    "pkg/errors.py": "class ApiError(Exception):\n    pass\n",
    "pkg/util.py": "def clean(s):\n    return s.strip()\n",
    "README.md": "# pkg\n",
}


def _edit(root: Path, git, message: str, *paths: str) -> None:
    for p in paths:
        f = root / p
        f.write_text(f.read_text() + f"# {message}\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def _pairs(db: Path) -> dict[tuple[str, str], tuple[int, int]]:
    cols = IndexStore.open(str(db)).cochange()
    rows = zip(cols["path"], cols["partner"], cols["together"], cols["changes"], strict=True)
    return {(a, b): (t, c) for a, b, t, c in rows}


def test_counts_skip_big_commits_and_unindexed_files() -> None:
    commits = [
        ["pkg/api.py", "pkg/errors.py"],
        ["pkg/api.py", "pkg/errors.py", "gone.py"],
        ["pkg/api.py"],
        ["pkg/api.py", "pkg/errors.py", "pkg/util.py", "README.md"],  # over the limit of 3
    ]
    indexed = {"pkg/api.py", "pkg/errors.py", "pkg/util.py"}
    assert cochange_rows(commits, indexed, 3, min_together=3) == []
    rows = cochange_rows(commits, indexed, 3)
    assert rows == [
        {"path": "pkg/api.py", "partner": "pkg/errors.py", "together": 2, "changes": 3},
        {"path": "pkg/errors.py", "partner": "pkg/api.py", "together": 2, "changes": 2},
    ]


def test_index_run_counts_the_history_and_recounts_only_when_head_moves(
    make_repo, tmp_path: Path, git
) -> None:
    root = make_repo(FILES, git=True)
    for i in range(3):
        _edit(root, git, f"api change {i} raises ApiError", "pkg/api.py", "pkg/errors.py")
    _edit(root, git, "tidy util", "pkg/util.py")
    db = tmp_path / "db"
    s = index_repo(root, db=str(db), config=CFG, embedder=RecordingEmbedder())
    assert "history" in s.stage_seconds
    pairs = _pairs(db)
    # the initial commit (all four files) counts too: 4 together, api changed in 4 commits
    assert pairs[("pkg/api.py", "pkg/errors.py")] == (4, 4)
    assert ("pkg/util.py", "pkg/api.py") not in pairs  # changed together once: not kept

    again = index_repo(root, db=str(db), config=CFG, embedder=RecordingEmbedder())
    assert "history" not in again.stage_seconds  # HEAD did not move: nothing recounted

    _edit(root, git, "util and errors", "pkg/util.py", "pkg/errors.py")
    index_repo(root, db=str(db), config=CFG, embedder=RecordingEmbedder())
    assert _pairs(db)[("pkg/util.py", "pkg/errors.py")] == (2, 3)


def test_a_directory_without_git_has_no_history(make_repo, tmp_path: Path) -> None:
    root = make_repo(FILES)
    assert commit_files(root, 100) is None
    db = tmp_path / "db"
    index_repo(root, db=str(db), config=CFG, embedder=RecordingEmbedder())
    assert _pairs(db) == {}


def test_a_subdirectory_index_sees_paths_relative_to_itself(make_repo, tmp_path: Path, git) -> None:
    root = make_repo({f"app/{k}": v for k, v in FILES.items()} | {"other.py": "x = 1\n"}, git=True)
    _edit(root, git, "api and other", "app/pkg/api.py", "other.py")
    commits = commit_files(root / "app", 100)
    assert commits is not None and commits[0] == ["pkg/api.py"]


def test_non_ascii_paths_are_read_as_written(make_repo, git) -> None:
    root = make_repo({"pkg/caf\u00e9.py": "x = 1\n", "pkg/na\u00efve.py": "y = 2\n"}, git=True)
    commits = commit_files(root, 10)
    assert commits == [["pkg/caf\u00e9.py", "pkg/na\u00efve.py"]]


def test_history_config_is_checked() -> None:
    with pytest.raises(IndexConfigError, match=r"index\.history\.max_commits is -1"):
        HistoryConfig(max_commits=-1)
