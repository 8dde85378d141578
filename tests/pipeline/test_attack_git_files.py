"""Attacks on specpilot's own git calls through files the model writes or plants: a committed
symlink into ``.git`` and a ``.gitattributes`` naming drivers (``filter``, ``textconv``, ``diff``,
``-diff``). As in test_attack_git.py, every command such a config could start writes a marker
outside the worktree; the marker must never appear and the run must say what happened.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.run.drive import run_spec
from specpilot.pipeline.testing import tool_reply
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
    assert fired_hooks(marker) == []
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

    assert fired_hooks(marker) == []
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
