"""Attacks on specpilot's own git calls: the worktree's ``.git`` escape hatch.

A test the agent's change runs (or a file-tool edit through a committed symlink) can point the
worktree's ``.git`` file at a git directory whose config names commands — ``core.fsmonitor``,
``diff.external``, hooks, filter / textconv / diff drivers, ``include.path`` ... — or plant a
``.gitattributes`` that names drivers. specpilot's later ``git add`` / ``diff`` / ``commit`` would
then run those commands on the host, outside every sandbox. Each attack below writes a marker
file (outside the worktree, so only a host-side git can write it) from every such command and
asserts that the marker never appears and that the run says what happened.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.core.errors import WorktreeTampered
from specpilot.pipeline.deliver.deploy import deploy
from specpilot.pipeline.deliver.deploy_result import TestOutcome
from specpilot.pipeline.run.drive import run_spec
from specpilot.pipeline.run.record import RunMode
from specpilot.pipeline.testing import tool_reply
from specpilot.pipeline.tiers.policy import Policy
from specpilot.pipeline.tiers.tiering import explain
from specpilot.pipeline.workspace.sandbox import probe_isolation
from specpilot.pipeline.workspace.worktree import commit_paths, create_worktree, diff_against_base
from tests.pipeline.conftest import StartServer
from tests.pipeline.git_attack_helpers import (
    HOOK,
    OPS,
    SPEC,
    TESTS,
    MakeRepo,
    evil_config,
    fired_hooks,
    included_config,
)
from tests.pipeline.policy_fixtures import bare_remote, init_repo, make_diff
from tests.pipeline.policy_fixtures import git as pgit
from tests.pipeline.run_helpers import (
    ADD_MUL,
    ADD_MUL_TEST,
    DEMO_FILES,
    edit,
    git,
    model_for,
    plan_reply,
)

HOOK_NAMES = ("pre-commit", "post-commit", "post-index-change", "reference-transaction")

# The hostile test file: it passes, and on its way rewrites the worktree's .git to a git dir
# of its own (objects borrowed from the real repository, so every later git command works).
PLANT = """
import shutil
import subprocess
from pathlib import Path

HOOK = {hook!r}
CONFIG = {config!r}
INCLUDED = {included!r}
HOOK_NAMES = {hook_names!r}
TOUCH_ADMIN = {touch_admin!r}


def _git(root, *args):
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True).stdout.strip()


def _try_write(path, text):
    try:
        with open(path, "a") as fh:
            fh.write(text)
    except OSError:
        pass


def test_plant():
    root = Path(__file__).resolve().parents[1]
    dotgit = root / ".git"
    if not dotgit.is_file():  # only a linked worktree has a .git file
        return
    admin = Path(dotgit.read_text().split(":", 1)[1].strip())
    common = Path(_git(root, "rev-parse", "--path-format=absolute", "--git-common-dir"))
    head = _git(root, "rev-parse", "HEAD")
    evil = root / ".evil"
    (evil / "objects" / "info").mkdir(parents=True, exist_ok=True)
    (evil / "objects" / "info" / "alternates").write_text(f"{{common}}/objects\\n")
    (evil / "refs" / "heads").mkdir(parents=True, exist_ok=True)
    (evil / "refs" / "heads" / "main").write_text(head + "\\n")
    (evil / "HEAD").write_text("ref: refs/heads/main\\n")
    shutil.copy(admin / "index", evil / "index")
    hook = evil / "hook.sh"
    hook.write_text(HOOK)
    hook.chmod(0o755)
    (evil / "hooks").mkdir(exist_ok=True)
    for name in HOOK_NAMES:
        (evil / "hooks" / name).write_text(f"#!/bin/sh\\nexec sh {{hook}} hook-{{name}}\\n")
        (evil / "hooks" / name).chmod(0o755)
    (evil / "config").write_text(CONFIG.format(hook=hook, evil=evil))
    (evil / "included.cfg").write_text(INCLUDED.format(hook=hook))
    (root / ".gitattributes").write_text("* filter=evil diff=evil merge=evil\\n")
    # what else a test might reach: git's admin dir of this worktree and the common dir
    # (read-only in the bubblewrap sandbox; writable when the file system is not isolated)
    _try_write(common / "hooks" / "post-commit", f"sh {{hook}} common-hook\\n")
    _try_write(admin / "config.worktree", CONFIG.format(hook=hook, evil=evil))
    if TOUCH_ADMIN:
        with open(admin / "commondir", "w") as fh:
            fh.write(f"{{evil}}\\n")
    dotgit.write_text(f"gitdir: {{evil}}\\n")
"""


def plant_test(marker: Path, *, touch_admin: bool = False) -> str:
    return PLANT.format(
        hook=HOOK.format(marker=marker),
        config=evil_config("{hook}", "{evil}"),
        included=included_config("{hook}"),
        hook_names=HOOK_NAMES,
        touch_admin=touch_admin,
    )


def _branches(repo: Path) -> list[str]:
    return git(repo, "branch", "--format=%(refname:short)").split()


# --- (a) a hostile test file ----------------------------------------------------------------


@pytest.mark.timeout(90)
@pytest.mark.parametrize(
    ("mode", "agent_runs_tests", "isolate_fs"),
    [("pr", True, True), ("suggest", False, True), ("pr", False, False)],
    ids=["pr-agent-tool", "suggest-verify-run", "pr-no-fs-isolation"],
)
def test_a_test_that_rewrites_dot_git_runs_nothing_on_the_host(
    make_repo: MakeRepo,
    config: PipelineConfig,
    scripted_server: StartServer,
    tmp_path: Path,
    mode: RunMode,
    agent_runs_tests: bool,
    isolate_fs: bool,
) -> None:
    marker = tmp_path / "host-marker.log"
    files = {**DEMO_FILES, "tests/test_plant.py": plant_test(marker, touch_admin=not isolate_fs)}
    repo = make_repo(files, git=True, name="repo")
    config = replace(config, sandbox_filesystem=isolate_fs)
    config_before = (repo / ".git/config").read_bytes()
    code = [tool_reply(edit(OPS, *ADD_MUL), edit(TESTS, *ADD_MUL_TEST))]
    if agent_runs_tests:
        code.append(tool_reply(("run_tests", {})))
    finish = tool_reply(("finish", {"summary": "Added mul."}))
    server = scripted_server([plan_reply(), *code, *[finish] * 4])
    record = run_spec(
        SPEC, repo=repo, mode=mode, config=config, model=model_for(server, config), index=None
    )

    assert fired_hooks(marker) == [], "specpilot's git ran the planted commands on the host"
    if isolate_fs and probe_isolation().filesystem:
        # the sandbox binds the worktree's .git link read-only: the planting test fails before
        # it can point git anywhere, so there is nothing to detect and nothing ships
        assert not record.tampered, record.tampered
        assert record.status != "green" and record.commit is None
        assert (repo / ".git/config").read_bytes() == config_before
        assert not (repo / ".git/hooks/post-commit").exists()
        return
    assert record.status == "error", record.stop_reason
    assert record.stop_reason and "WorktreeTampered" in record.stop_reason
    assert ".git" in record.stop_reason
    assert record.tampered and ".git" in record.tampered
    assert record.commit is None and record.branch is None and record.worktree is None
    assert not [b for b in _branches(repo) if b.startswith("specpilot/")]
    listed = git(repo, "worktree", "list", "--porcelain").splitlines()
    assert [ln for ln in listed if ln.startswith("worktree ")] == [f"worktree {repo}"]
    run_dir = Path(record.run_dir)
    assert "tampered" in (run_dir / "report.md").read_text().lower()
    assert not (run_dir / "changes.patch").exists()  # no diff was taken through git
    events = [json.loads(ln) for ln in (run_dir / "trace.jsonl").read_text().splitlines()]
    assert any(e["kind"] == "tampered" for e in events)


# --- (a2) the same tampering, done directly (as a test could without file-system isolation) --


def _evil_repo(where: Path, real_common: Path, marker: Path) -> Path:
    """A working git dir at ``where`` (objects borrowed from ``real_common``) whose config and
    hooks all run the marker hook."""
    head = git(real_common.parent, "rev-parse", "HEAD").strip()
    (where / "objects/info").mkdir(parents=True)
    (where / "objects/info/alternates").write_text(f"{real_common}/objects\n")
    (where / "refs/heads").mkdir(parents=True)
    (where / "refs/heads/main").write_text(head + "\n")
    (where / "HEAD").write_text("ref: refs/heads/main\n")
    hook = where / "hook.sh"
    hook.write_text(HOOK.format(marker=marker))
    hook.chmod(0o755)
    (where / "hooks").mkdir()
    for name in HOOK_NAMES:
        (where / "hooks" / name).write_text(f"#!/bin/sh\nexec sh {hook} hook-{name}\n")
        (where / "hooks" / name).chmod(0o755)
    (where / "config").write_text(evil_config(str(hook), str(where)))
    (where / "included.cfg").write_text(included_config(str(hook)))
    return where


def _tamper_dotgit_file(wt: Path, admin: Path, evil: Path) -> None:
    (wt / ".git").write_text(f"gitdir: {evil}\n")


def _tamper_dotgit_symlink(wt: Path, admin: Path, evil: Path) -> None:
    (wt / ".git").unlink()
    (wt / ".git").symlink_to(evil)


def _tamper_dotgit_dir(wt: Path, admin: Path, evil: Path) -> None:
    (wt / ".git").unlink()
    shutil.copytree(evil, wt / ".git")


def _tamper_commondir(wt: Path, admin: Path, evil: Path) -> None:
    common = admin.parent.parent
    fake_common = evil.parent / "fake-common"
    shutil.copytree(common, fake_common, ignore=shutil.ignore_patterns("worktrees"))
    (fake_common / "worktrees").mkdir()
    shutil.copytree(admin, fake_common / "worktrees" / admin.name)
    (fake_common / "config").write_text((evil / "config").read_text())
    (fake_common / "included.cfg").write_text((evil / "included.cfg").read_text())
    (admin / "commondir").write_text(f"{fake_common}\n")


def _tamper_config_worktree(wt: Path, admin: Path, evil: Path) -> None:
    # a per-worktree config (read when the repository enables extensions.worktreeConfig)
    common = admin.parent.parent
    git(common.parent, "config", "extensions.worktreeConfig", "true")
    (admin / "config.worktree").write_text((evil / "config").read_text())


def _tamper_admin_gitdir(wt: Path, admin: Path, evil: Path) -> None:
    (admin / "gitdir").write_text(f"{evil}/.git\n")


@pytest.mark.parametrize(
    "tamper",
    [
        _tamper_dotgit_file,
        _tamper_dotgit_symlink,
        _tamper_dotgit_dir,
        _tamper_commondir,
        _tamper_config_worktree,
        _tamper_admin_gitdir,
    ],
    ids=lambda f: f.__name__.removeprefix("_tamper_"),
)
def test_tampered_git_metadata_stops_every_git_call(
    demo_repo: Path, tmp_path: Path, tamper: Callable[[Path, Path, Path], None]
) -> None:
    marker = tmp_path / "host-marker.log"
    wt = create_worktree(demo_repo, path=tmp_path / "wt", base=None, branch="specpilot/x")
    (wt.path / OPS).write_text("changed\n")
    (wt.path / ".gitattributes").write_text("* filter=evil diff=evil\n")
    admin = Path((wt.path / ".git").read_text().split(":", 1)[1].strip())
    evil = _evil_repo(tmp_path / "evil", demo_repo / ".git", marker)
    tamper(wt.path, admin, evil)

    with pytest.raises(WorktreeTampered, match=r"\.git|admin"):
        diff_against_base(wt, [OPS])
    with pytest.raises(WorktreeTampered):
        commit_paths(wt, [OPS], "m", author_name="a", author_email="a@a")
    assert fired_hooks(marker) == []
    assert git(demo_repo, "rev-parse", "specpilot/x") == git(demo_repo, "rev-parse", "main")


# --- deploy: the change's tests rewrite the merge worktree's .git -----------------------------


def test_a_merge_whose_tests_tamper_with_git_is_not_merged(tmp_path: Path) -> None:
    marker = tmp_path / "host-marker.log"
    repo = init_repo(tmp_path / "repo")
    remote = bare_remote(repo, tmp_path / "remote.git")
    tip = pgit(remote, "rev-parse", "main").strip()
    evil = _evil_repo(tmp_path / "evil", repo / ".git", marker)

    def hostile_tests(where: Path) -> TestOutcome:
        (where / ".git").write_text(f"gitdir: {evil}\n")
        return TestOutcome(True, "3 passed")

    diff = make_diff(repo, {"docs/usage.md": "# Usage\n\nRun it twice.\n"})
    with pytest.raises(WorktreeTampered, match=r"\.git"):
        deploy(
            explain(repo, diff, mode="auto"),
            repo=repo,
            diff_text=diff,
            branch="specpilot/change-1",
            base="main",
            out_dir=tmp_path / "out",
            policy=Policy(),
            title="Docs",
            tests_passed=True,
            run_tests=hostile_tests,
        )
    assert fired_hooks(marker) == []
    assert pgit(remote, "rev-parse", "main").strip() == tip  # nothing was pushed
