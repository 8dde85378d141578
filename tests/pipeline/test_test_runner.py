"""The test stage: command detection, sandboxed pytest runs, JUnit parsing, trimming."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.core.errors import SandboxError
from specpilot.pipeline.run.spec import parse_spec
from specpilot.pipeline.workspace.sandbox import IsolationStatus, probe_isolation
from specpilot.pipeline.workspace.test_runner import (
    TestCommand,
    detect_test_command,
    format_for_model,
    parse_junit,
    resolve_test_command,
    run_tests,
    trim_output,
)
from tests.pipeline.run_helpers import PYTEST

MakeRepo = Callable[..., Path]
needs_unshare = pytest.mark.skipif(
    not probe_isolation().available, reason="unshare cannot make namespaces on this machine"
)

PASSING = {"test_ok.py": "def test_ok():\n    assert 1 + 1 == 2\n"}
FAILING = {
    "test_mixed.py": (
        "def test_ok():\n    assert True\n\n\n"
        "def test_bad():\n    x = 41\n    assert x + 1 == 43\n\n\n"
        "def test_boom():\n    raise RuntimeError('kaput')\n"
    )
}


def _cmd(command: str = PYTEST) -> TestCommand:
    return TestCommand(command, "pytest", "config")


def test_passing_suite_is_parsed_from_junit(
    make_repo: MakeRepo, config: PipelineConfig, tmp_path: Path
) -> None:
    repo = make_repo(PASSING)
    report = run_tests(repo, _cmd(), config=config, artifacts_dir=tmp_path / "art")
    assert report.passed and report.returncode == 0
    assert (report.tests, report.failures, report.errors, report.skipped) == (1, 0, 0, 0)
    assert report.junit_path and Path(report.junit_path).parent == tmp_path / "art"
    assert (tmp_path / "art" / "report-1.json").is_file()
    assert not (repo / ".pytest_cache").exists()  # nothing left in the worktree


def test_failures_are_named_with_their_tracebacks(
    make_repo: MakeRepo, config: PipelineConfig, tmp_path: Path
) -> None:
    report = run_tests(make_repo(FAILING), _cmd(), config=config, artifacts_dir=tmp_path / "a")
    assert not report.passed and report.returncode == 1
    assert (report.tests, report.failures) == (3, 2)
    names = [c.name for c in report.failed_cases]
    assert names == ["test_mixed::test_bad", "test_mixed::test_boom"]
    assert "assert (41 + 1) == 43" in report.failed_cases[0].details
    assert "kaput" in report.failed_cases[1].message
    text = format_for_model(report)
    assert text.startswith("Tests FAILED (exit code 1)") and "test_boom" in text


@needs_unshare
def test_a_test_that_uses_the_network_fails_inside_the_sandbox(
    make_repo: MakeRepo, config: PipelineConfig, tmp_path: Path
) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]
    repo = make_repo(
        {
            "test_net.py": (
                "import socket\n\n\ndef test_reaches_the_service():\n"
                f"    socket.create_connection(('127.0.0.1', {port}), timeout=3).close()\n"
            )
        }
    )
    try:
        open_report = run_tests(
            repo, _cmd(), config=replace(config, sandbox=False), artifacts_dir=tmp_path / "open"
        )
        boxed = run_tests(repo, _cmd(), config=config, artifacts_dir=tmp_path / "boxed")
    finally:
        listener.close()
    assert open_report.passed and not open_report.network_isolated  # the control
    assert "network access" in open_report.sandbox_note
    assert not boxed.passed and boxed.network_isolated
    assert boxed.failed_cases[0].name == "test_net::test_reaches_the_service"
    assert "ConnectionRefusedError" in boxed.failed_cases[0].details


def test_unavailable_isolation_is_reported_or_refused(
    make_repo: MakeRepo, config: PipelineConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import specpilot.pipeline.workspace.test_runner as test_runner

    monkeypatch.setattr(
        test_runner, "probe_isolation", lambda: IsolationStatus(False, "user namespaces are off")
    )
    repo = make_repo(PASSING)
    report = run_tests(repo, _cmd(), config=config, artifacts_dir=tmp_path / "a")
    assert report.passed and not report.network_isolated
    assert report.sandbox_note == "tests ran WITH network access: user namespaces are off"
    with pytest.raises(SandboxError, match="user namespaces are off"):
        run_tests(
            repo,
            _cmd(),
            config=replace(config, require_sandbox=True),
            artifacts_dir=tmp_path / "b",
        )


def test_non_pytest_commands_are_judged_by_exit_code(
    make_repo: MakeRepo, config: PipelineConfig, tmp_path: Path
) -> None:
    repo = make_repo({"x.txt": "x"})
    ok = run_tests(
        repo, TestCommand("true", "custom", "spec"), config=config, artifacts_dir=tmp_path
    )
    bad = run_tests(
        repo,
        TestCommand("echo nope; exit 2", "custom", "spec"),
        config=config,
        artifacts_dir=tmp_path,
    )
    assert ok.passed and ok.tests is None
    assert not bad.passed and bad.returncode == 2 and "nope" in bad.output


@pytest.mark.parametrize(
    ("files", "kind", "command"),
    [
        ({"pyproject.toml": "[project]\nname='x'\n"}, "pytest", f"{sys.executable} -m pytest -q"),
        ({"tests/test_a.py": ""}, "pytest", f"{sys.executable} -m pytest -q"),
        ({"package.json": '{"scripts": {"test": "jest"}}'}, "npm", "npm test"),
        ({"go.mod": "module x\n"}, "go", "go test ./..."),
        ({"Cargo.toml": "[package]\n"}, "cargo", "cargo test"),
    ],
)
def test_detect_test_command(
    make_repo: MakeRepo, files: dict[str, str], kind: str, command: str
) -> None:
    found = detect_test_command(make_repo(files))
    assert found is not None and found.kind == kind and found.source == "detected"
    assert found.command == command


def _venv(base: Path) -> Path:
    python = base / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.symlink_to(sys.executable)
    return python


def test_detected_pytest_runs_with_the_projects_own_virtualenv(
    make_repo: MakeRepo, tmp_path: Path, git
) -> None:
    repo = make_repo(
        {"pyproject.toml": "[project]\nname='x'\n", ".gitignore": ".venv/\n"}, git=True
    )
    python = _venv(repo)
    found = detect_test_command(repo)
    assert found is not None and found.command == f"{python} -m pytest -q"
    # a worktree has no untracked .venv: the main checkout's is used
    wt = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", str(wt))
    assert not (wt / ".venv").exists()
    assert detect_test_command(wt).command == f"{python} -m pytest -q"  # type: ignore[union-attr]


def test_detect_finds_nothing_in_a_bare_repo(make_repo: MakeRepo) -> None:
    assert detect_test_command(make_repo({"README.md": "hi"})) is None
    assert detect_test_command(make_repo({"package.json": "{}"}, name="js")) is None


def test_spec_beats_config_beats_detection(make_repo: MakeRepo, config: PipelineConfig) -> None:
    repo = make_repo({"go.mod": "module x\n"})
    spec = parse_spec("---\ntitle: t\ntest_command: pytest -x tests\n---\n")
    assert resolve_test_command(repo, spec.test_command, config) == TestCommand(
        "pytest -x tests", "pytest", "spec"
    )
    plain = parse_spec("# t\n")
    assert resolve_test_command(repo, plain.test_command, config).source == "config"  # type: ignore[union-attr]
    found = resolve_test_command(repo, plain.test_command, replace(config, test_command=None))
    assert found == TestCommand("go test ./...", "go", "detected")


def test_parse_junit_counts_suites() -> None:
    xml = """<testsuites><testsuite tests="2" failures="1" errors="0" skipped="1">
      <testcase classname="a" name="t1"><failure message="boom">trace</failure></testcase>
      <testcase classname="a" name="t2"/></testsuite>
      <testsuite tests="1" errors="1"><testcase name="t3"><error message="e"/></testcase>
      </testsuite></testsuites>"""
    counts, cases = parse_junit(xml)
    assert counts == (3, 1, 1, 1)
    assert [(c.name, c.kind, c.message) for c in cases] == [
        ("a::t1", "failure", "boom"),
        ("t3", "error", "e"),
    ]


def test_trim_keeps_failures_and_the_tail() -> None:
    noise = [f"line {i} ok" for i in range(2000)]
    noise[700] = "E       AssertionError: the important bit"
    text = "\n".join([*noise, "=== 1 failed, 99 passed ==="])
    trimmed = trim_output(text, 3000)
    assert len(trimmed) <= 3000
    assert "the important bit" in trimmed and "1 failed, 99 passed" in trimmed
    assert "lines omitted" in trimmed
    assert trim_output("short", 100) == "short"


@pytest.mark.skipif(not probe_isolation().filesystem, reason="bubblewrap cannot run here")
def test_a_test_cannot_write_outside_its_worktree(
    make_repo: MakeRepo, config: PipelineConfig, tmp_path: Path
) -> None:
    # a file of the user's checkout and one beside the worktree
    checkout_file = Path(__file__).resolve().parents[2] / f".sandbox-probe-{os.getpid()}"
    beside = tmp_path / "policy.toml"
    beside.write_text("tier = 3\n")
    repo = make_repo(
        {
            "test_escape.py": (
                "def test_rewrites_files_outside():\n"
                f"    open({str(beside)!r}, 'w').write('tier = 1')\n"
                f"    open({str(checkout_file)!r}, 'w').write('escaped')\n"
            )
        }
    )
    try:
        boxed = run_tests(repo, _cmd(), config=config, artifacts_dir=tmp_path / "boxed")
        assert boxed.filesystem_isolated
        # the writes fail (a read-only bind) or land in the sandbox's private /tmp, which is
        # thrown away (a checkout under /tmp, as in CI): either way the host files are as
        # they were
        assert not checkout_file.exists()
        assert beside.read_text() == "tier = 3\n"
        off = run_tests(
            repo,
            _cmd(),
            config=replace(config, sandbox_filesystem=False),
            artifacts_dir=tmp_path / "o",
        )
        assert off.passed and not off.filesystem_isolated and off.network_isolated
        assert "sandbox_filesystem is off" in off.sandbox_note
        assert checkout_file.exists() and beside.read_text() == "tier = 1"  # the control
    finally:
        checkout_file.unlink(missing_ok=True)


@pytest.mark.skipif(not probe_isolation().filesystem, reason="bubblewrap cannot run here")
def test_a_tool_in_a_hidden_place_is_named_and_can_be_shown_read_only(
    make_repo: MakeRepo, config: PipelineConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "userhome"
    tool = home / ".local" / "bin" / "mytool"
    tool.parent.mkdir(parents=True)
    tool.write_text('#!/bin/sh\necho tool ran\ntouch "$(dirname "$0")/planted"\n')
    tool.chmod(0o755)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("PATH", f"{tool.parent}:{os.environ['PATH']}")
    repo = make_repo({"x.txt": "x"})
    command = TestCommand("mytool", "custom", "config")

    hidden = run_tests(repo, command, config=config, artifacts_dir=tmp_path / "a")
    assert not hidden.passed and "tool ran" not in hidden.output
    assert f"`mytool` is {tool}, in a place the sandbox hides" in hidden.sandbox_note

    shown = replace(config, sandbox_readonly_paths=(str(tool.parent),))
    report = run_tests(repo, command, config=shown, artifacts_dir=tmp_path / "b")
    assert "tool ran" in report.output and "hides" not in report.sandbox_note
    assert "Read-only file system" in report.output and not (tool.parent / "planted").exists()
    assert report.isolation is not None and report.isolation.home == "private empty"
