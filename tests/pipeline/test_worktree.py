"""Branches and worktrees: the user's checkout is never touched."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from specpilot.pipeline.core.errors import WorktreeError
from specpilot.pipeline.workspace.gitenv import GitPlace, git_argv, git_env
from specpilot.pipeline.workspace.worktree import (
    commit_paths,
    create_worktree,
    default_worktrees_root,
    diff_against_base,
    remove_worktree,
    repo_root,
    unique_branch,
)
from tests.pipeline.run_helpers import git


def untracked_and_modified(wt_path: Path) -> list[str]:
    out = git(wt_path, "status", "--porcelain", "--untracked-files=all", "-z")
    return sorted({entry[3:] for entry in out.split("\0") if len(entry) > 3})


def test_branch_worktree_commit_and_cleanup(demo_repo: Path, tmp_path: Path) -> None:
    head = git(demo_repo, "rev-parse", "HEAD").strip()
    wt = create_worktree(demo_repo, path=tmp_path / "wt", base=None, branch="specpilot/x")
    assert wt.base_commit == head and wt.base_ref == "HEAD" and wt.branch == "specpilot/x"
    assert git(wt.path, "branch", "--show-current").strip() == "specpilot/x"

    (wt.path / "calc/ops.py").write_text("changed\n")
    (wt.path / "calc/new.py").write_text("new\n")
    (wt.path / "junk.tmp").write_text("not the agent's\n")
    assert untracked_and_modified(wt.path) == ["calc/new.py", "calc/ops.py", "junk.tmp"]
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
    assert untracked_and_modified(wt.path) == ["junk.tmp"]  # only what the agent wrote is committed
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


def test_commits_use_the_base_commits_attributes_never_the_agents(
    make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    """A filter the repository set up (as git-crypt does) still applies to the agent's files;
    a ``.gitattributes`` the agent wrote names no filter."""
    repo = make_repo(
        {"notes.txt": "base\n", "README.md": "hi\n", ".gitattributes": "*.txt filter=up\n"},
        git=True,
    )
    git(repo, "config", "filter.up.clean", "tr a-z A-Z")
    git(repo, "config", "filter.up.smudge", "cat")
    wt = create_worktree(repo, path=tmp_path / "wt", base=None, branch="specpilot/f")
    (wt.path / "notes.txt").write_text("secret\n")
    (wt.path / "README.md").write_text("shout\n")
    (wt.path / ".gitattributes").write_text("*.txt filter=up\n*.md filter=up\n")
    sha = commit_paths(
        wt, ["notes.txt", "README.md", ".gitattributes"], "m", author_name="a", author_email="a@a"
    )
    assert git(repo, "show", f"{sha}:notes.txt") == "SECRET\n"  # the repository's filter
    assert git(repo, "show", f"{sha}:README.md") == "shout\n"  # not the agent's
    # (the user's own git in the worktree now applies the committed attributes)
    assert "notes.txt" not in git(wt.path, "status", "--porcelain", "--untracked-files=no")


def test_symlinks_deletions_and_modes_are_committed_as_git_would(
    demo_repo: Path, tmp_path: Path
) -> None:
    wt = create_worktree(demo_repo, path=tmp_path / "wt", base=None, branch="specpilot/s")
    secret = tmp_path / "host-secret.txt"
    secret.write_text("HOST SECRET\n")
    (wt.path / "calc/ops.py").unlink()
    (wt.path / "calc/ops.py").symlink_to(secret)  # a test swapped the agent's file for a link
    (wt.path / "run.sh").write_text("#!/bin/sh\n")
    (wt.path / "run.sh").chmod(0o755)
    (wt.path / "tests/test_ops.py").unlink()
    paths = ["calc/ops.py", "run.sh", "tests/test_ops.py"]
    diff = diff_against_base(wt, paths)
    assert "HOST SECRET" not in diff and "deleted file mode 100644" in diff
    sha = commit_paths(wt, paths, "m", author_name="a", author_email="a@a")
    tree = git(demo_repo, "ls-tree", "-r", sha)
    assert "120000 blob" in tree and "100755 blob" in tree and "tests/test_ops.py" not in tree
    assert git(demo_repo, "show", f"{sha}:calc/ops.py") == str(secret)  # the link, not its target


def test_a_parent_swapped_for_a_symlink_is_not_followed(demo_repo: Path, tmp_path: Path) -> None:
    wt = create_worktree(demo_repo, path=tmp_path / "wt", base=None, branch="specpilot/p")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "ops.py").write_text("HOST FILE\n")
    shutil.rmtree(wt.path / "calc")
    (wt.path / "calc").symlink_to(outside)
    with pytest.raises(WorktreeError, match="symlink"):
        diff_against_base(wt, ["calc/ops.py"])


def test_git_env_drops_inherited_git_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_DIR", "/elsewhere")
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", "'core.fsmonitor'='evil'")
    monkeypatch.setenv("GIT_EXTERNAL_DIFF", "evil")
    monkeypatch.setenv("GIT_SSH_COMMAND", "ssh -i key")
    place = GitPlace(Path("/r"), git_dir=Path("/r/.git"))
    local, network = git_env(place), git_env(place, network=True)
    for env in (local, network):
        assert env["GIT_DIR"] == "/r/.git"
        assert "GIT_CONFIG_PARAMETERS" not in env and "GIT_EXTERNAL_DIFF" not in env
    assert local["GIT_CONFIG_GLOBAL"] == os.devnull and local["GIT_CONFIG_NOSYSTEM"] == "1"
    assert "GIT_SSH_COMMAND" not in local and network["GIT_SSH_COMMAND"] == "ssh -i key"
    assert "GIT_CONFIG_GLOBAL" not in network  # credentials live in the user's config
    argv = git_argv(["status"], place)
    for setting in ("core.fsmonitor=false", f"core.hooksPath={os.devnull}", "commit.gpgSign=false"):
        assert setting in argv
