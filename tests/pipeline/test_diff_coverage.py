"""Diff coverage: a fixture change with a known number of covered and uncovered added lines,
measured with coverage.py in the test sandbox, alone and through a whole scripted-model run.

The change adds ``sign`` to calc/ops.py: 5 statements (a comment and two blank lines besides),
of which the new test (``sign(5) == 1``) executes 3 — ``def``, ``if x > 0`` and ``return 1`` —
and not the last two. The added test lines are not counted (a test file's lines run whenever
it does).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from specpilot.pipeline.audit.log import read_records
from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.deliver.deliver import deliver_change
from specpilot.pipeline.run.diff_coverage import (
    DiffCoverage,
    added_python_lines,
    coverage_argv,
    measure_diff_coverage,
)
from specpilot.pipeline.run.drive import run_spec
from specpilot.pipeline.run.record import load_record
from specpilot.pipeline.run.spec import parse_spec
from specpilot.pipeline.testing import tool_reply
from specpilot.pipeline.workspace.sandbox import probe_isolation
from specpilot.pipeline.workspace.test_runner import TestCommand
from tests.pipeline.conftest import StartServer
from tests.pipeline.policy_fixtures import AUDIT_KEY
from tests.pipeline.run_helpers import PYTEST, edit, git, model_for, plan_reply

SUB = "def sub(a, b):\n    return a - b\n"
SIGN = (
    SUB + "\n\ndef sign(x):\n    # the positive case first\n    if x > 0:\n        return 1\n"
    "    if x < 0:\n        return -1\n"
)
TEST_SUB = "def test_sub():\n    assert sub(5, 3) == 2\n"
TEST_SIGN = (
    TEST_SUB + "\n\ndef test_sign():\n    from calc.ops import sign\n\n    assert sign(5) == 1\n"
)
# calc/ops.py after the change: sign at 12, the comment 13, 14-15 run, 16-17 do not
NOT_RUN = (16, 17)
PYTEST_CMD = TestCommand(PYTEST, "pytest", "config")


def _apply(repo: Path) -> str:
    """Write the change into ``repo``'s work tree; return its diff against HEAD."""
    ops, tests = repo / "calc/ops.py", repo / "tests/test_ops.py"
    ops.write_text(ops.read_text().replace(SUB, SIGN))
    tests.write_text(tests.read_text().replace(TEST_SUB, TEST_SIGN))
    return git(repo, "diff", "HEAD")


def test_the_added_lines_are_those_of_python_source_files(demo_repo: Path) -> None:
    diff = _apply(demo_repo)
    assert added_python_lines(diff) == {"calc/ops.py": set(range(10, 18))}  # not the test file


def test_five_added_statements_three_run_by_the_tests(
    demo_repo: Path, config: PipelineConfig
) -> None:
    diff = _apply(demo_repo)

    found = measure_diff_coverage(demo_repo, PYTEST_CMD, diff, config=config)

    assert found.model_dump(exclude={"uncovered"}) == {
        "measured": True, "added_lines": 5, "covered": 3, "percent": 60.0, "reason": None,
    }  # fmt: skip
    assert found.uncovered == {"calc/ops.py": NOT_RUN}
    assert found.summary().startswith("3 of 5 added Python lines executed by the tests (60.0 %)")
    # coverage's data and report stayed in the private temp dir: nothing new in the repo
    assert git(demo_repo, "status", "--porcelain", "--untracked-files=all").split() == [
        "M", "calc/ops.py", "M", "tests/test_ops.py",
    ]  # fmt: skip


def test_a_file_no_test_imports_counts_as_not_run(demo_repo: Path, config: PipelineConfig) -> None:
    (demo_repo / "calc/extra.py").write_text("def triple(x):\n    return 3 * x\n")
    git(demo_repo, "add", "calc/extra.py")
    diff = git(demo_repo, "diff", "--cached")

    found = measure_diff_coverage(demo_repo, PYTEST_CMD, diff, config=config)

    assert (found.added_lines, found.covered, found.percent) == (2, 0, 0.0)
    assert found.uncovered == {"calc/extra.py": (1, 2)}


@pytest.mark.skipif(not probe_isolation().filesystem, reason="needs the file-system sandbox")
def test_the_run_under_coverage_is_sandboxed_like_the_tests(
    demo_repo: Path, config: PipelineConfig, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    probe = (
        "\n\ndef test_escape():\n    from pathlib import Path\n\n"
        f"    try:\n        Path({str(outside / 'pwned')!r}).write_text('x')\n"
        "    except OSError:\n        pass\n"
    )
    tests = demo_repo / "tests/test_ops.py"
    tests.write_text(tests.read_text() + probe)
    diff = _apply(demo_repo)

    found = measure_diff_coverage(demo_repo, PYTEST_CMD, diff, config=config)

    assert found.measured and found.covered == 3
    assert not (outside / "pwned").exists()  # the host's /tmp was not writable from the run


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        (TestCommand("make test", "custom", "config"), "the test command is not pytest"),
        (TestCommand("cd x && pytest -q", "pytest", "config"), "not a plain pytest command"),
        (TestCommand("FOO=1 pytest -q", "pytest", "config"), "not a plain pytest command"),
    ],
)
def test_a_test_command_other_than_plain_pytest_is_not_measured(
    demo_repo: Path, config: PipelineConfig, command: TestCommand, reason: str
) -> None:
    found = measure_diff_coverage(demo_repo, command, _apply(demo_repo), config=config)
    assert found.measured is False and reason in (found.reason or "")


def test_plain_pytest_commands_keep_their_interpreter_and_arguments(demo_repo: Path) -> None:
    cmd = TestCommand("/opt/py/bin/python3.12 -m pytest -q tests", "pytest", "spec")
    assert coverage_argv(cmd, demo_repo) == ("/opt/py/bin/python3.12", ["-q", "tests"])
    bare = coverage_argv(TestCommand("pytest -x", "pytest", "detected"), demo_repo)
    assert bare == (sys.executable, ["-x"])  # no .venv in the repo: specpilot's interpreter


def test_a_change_without_python_source_is_not_measured(
    demo_repo: Path, config: PipelineConfig
) -> None:
    (demo_repo / "README.md").write_text("# calc\n\nMore words.\n")
    tests = demo_repo / "tests/test_ops.py"
    tests.write_text(tests.read_text() + "\n\ndef test_more():\n    assert True\n")
    found = measure_diff_coverage(demo_repo, PYTEST_CMD, git(demo_repo, "diff"), config=config)
    assert found == DiffCoverage.not_measured(
        "the change adds no Python source lines (diff coverage is measured for Python only)"
    )


def test_coverage_missing_from_the_projects_interpreter_is_said(
    demo_repo: Path, config: PipelineConfig
) -> None:
    # the project's own virtualenv (found as the tests' interpreter) has no coverage.py
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(demo_repo / ".venv")], check=True
    )
    command = TestCommand("pytest -q", "pytest", "detected")

    found = measure_diff_coverage(demo_repo, command, _apply(demo_repo), config=config)

    assert found.measured is False
    assert "coverage.py is not installed in the project's environment" in (found.reason or "")
    assert str(demo_repo / ".venv/bin/python") in (found.reason or "")


def test_the_switch_turns_it_off(demo_repo: Path, config: PipelineConfig) -> None:
    off = replace(config, diff_coverage=False)
    found = measure_diff_coverage(demo_repo, PYTEST_CMD, _apply(demo_repo), config=off)
    assert found == DiffCoverage.not_measured("pipeline.diff_coverage is off")


SPEC = parse_spec(
    "---\ntitle: Add a sign helper\nacceptance:\n  - sign(5) == 1\n---\n"
    "Add `sign` next to `sub` in calc/ops.py.\n",
    source="specs/add-sign.md",
)


def _sign_script() -> list:
    return [
        plan_reply(),
        tool_reply(edit("calc/ops.py", SUB, SIGN), edit("tests/test_ops.py", TEST_SUB, TEST_SIGN)),
        tool_reply(("finish", {"summary": "Added sign and its test."})),
    ]


@pytest.mark.timeout(120)
def test_a_green_run_records_its_diff_coverage_and_reports_it(
    demo_repo: Path, config: PipelineConfig, scripted_server: StartServer, tmp_path: Path
) -> None:
    server = scripted_server(_sign_script())
    record = run_spec(
        SPEC, repo=demo_repo, mode="pr", config=config, model=model_for(server, config), index=None
    )

    assert record.status == "green", record.stop_reason
    cov = record.diff_coverage
    assert cov is not None and (cov.measured, cov.added_lines, cov.covered) == (True, 5, 3)
    assert cov.percent == 60.0 and cov.uncovered == {"calc/ops.py": NOT_RUN}
    run_dir = Path(record.run_dir)
    assert load_record(run_dir).diff_coverage == cov
    report = (run_dir / "report.md").read_text()
    assert "## Diff coverage" in report and "3 of 5 added Python lines" in report
    assert "`calc/ops.py` 16, 17" in report
    # the commit holds only the change: coverage left nothing in the worktree
    shown = git(demo_repo, "show", "--name-only", "--format=", record.commit or "")
    assert shown.split() == ["calc/ops.py", "tests/test_ops.py"]
    assert len(record.test_reports) == 1  # the coverage run is not a verification run
    # delivered: the audit log carries it too (where the KPI report reads it)
    log = tmp_path / "audit.jsonl"
    deliver_change(record, SPEC, config=config, audit_log=log, audit_key=AUDIT_KEY, actor="t")
    (entry,) = read_records(log)
    assert entry.tests is not None and entry.tests["diff_coverage"]["covered"] == 3


@pytest.mark.timeout(120)
def test_a_run_with_the_switch_off_records_it_and_runs_no_coverage(
    demo_repo: Path, config: PipelineConfig, scripted_server: StartServer
) -> None:
    off = replace(config, diff_coverage=False)
    server = scripted_server(_sign_script())
    record = run_spec(
        SPEC, repo=demo_repo, mode="pr", config=off, model=model_for(server, off), index=None
    )
    assert record.status == "green"
    assert record.diff_coverage == DiffCoverage.not_measured("pipeline.diff_coverage is off")
    assert (
        "not measured: pipeline.diff_coverage is off"
        in Path(record.run_dir, "report.md").read_text()
    )
