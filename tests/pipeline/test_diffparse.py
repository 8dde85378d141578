"""Tests for pipeline.diffparse: real ``git diff`` output parsed into a Patch."""

from __future__ import annotations

from pathlib import Path

import pytest

from specpilot.pipeline.core.diffparse import Patch, diff_stat, parse_diff
from specpilot.pipeline.core.errors import DiffError
from tests.pipeline.policy_fixtures import git, init_repo, make_diff


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return init_repo(tmp_path / "repo")


def test_modified_file_counts_and_numbers_lines(repo: Path) -> None:
    text = make_diff(repo, {"src/app.py": "def add(a, b):\n    return b + a\n\n\nX = 1\n"})
    patch = parse_diff(text)
    (f,) = patch.files
    assert (f.path, f.old_path, f.status) == ("src/app.py", "src/app.py", "modified")
    assert (f.added, f.removed) == (4, 1)
    assert [(d.number, d.text, d.anchor) for d in f.added_lines] == [
        (2, "    return b + a", 3),
        (3, "", 3),
        (4, "", 3),
        (5, "X = 1", 3),
    ]
    assert [(d.number, d.text) for d in f.removed_lines] == [(2, "    return a + b")]
    assert f.hunks[0].old_start == 1


def test_added_deleted_renamed_and_binary(repo: Path) -> None:
    text = make_diff(
        repo,
        {
            "docs/new.md": "new\n",
            "README.md": None,
            "src/auth/login.py": None,
            "src/auth/session.py": "def login(user):\n    return user is not None\n",
            "docs/logo.png": b"\x89PNG\r\n\x1a\n\x00\x01\x02",
        },
    )
    by_path = {f.path: f for f in parse_diff(text).files}
    assert by_path["docs/new.md"].status == "added"
    assert by_path["docs/new.md"].old_path is None
    assert by_path["README.md"].status == "deleted"
    assert by_path["README.md"].removed == 3
    renamed = by_path["src/auth/session.py"]
    assert (renamed.status, renamed.old_path) == ("renamed", "src/auth/login.py")
    assert renamed.paths == ("src/auth/login.py", "src/auth/session.py")
    assert by_path["docs/logo.png"].binary
    assert by_path["docs/logo.png"].status == "added"


def test_binary_without_data_and_mode_change(repo: Path) -> None:
    text = make_diff(repo, {"docs/logo.png": b"\x00\x01binary"}, binary=False)
    (f,) = parse_diff(text).files
    assert f.binary and f.path == "docs/logo.png"
    mode = (
        "diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\n"
        "diff --git a/x y.txt b/x y.txt\nindex 1..2 100644\n--- a/x y.txt\n+++ b/x y.txt\n"
        "@@ -1 +1 @@\n-a\n+b\n"
    )
    first, second = parse_diff(mode).files
    assert (first.path, first.status, first.new_mode) == ("run.sh", "modified", "100755")
    assert second.path == "x y.txt"


def test_quoted_unicode_path_and_removed_line_starting_with_dashes(repo: Path) -> None:
    text = make_diff(repo, {"docs/café.md": "-- not a header\n--- still not\n"})
    text += make_diff(repo, {"docs/usage.md": "--- a\n+++ b\n"})
    files = parse_diff(text).files
    assert files[0].path == "docs/café.md"
    assert [d.text for d in files[0].added_lines] == ["-- not a header", "--- still not"]
    assert files[1].path == "docs/usage.md"
    assert (files[1].added, files[1].removed) == (2, 3)


def test_no_newline_marker_and_plain_unified_diff() -> None:
    text = (
        "--- a/f.txt\t2024-01-01\n+++ b/f.txt\t2024-01-02\n@@ -1,2 +1,2 @@\n a\n-b\n"
        "\\ No newline at end of file\n+c\n\\ No newline at end of file\n"
        "--- /dev/null\n+++ b/g.txt\n@@ -0,0 +1 @@\n+new\n"
    )
    f, g = parse_diff(text).files
    assert (f.path, f.added, f.removed) == ("f.txt", 1, 1)
    assert (g.path, g.status, g.added) == ("g.txt", "added", 1)


def test_empty_diff_and_errors() -> None:
    assert parse_diff("") == Patch()
    with pytest.raises(DiffError, match="not a unified diff"):
        parse_diff("hello\nworld\n")
    with pytest.raises(DiffError, match="ends early"):
        parse_diff("diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n")
    with pytest.raises(DiffError, match="Line 5"):
        parse_diff("diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n?x\n")


def test_patch_round_trips_json_and_stat(repo: Path) -> None:
    patch = parse_diff(make_diff(repo, {"docs/usage.md": "# Usage\n\nRun it twice.\n"}))
    assert Patch.model_validate_json(patch.model_dump_json()) == patch
    assert patch.model_dump(mode="json")["schema_version"] == 1
    stat = diff_stat(patch)
    assert "docs/usage.md | 2 +1 -1 (modified)" in stat
    assert "1 file(s) changed, 1 insertion(s), 1 deletion(s)" in stat


def test_modes_before_and_after_including_the_index_line(repo: Path) -> None:
    (repo / "src/app.py").chmod(0o755)
    git(repo, "commit", "-qam", "exec")
    (f,) = parse_diff(make_diff(repo, {"src/app.py": "X = 2\n"})).files
    assert (f.old_mode, f.new_mode, f.index_mode) == (None, None, "100755")
    assert (f.mode_before, f.mode_after) == ("100755", "100755")
    (new,) = parse_diff(make_diff(repo, {"docs/new.md": "x\n"})).files
    assert (new.mode_before, new.mode_after) == (None, "100644")
    (gone,) = parse_diff(make_diff(repo, {"docs/usage.md": None})).files
    assert (gone.mode_before, gone.mode_after) == ("100644", None)
