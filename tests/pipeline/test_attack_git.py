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
import textwrap
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
from specpilot.pipeline.run.spec import parse_spec
from specpilot.pipeline.testing import tool_reply
from specpilot.pipeline.tiers.policy import Policy
from specpilot.pipeline.tiers.tiering import explain
from specpilot.pipeline.workspace.sandbox import probe_isolation
from specpilot.pipeline.workspace.worktree import commit_paths, create_worktree, diff_against_base
from tests.pipeline.conftest import StartServer
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
    tool_results,
)

SPEC = parse_spec(
    "---\ntitle: Add a multiply helper\nrisk: low\n---\nAdd `mul` next to `add`.\n",
    source="specs/add-mul.md",
)
OPS = "calc/ops.py"
TESTS = "tests/test_ops.py"
MakeRepo = Callable[..., Path]

# Every command below appends its tag to the marker and behaves (filters pass the content on).
HOOK = """#!/bin/sh
echo "$1" >> {marker}
case "$1" in clean|smudge) exec cat ;; textconv) exec cat "$2" ;; esac
exit 0
"""
HOOK_NAMES = ("pre-commit", "post-commit", "post-index-change", "reference-transaction")


def evil_config(hook: str, evil: str) -> str:
    """A git config where every command git might start is the marker hook."""
    c = f"sh {hook}"
    return textwrap.dedent(f"""\
        [core]
        \trepositoryformatversion = 0
        \tbare = false
        \thooksPath = {evil}/hooks
        \tpager = {c} pager
        \teditor = {c} editor
        \tsshCommand = {c} ssh
        \taskPass = {c} askpass
        [diff]
        \texternal = {c} diff-external
        [diff "evil"]
        \ttextconv = {c} textconv
        \tcommand = {c} diff-command
        [filter "evil"]
        \tclean = {c} clean
        \tsmudge = {c} smudge
        [merge "evil"]
        \tdriver = {c} merge-driver
        [commit]
        \tgpgSign = true
        [gpg]
        \tprogram = {hook}
        [include]
        \tpath = {evil}/included.cfg
        """)


def included_config(hook: str) -> str:
    return f"[core]\n\tfsmonitor = sh {hook} fsmonitor-via-include\n"


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


def _fired(marker: Path) -> list[str]:
    return marker.read_text().split() if marker.exists() else []


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

    assert _fired(marker) == [], "specpilot's git ran the planted commands on the host"
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
    assert _fired(marker) == []
    assert git(demo_repo, "rev-parse", "specpilot/x") == git(demo_repo, "rev-parse", "main")


# --- (b) a model writing through a committed symlink into .git --------------------------------


@pytest.mark.timeout(60)
def test_the_model_cannot_rewrite_dot_git_through_a_committed_symlink(
    make_repo: MakeRepo,
    config: PipelineConfig,
    scripted_server: StartServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    marker = tmp_path / "host-marker.log"
    repo = make_repo(DEMO_FILES, git=True, name="repo")
    (repo / "link_git").symlink_to(".git")  # in a worktree, .git is a file naming git's dir
    (repo / "hooks_link").symlink_to(".git/hooks")
    git(repo, "add", "link_git", "hooks_link")
    git(repo, "commit", "-q", "-m", "links")
    # the attacker reads link_git first to learn the admin dir; a fixed run id stands in for that
    monkeypatch.setattr("specpilot.pipeline.run.stages.new_run_id", lambda slug, now: "run-fixed")
    assert config.worktrees_dir is not None
    wt = (config.worktrees_dir / "run-fixed").resolve()
    admin = (repo / ".git" / "worktrees" / "run-fixed").resolve()
    evil, hook = f"{wt}/.evil", f"{wt}/.evil/hook.sh"
    base = git(repo, "rev-parse", "HEAD").strip()
    plant = [
        ("create_file", {"path": ".evil/HEAD", "content": "ref: refs/heads/main\n"}),
        ("create_file", {"path": ".evil/refs/heads/main", "content": base + "\n"}),
        ("create_file", {"path": ".evil/objects/info/alternates", "content": f"{repo}/.git/objects\n"}),
        ("create_file", {"path": ".evil/config", "content": evil_config(hook, evil)}),
        ("create_file", {"path": ".evil/included.cfg", "content": included_config(hook)}),
        ("create_file", {"path": ".evil/hook.sh", "content": HOOK.format(marker=marker)}),
        ("create_file", {"path": ".gitattributes", "content": "* filter=evil diff=evil\n"}),
    ]  # fmt: skip
    attack = [
        ("read_file", {"path": "link_git"}),
        ("list_dir", {"path": "link_git"}),
        edit("link_git", f"gitdir: {admin}", f"gitdir: {evil}"),
        ("create_file", {"path": "link_git/config", "content": "[core]\n"}),
        ("create_file", {"path": "hooks_link/pre-commit", "content": f"sh {hook} pre-commit\n"}),
    ]
    server = scripted_server(
        [
            plan_reply(),
            tool_reply(*plant),
            tool_reply(*attack),
            tool_reply(edit(OPS, *ADD_MUL), edit(TESTS, *ADD_MUL_TEST)),
            tool_reply(("finish", {"summary": "Added mul."})),
        ]
    )
    record = run_spec(
        SPEC, repo=repo, mode="pr", config=config, model=model_for(server, config), index=None
    )

    results = tool_results(server.requests[3].body)
    assert [r["is_error"] for r in results] == [True] * len(attack)
    assert all(".git" in r["content"] for r in results), results
    assert str(admin) not in json.dumps(results)  # the .git file was not read back
    assert _fired(marker) == []
    assert record.status == "green", record.stop_reason
    assert (wt / ".git").read_text() == f"gitdir: {admin}\n"
    assert "link_git" not in record.files_changed and "hooks_link" not in record.files_changed


# --- (c) planted .gitattributes naming drivers ------------------------------------------------


@pytest.mark.timeout(60)
def test_planted_gitattributes_cannot_start_the_users_drivers(
    demo_repo: Path, config: PipelineConfig, scripted_server: StartServer, tmp_path: Path
) -> None:
    """The user's repository defines drivers (as git-crypt or LFS would); the agent's
    ``.gitattributes`` names them for its own files. specpilot's git must run none of them."""
    marker = tmp_path / "host-marker.log"
    hook = tmp_path / "hook.sh"
    hook.write_text(HOOK.format(marker=marker))
    for key, tag in [
        ("filter.crypt.clean", "clean"),
        ("filter.crypt.smudge", "smudge"),
        ("diff.crypt.textconv", "textconv"),
        ("diff.crypt.command", "diff-command"),
    ]:
        git(demo_repo, "config", key, f"sh {hook} {tag}")
    attrs = "* filter=crypt diff=crypt\n"
    server = scripted_server(
        [
            plan_reply(),
            tool_reply(("create_file", {"path": ".gitattributes", "content": attrs})),
            tool_reply(edit(OPS, *ADD_MUL), edit(TESTS, *ADD_MUL_TEST)),
            tool_reply(("finish", {"summary": "Added mul."})),
        ]
    )
    record = run_spec(
        SPEC,
        repo=demo_repo,
        mode="pr",
        config=config,
        model=model_for(server, config),
        index=None,
    )

    assert _fired(marker) == []
    assert record.status == "green", record.stop_reason
    patch = (Path(record.run_dir) / "changes.patch").read_text()
    assert "+def mul(a, b):" in patch and "+* filter=crypt diff=crypt" in patch


@pytest.mark.timeout(60)
def test_a_planted_minus_diff_attribute_cannot_hide_the_change_from_the_patch(
    demo_repo: Path, config: PipelineConfig, scripted_server: StartServer
) -> None:
    """``-diff`` would turn the agent's Python into a binary patch: unreadable for the reviewer
    and invisible to the secret scan of the added lines."""
    secret_line = 'TOKEN = "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB"'
    server = scripted_server(
        [
            plan_reply(),
            tool_reply(("create_file", {"path": ".gitattributes", "content": "*.py -diff\n"})),
            tool_reply(
                edit(OPS, ADD_MUL[0], ADD_MUL[1] + "\n" + secret_line + "\n"),
                edit(TESTS, *ADD_MUL_TEST),
            ),
            tool_reply(("finish", {"summary": "Added mul."})),
        ]
    )
    record = run_spec(
        SPEC,
        repo=demo_repo,
        mode="pr",
        config=config,
        model=model_for(server, config),
        index=None,
    )
    patch = (Path(record.run_dir) / "changes.patch").read_text()
    assert "GIT binary patch" not in patch and "Binary files" not in patch
    assert f"+{secret_line}" in patch


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
    assert _fired(marker) == []
    assert pgit(remote, "rev-parse", "main").strip() == tip  # nothing was pushed
