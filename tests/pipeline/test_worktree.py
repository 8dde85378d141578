"""Branches and worktrees: the user's checkout is never touched."""

from __future__ import annotations

from pathlib import Path

import pytest
from run_helpers import git

from specpilot.pipeline.errors import WorktreeError
from specpilot.pipeline.worktree import (
    commit_paths,
    create_worktree,
    default_worktrees_root,
    diff_against_base,
    remove_worktree,
    repo_root,
    unique_branch,
    untracked_and_modified,
)


def test_branch_worktree_commit_and_cleanup(demo_repo: Path, tmp_path: Path) -> None:
    head = git(demo_repo, "rev-parse", "HEAD").strip()
    wt = create_worktree(demo_repo, path=tmp_path / "wt", base=None, branch="specpilot/x")
    assert wt.base_commit == head and wt.base_ref == "HEAD" and wt.branch == "specpilot/x"
    assert git(wt.path, "branch", "--show-current").strip() == "specpilot/x"

    (wt.path / "calc/ops.py").write_text("changed\n")
    (wt.path / "calc/new.py").write_text("new\n")
    (wt.path / "junk.tmp").write_text("not the agent's\n")
    assert untracked_and_modified(wt) == ["calc/new.py", "calc/ops.py", "junk.tmp"]
    diff = diff_against_base(wt, ["calc/ops.py", "calc/new.py"])
    assert "+changed" in diff and "new file mode" in diff and "junk.tmp" not in diff

    sha = commit_paths(
        wt, ["calc/ops.py", "calc/new.py"], "msg", author_name="bot", author_email="bot@x"
    )
    assert git(demo_repo, "log", "-1", "--format=%an <%ae> %s", sha).strip() == "bot <bot@x> msg"
    assert git(demo_repo, "show", "--name-only", "--format=", sha).split() == [
        "calc/new.py",
        "calc/ops.py",
    ]
    assert untracked_and_modified(wt) == ["junk.tmp"]  # only what the agent wrote is committed
    # the user's checkout did not move
    assert git(demo_repo, "rev-parse", "HEAD").strip() == head
    assert git(demo_repo, "status", "--porcelain") == ""

    remove_worktree(wt, delete_branch=True)
    assert not wt.path.exists()
    assert "specpilot/x" not in git(demo_repo, "branch")
    assert len(git(demo_repo, "worktree", "list").splitlines()) == 1


def test_detached_worktree_leaves_no_branch(demo_repo: Path, tmp_path: Path) -> None:
    wt = create_worktree(demo_repo, path=tmp_path / "d", base="main", branch=None)
    assert wt.branch is None and wt.base_ref == "main"
    remove_worktree(wt, delete_branch=False)
    assert git(demo_repo, "branch", "--format=%(refname:short)").split() == ["main"]


def test_unique_branch_and_default_root(demo_repo: Path) -> None:
    git(demo_repo, "branch", "specpilot/x")
    git(demo_repo, "branch", "specpilot/x-2")
    assert unique_branch(demo_repo, "specpilot/x") == "specpilot/x-3"
    assert unique_branch(demo_repo, "specpilot/y") == "specpilot/y"
    assert default_worktrees_root(demo_repo) == demo_repo / ".git" / "specpilot" / "worktrees"


def test_errors_name_the_problem(demo_repo: Path, tmp_path: Path) -> None:
    with pytest.raises(WorktreeError, match="'no-such-branch' is not a branch"):
        create_worktree(demo_repo, path=tmp_path / "w", base="no-such-branch", branch="b")
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(WorktreeError, match="not inside a git repository"):
        repo_root(plain)
    with pytest.raises(WorktreeError, match="does not exist"):
        repo_root(tmp_path / "missing")
    (tmp_path / "taken").mkdir()
    with pytest.raises(WorktreeError, match="already exists"):
        create_worktree(demo_repo, path=tmp_path / "taken", base=None, branch="b")
