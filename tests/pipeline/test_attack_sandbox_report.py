"""Attacks on what the sandbox reports: output floods and hangs are cut and leave their evidence,
and a run report states the protections that were in force and no more (see
test_attack_sandbox.py for the attacks on the isolation itself)."""

from __future__ import annotations

import os
import tempfile
import threading
import tracemalloc
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.run.drive import run_spec
from specpilot.pipeline.run.spec import parse_spec
from specpilot.pipeline.testing import tool_reply
from specpilot.pipeline.workspace.sandbox import IsolationStatus
from specpilot.pipeline.workspace.test_runner import (
    TestCommand,
    format_for_model,
    run_tests,
)
from tests.pipeline.conftest import StartServer
from tests.pipeline.run_helpers import edit, model_for, plan_reply, tool_results
from tests.pipeline.sandbox_helpers import (
    CREDENTIALS,
    SECRET_MARK,
    MakeRepo,
    evidence_test,
    needs_bwrap,
    needs_unshare,
    pytest_command,
)


# --- 5. output floods -------------------------------------------------------------------------
@pytest.fixture
def host_tmp_watch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Point the host's temp files into a folder and record the most bytes it ever held."""
    host_tmp = tmp_path / "host-tmp"
    host_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(host_tmp))
    peak = [0]
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            total = 0
            for dirpath, _dirs, files in os.walk(host_tmp):
                for name in files:
                    try:
                        total += os.lstat(os.path.join(dirpath, name)).st_size
                    except OSError:
                        continue
            for fd_path in Path("/proc/self/fd").iterdir():  # unlinked temp files too
                try:
                    target = os.readlink(fd_path)
                    if target.startswith(str(host_tmp)):
                        total += os.stat(fd_path).st_size
                except OSError:
                    continue
            peak[0] = max(peak[0], total)
            stop.wait(0.02)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    yield peak
    stop.set()
    thread.join(timeout=2)


@pytest.mark.parametrize("flood", ["cat /dev/zero", "yes specpilot"])
@pytest.mark.timeout(60)
def test_an_output_flood_is_cut_while_it_is_produced(
    make_repo: MakeRepo,
    config: PipelineConfig,
    tmp_path: Path,
    host_tmp_watch: list[int],
    flood: str,
) -> None:
    keep, kill = 64_000, 2_000_000
    cfg = replace(
        config, test_timeout_s=6, sandbox_output_bytes=keep, sandbox_kill_output_bytes=kill
    )
    repo = make_repo({"README.md": "x\n"})
    tracemalloc.start()
    try:
        report = run_tests(
            repo, TestCommand(flood, "custom", "spec"), config=cfg, artifacts_dir=tmp_path / "a"
        )
        _, peak_memory = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert not report.passed and report.output_killed and not report.timed_out
    # killed at the output limit, not at the 6 s time limit (``not report.timed_out``): a
    # unit test checks what happened, never how many seconds it took
    assert f"output passed the {kill}-byte limit" in report.output
    assert host_tmp_watch[0] < 4 * keep, f"{host_tmp_watch[0]} bytes buffered on the host disk"
    assert peak_memory < 8 * keep + 2_000_000, f"{peak_memory} bytes buffered in memory"
    assert "KILLED" in format_for_model(report)


def test_long_output_keeps_its_head_and_tail(
    make_repo: MakeRepo, config: PipelineConfig, tmp_path: Path
) -> None:
    cfg = replace(config, sandbox_output_bytes=20_000, sandbox_kill_output_bytes=10_000_000)
    script = "echo FIRST-LINE; i=0; while [ $i -lt 30000 ]; do echo filler-$i; i=$((i+1)); done"
    report = run_tests(
        make_repo({"README.md": "x\n"}),
        TestCommand(script + "; echo LAST-LINE; exit 1", "custom", "spec"),
        config=replace(cfg, test_output_chars=100_000),
        artifacts_dir=tmp_path / "a",
    )
    assert not report.output_killed and report.returncode == 1
    assert report.output.startswith("FIRST-LINE") and "LAST-LINE" in report.output[-200:]
    assert "bytes of output omitted" in report.output and len(report.output) < 21_000


# --- 7. suggest mode without a file-system sandbox ----------------------------------------
SPEC = parse_spec(
    "---\ntitle: Add a multiply helper\n---\nAdd `mul` next to `add` in calc/ops.py.\n",
    source="specs/add-mul.md",
)


@pytest.mark.parametrize("why", ["config", "no-bubblewrap"])
@pytest.mark.timeout(60)
def test_suggest_mode_runs_no_tests_without_a_file_system_sandbox(
    make_repo: MakeRepo,
    config: PipelineConfig,
    scripted_server: StartServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    why: str,
) -> None:
    checkout = tmp_path / "repo"
    hostile = (
        "import os\n\n\ndef test_ops():\n"
        f"    open({str(checkout / 'calc' / 'ops.py')!r}, 'w').write('PWNED = 1\\n')\n"
        f"    hook = {str(checkout / '.git' / 'hooks' / 'pre-commit')!r}\n"
        "    open(hook, 'w').write('#!/bin/sh\\necho pwned\\n')\n"
        "    os.chmod(hook, 0o755)\n"
    )
    files = {"calc/__init__.py": "", "calc/ops.py": "def add(a, b):\n    return a + b\n"}
    make_repo({**files, "tests/test_ops.py": hostile}, git=True, name="repo")
    if why == "config":
        config = replace(config, sandbox_filesystem=False)
    else:
        import specpilot.pipeline.workspace.test_runner as test_runner

        monkeypatch.setattr(
            test_runner,
            "probe_isolation",
            lambda: IsolationStatus(True, "unshare", filesystem_reason="bwrap is missing"),
        )
    ops = "def add(a, b):\n    return a + b\n"
    server = scripted_server(
        [
            plan_reply(),
            tool_reply(edit("calc/ops.py", ops, ops + "\n\ndef mul(a, b):\n    return a * b\n")),
            tool_reply(("run_tests", {})),
            tool_reply(("finish", {"summary": "Added mul."})),
        ]
    )
    record = run_spec(
        SPEC, repo=checkout, mode="suggest", config=config, model=model_for(server, config),
        index=None,
    )  # fmt: skip

    assert not (checkout / ".git" / "hooks" / "pre-commit").exists(), "a hook was planted"
    assert (checkout / "calc" / "ops.py").read_text() == ops
    assert record.test_reports == ()
    (tool_result,) = tool_results(server.requests[3].body)
    assert "not run" in tool_result["content"] and "file-system sandbox" in tool_result["content"]
    assert record.status == "suggested"
    assert "untested" in (record.stop_reason or "")
    assert "file-system sandbox" in (record.stop_reason or "")
    report_md = (Path(record.run_dir) / "report.md").read_text()
    assert "not run" in report_md and "file-system sandbox" in report_md


# --- 8. a hung test ---------------------------------------------------------------------------
@pytest.mark.timeout(60)
def test_a_hung_test_leaves_its_stack_trace_in_the_report(
    make_repo: MakeRepo, config: PipelineConfig, tmp_path: Path
) -> None:
    repo = make_repo(
        {"test_hang.py": "import time\n\n\ndef test_hangs_here():\n    time.sleep(120)\n"}
    )
    cfg = replace(config, test_timeout_s=8, test_output_chars=3000)  # the dump gets trimmed
    report = run_tests(repo, pytest_command(), config=cfg, artifacts_dir=tmp_path / "a")
    assert report.timed_out and not report.passed
    assert "Timeout" in report.output and "test_hangs_here" in report.output, report.output
    assert "test_hangs_here" in format_for_model(report)


# --- 9. never claim a protection that is not in force ---------------------------------------
@needs_unshare
def test_without_bubblewrap_the_report_claims_no_file_system_or_home_protection(
    make_repo: MakeRepo,
    config: PipelineConfig,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import specpilot.pipeline.workspace.test_runner as test_runner

    monkeypatch.setattr(
        test_runner,
        "probe_isolation",
        lambda: IsolationStatus(True, "unshare", filesystem_reason="bwrap is missing"),
    )
    secret = tmp_path / "userhome" / "notes.txt"
    secret.parent.mkdir()
    secret.write_text(f"home-{SECRET_MARK}\n")
    monkeypatch.setenv("HOME", str(secret.parent))
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", CREDENTIALS["AWS_SECRET_ACCESS_KEY"])
    repo = make_repo(
        evidence_test(
            f"evidence['file'] = open({str(secret)!r}).read()\n"
            "evidence['aws'] = os.environ.get('AWS_SECRET_ACCESS_KEY')\n"
            "evidence['home'] = os.environ['HOME']"
        )
    )
    report = run_tests(repo, pytest_command(), config=config, artifacts_dir=tmp_path / "a")

    assert f"home-{SECRET_MARK}" in report.output  # the control: the home really was readable
    assert "aws-secret" not in report.output  # ...but the environment was still cleared
    assert str(secret.parent) not in report.output.split("'home':")[1]  # and HOME is fresh
    iso = report.isolation
    assert iso is not None
    assert iso.network and iso.filesystem == "none" and iso.home == "host"
    assert iso.env == "allowlist" and iso.unix_sockets == "reachable"
    assert not report.filesystem_isolated and "bwrap is missing" in report.sandbox_note


@needs_bwrap
def test_bubblewrap_runs_state_what_was_in_force(
    make_repo: MakeRepo, config: PipelineConfig, tmp_path: Path
) -> None:
    report = run_tests(
        make_repo({"test_ok.py": "def test_ok():\n    pass\n"}),
        pytest_command(),
        config=config,
        artifacts_dir=tmp_path / "a",
    )
    iso = report.isolation
    assert report.passed and iso is not None
    assert iso.network and iso.filesystem.startswith("bubblewrap")
    assert iso.home == "private empty" and iso.env == "allowlist"
    assert report.filesystem_isolated and report.network_isolated


@pytest.mark.parametrize("bubblewrap", [pytest.param(True, marks=needs_bwrap), False])
@pytest.mark.timeout(60)
def test_the_run_report_states_the_protections_in_force_and_no_more(
    demo_repo: Path,
    config: PipelineConfig,
    scripted_server: StartServer,
    monkeypatch: pytest.MonkeyPatch,
    bubblewrap: bool,
) -> None:
    if not bubblewrap:
        import specpilot.pipeline.workspace.test_runner as test_runner

        monkeypatch.setattr(
            test_runner,
            "probe_isolation",
            lambda: IsolationStatus(True, "unshare", filesystem_reason="bwrap is missing"),
        )
    ops = "def sub(a, b):\n    return a - b\n"
    server = scripted_server(
        [
            plan_reply(),
            tool_reply(edit("calc/ops.py", ops, ops + "\n\ndef mul(a, b):\n    return a * b\n")),
            tool_reply(("finish", {"summary": "Added mul."})),
        ]
    )
    record = run_spec(
        SPEC, repo=demo_repo, mode="pr", config=config, model=model_for(server, config),
        index=None,
    )  # fmt: skip
    assert record.status == "green", record.stop_reason
    report_md = (Path(record.run_dir) / "report.md").read_text()
    section = report_md.split("## Test sandbox")[1].split("\n## ")[0]
    assert "- Network: off" in section and "- Environment: allowlist (" in section
    if bubblewrap:
        assert "- File system: bubblewrap: " in section
        assert "- Home: a private empty directory" in section
        assert "- Host Unix sockets: hidden" in section
    else:
        assert "- File system: none: not isolated" in section
        assert "- Home: the user's home was readable" in section
        assert "- Host Unix sockets: reachable" in section and "bwrap is missing" in section
        assert any("without a file-system sandbox" in w for w in record.warnings)
