"""End to end: a real ``specpilot run --mode pr`` (the scripted model through the real SDK, a
fake GitHub on loopback with a bare repository behind it) opens a PR; a human merges it on
GitHub; ``specpilot report --refresh`` learns it and counts it — from the records the pipeline
itself wrote, not hand-made ones."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from specpilot.flows.commands import app
from specpilot.pipeline.audit.chain import verify
from specpilot.pipeline.audit.key import default_key_path, load_key_file
from specpilot.pipeline.audit.log import read_records
from specpilot.pipeline.kpi.facts import when
from specpilot.pipeline.testing import ScriptedMessagesServer
from tests.fake_github import FakeGitHub
from tests.flows.spec_helpers import DEMO_FILES, DOCS_SPEC, HASH, add_bare_remote, docs_script, git

TOKEN = "ghp_reporttesttoken00000000000000000000000"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPECPILOT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name in ("GITHUB_TOKEN", "GITHUB_API_URL", "SPECPILOT_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SPECPILOT_ACTOR", "dev")
    return tmp_path / "home"


def test_a_pr_the_pipeline_opened_is_counted_once_github_says_it_merged(
    home: Path, make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    repo = make_repo(DEMO_FILES, git=True, name="repo")
    bare = add_bare_remote(repo, tmp_path / "remote.git")
    git(repo, "remote", "set-url", "origin", "https://github.com/acme/demo.git")
    git(repo, "remote", "set-url", "--push", "origin", str(bare))
    spec = tmp_path / "usage-docs.md"
    spec.write_text(DOCS_SPEC)
    runner = CliRunner()
    with FakeGitHub(token=TOKEN, git_dir=bare) as gh, ScriptedMessagesServer(docs_script()) as m:
        api = ["--set", f"deliver.github_api_url={json.dumps(gh.base_url)}"]
        env = {"ANTHROPIC_API_KEY": "k", "ANTHROPIC_BASE_URL": m.url, "GITHUB_TOKEN": TOKEN}
        argv = ["run", str(spec), "--repo", str(repo), "--mode", "pr", "--json", *HASH, *api]
        ran = runner.invoke(app, argv, env=env)
        assert ran.exit_code == 0, ran.output + ran.stderr
        delivery = json.loads(ran.stdout)
        assert delivery["outcome"] == "pr" and delivery["deploy"]["pr_number"] == 1
        record = json.loads((Path(delivery["run_dir"]) / "record.json").read_text())

        report = ["report", "--repo", str(repo), "--json", *api]
        before = json.loads(runner.invoke(app, report, env=env).stdout)
        assert (before["runs"], before["prs_opened"], before["prs_open"]) == (1, 1, 1)
        assert before["acceptance_rate"] is None and before["runs_by_tier"]["2"] == 1

        log = home / "audit" / "audit.jsonl"
        opened = when(read_records(log)[0])
        gh.set_fate(1, merged=True, at=(opened + timedelta(hours=3)).isoformat())
        refreshed = runner.invoke(app, [*report, "--refresh"], env=env)
        assert refreshed.exit_code == 0, refreshed.output + refreshed.stderr
        after = json.loads(refreshed.stdout)
    assert after["refresh"]["merged"] == 1
    assert (after["prs_merged"], after["prs_open"], after["acceptance_rate"]) == (1, 0, 1.0)
    assert after["median_time_to_merge_h"] == 3.0 and after["merged_changes"] == 1
    assert after["tool_steps_per_run"] == record["tool_steps"]
    assert after["repair_rounds_per_run"] == record["repair_rounds"] == 0
    tokens = record["input_tokens"] + record["output_tokens"]
    tokens += record["cache_read_tokens"] + record["cache_write_tokens"]
    assert after["tokens_per_merged_change"] == tokens > 0
    assert record["cost_usd"] is not None  # the scripted model's name has a price
    assert after["cost_per_merged_change_usd"] == pytest.approx(record["cost_usd"])
    assert after["unpriced_runs"] == 0
    assert [r.event for r in read_records(log)] == ["run", "pr_merged"]
    assert verify(log, load_key_file(default_key_path(home))).ok
