"""The test stage: pick the repo's test command, run it in the sandbox, report.

The command comes from the spec, else the config, else detection (pytest, npm test, go test,
cargo test). A detected pytest runs with the project's own interpreter — a ``.venv``/``venv``
in the work tree, or in the checkout the worktree was made from (an untracked virtualenv is
not in a worktree) — and with specpilot's only when the project has none. pytest runs write
JUnit XML into a folder of their own (copied into the artifacts folder, which the tests cannot
write), parsed into the ``TestReport``, and get a faulthandler timeout below the time limit
(a hung test leaves its stack); other runners are judged by exit code. Output is trimmed
around failures. The report's ``isolation`` says what the sandbox had in force.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shlex
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.core.errors import SandboxError
from specpilot.pipeline.workspace.sandbox import (
    Isolation,
    SandboxLimits,
    SandboxResult,
    probe_isolation,
    run_command,
)
from specpilot.pipeline.workspace.test_isolation import (
    IsolationChoice,
    choose_isolation,
    hidden_program,
    read_junit,
    sandbox_paths,
)
from specpilot.pipeline.workspace.worktree import main_checkout

log = logging.getLogger(__name__)

TestKind = Literal["pytest", "npm", "go", "cargo", "custom"]
_INTERESTING = re.compile(
    r"(FAILED|FAIL\b|ERROR|Error|Traceback|assert|panicked|✕|failed|error\[|^E\s|^Timeout \()"
)


@dataclass(frozen=True, slots=True)
class TestCommand:
    __test__ = False  # not a pytest class

    command: str
    kind: TestKind
    source: Literal["spec", "config", "detected"]


class TestCaseFailure(BaseModel):
    __test__ = False
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str  # classname::name
    kind: Literal["failure", "error"]
    message: str
    details: str  # trimmed traceback / output


class TestReport(BaseModel):
    __test__ = False
    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    command: str
    kind: TestKind
    source: Literal["spec", "config", "detected"]
    passed: bool
    returncode: int | None
    timed_out: bool
    output_killed: bool = False  # killed for passing sandbox_kill_output_bytes of output
    duration_s: float
    tests: int | None = None  # counts from JUnit; None when not parsed
    failures: int | None = None
    errors: int | None = None
    skipped: int | None = None
    failed_cases: tuple[TestCaseFailure, ...] = ()
    output: str  # trimmed around failures
    network_isolated: bool
    sandbox_note: str
    filesystem_isolated: bool = False  # the file-system sandbox (bubblewrap)
    isolation: Isolation | None = None  # what was in force; None in records made before it
    junit_path: str | None = None


_VENV_DIRS = (".venv", "venv", "env")


def project_python(root: Path) -> str:
    """The project's own Python: a virtualenv in ``root`` or in its main checkout, else ours."""
    bases = [root]
    main = main_checkout(root)
    if main is not None and main != root:
        bases.append(main)
    for base in bases:
        for venv in _VENV_DIRS:
            python = base / venv / "bin" / "python"
            if python.is_file() and os.access(python, os.X_OK):
                return str(python)
    return sys.executable


def detect_test_command(root: Path) -> TestCommand | None:
    """Guess the test command from the files at the root of ``root``."""
    python = shlex.quote(project_python(root))
    if any((root / f).exists() for f in ("pytest.ini", "conftest.py", "tox.ini")) or (
        (root / "pyproject.toml").exists() or (root / "setup.cfg").exists()
    ):
        return TestCommand(f"{python} -m pytest -q", "pytest", "detected")
    package = root / "package.json"
    if package.exists():
        try:
            scripts = json.loads(package.read_text(encoding="utf-8")).get("scripts", {})
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError) as exc:
            log.warning("cannot read %s to detect a test script: %s", package, exc)
            scripts = {}
        if isinstance(scripts, dict) and "test" in scripts:
            return TestCommand("npm test", "npm", "detected")
    if (root / "go.mod").exists():
        return TestCommand("go test ./...", "go", "detected")
    if (root / "Cargo.toml").exists():
        return TestCommand("cargo test", "cargo", "detected")
    if any(root.glob("tests/test_*.py")) or any(root.glob("test_*.py")):
        return TestCommand(f"{python} -m pytest -q", "pytest", "detected")
    return None


def resolve_test_command(
    root: Path, spec_command: str | None, config: PipelineConfig
) -> TestCommand | None:
    """The spec's ``test_command``, else the config's, else the one detected in ``root``."""
    if spec_command:
        return TestCommand(spec_command, _kind_of(spec_command), "spec")
    if config.test_command:
        return TestCommand(config.test_command, _kind_of(config.test_command), "config")
    return detect_test_command(root)


def _kind_of(command: str) -> TestKind:
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    if any(Path(w).name in ("pytest", "py.test") for w in words):
        return "pytest"
    if words[:2] in (["npm", "test"], ["npm", "run"]):
        return "npm"
    if words[:2] == ["go", "test"]:
        return "go"
    if words[:2] == ["cargo", "test"]:
        return "cargo"
    return "custom"


def run_tests(
    root: Path,
    command: TestCommand,
    *,
    config: PipelineConfig,
    artifacts_dir: Path,
    require_filesystem: bool = False,
) -> TestReport:
    """Run ``command`` in ``root`` in the sandbox; JUnit XML and the report go to
    ``artifacts_dir`` (outside the worktree, never writable by the tests).

    ``require_filesystem`` (suggest mode): refuse with SandboxError, before anything runs,
    when there is no file-system sandbox; ``config.require_sandbox`` likewise for any gap.
    """
    choice = test_isolation(config, root, require_filesystem=require_filesystem)
    artifacts_dir.mkdir(parents=True, exist_ok=True)
    n = len(list(artifacts_dir.glob("report-*.json"))) + 1
    python = project_python(root)
    hidden, readonly = sandbox_paths(root, python, config)
    with tempfile.TemporaryDirectory(prefix="specpilot-junit-") as out_dir:
        junit_tmp = Path(out_dir) / "junit.xml"
        result = run_sandboxed(
            _shell(command, junit_tmp, config),
            root,
            choice,
            config=config,
            python=python,
            writable=Path(out_dir),
        )
        missing = hidden_program(command.command, hidden, readonly) if choice.filesystem else ""
        if missing:
            log.warning("%s", missing)
        parts = (result.note if choice.network else "", choice.note, missing)
        note = "; ".join(x for x in parts if x)
        try:
            xml = read_junit(junit_tmp, config.sandbox_kill_output_bytes)
        except SandboxError as exc:
            log.warning("%s", exc)
            xml, note = None, f"{note}; {exc}"
    junit: Path | None = None
    counts: tuple[int, int, int, int] | None = None
    cases: tuple[TestCaseFailure, ...] = ()
    if xml is not None:
        junit = artifacts_dir / f"junit-{n}.xml"
        junit.write_text(xml, encoding="utf-8")
        try:
            counts, cases = parse_junit(xml, config.test_output_chars)
        except ET.ParseError as exc:
            log.warning("cannot parse JUnit XML %s: %s", junit, exc)
            note += f"; the JUnit XML could not be parsed ({exc})"
    passed = result.returncode == 0 and not result.timed_out and not result.output_killed
    if counts is not None and (counts[1] or counts[2]):
        passed = False
    report = TestReport(
        command=command.command,
        kind=command.kind,
        source=command.source,
        passed=passed,
        returncode=result.returncode,
        timed_out=result.timed_out,
        output_killed=result.output_killed,
        duration_s=round(result.duration_s, 3),
        tests=counts[0] if counts else None,
        failures=counts[1] if counts else None,
        errors=counts[2] if counts else None,
        skipped=counts[3] if counts else None,
        failed_cases=cases,
        output=trim_output(result.output, config.test_output_chars),
        network_isolated=result.network_isolated,
        filesystem_isolated=result.filesystem_isolated,
        isolation=result.isolation,
        sandbox_note=note,
        junit_path=str(junit) if junit else None,
    )
    (artifacts_dir / f"report-{n}.json").write_text(report.model_dump_json(indent=2) + "\n")
    return report


def test_isolation(
    config: PipelineConfig, root: Path, *, require_filesystem: bool = False
) -> IsolationChoice:
    """The isolation a test run in ``root`` gets (SandboxError: it may not run at all)."""
    status = probe_isolation() if config.sandbox else None
    choice = choose_isolation(config, status, require_filesystem=require_filesystem)
    if choice.note and config.sandbox:
        log.warning("tests in %s: %s", root, choice.note)
    return choice


def run_sandboxed(
    shell: str,
    root: Path,
    choice: IsolationChoice,
    *,
    config: PipelineConfig,
    python: str,
    writable: Path,
) -> SandboxResult:
    """``shell`` in ``root`` as the test stage runs its tests: ``choice``'s isolation, the
    hidden and read-only paths for ``python``, the output and tmp limits, the time limit;
    ``writable`` (a private temp dir) is the one place besides ``root`` it may write.
    Written once: the verification run and the diff-coverage run (``run.diff_coverage``)."""
    hidden, readonly = sandbox_paths(root, python, config)
    limits = SandboxLimits(
        keep_output_bytes=config.sandbox_output_bytes,
        kill_output_bytes=config.sandbox_kill_output_bytes,
        tmp_bytes=config.sandbox_tmp_bytes,
    )
    return run_command(
        shell, cwd=root, timeout_s=config.test_timeout_s,
        isolate_network=choice.network, isolate_filesystem=choice.filesystem,
        writable=(writable,), readonly=readonly, hidden=hidden,
        env_passthrough=config.sandbox_env_passthrough, limits=limits,
    )  # fmt: skip


def _shell(command: TestCommand, junit: Path, config: PipelineConfig) -> str:
    """The command as run: pytest also writes JUnit XML, keeps no cache, and dumps every
    thread's stack when one test runs for most of the time limit (a hang leaves a trace)."""
    if command.kind != "pytest":
        return command.command
    t = config.test_timeout_s
    faulthandler_s = max(t / 2, t - 60)
    return (
        f"{command.command} --junitxml={shlex.quote(str(junit))} -p no:cacheprovider "
        f"-o faulthandler_timeout={faulthandler_s:g}"
    )


def parse_junit(
    xml_text: str, max_chars: int = 4000
) -> tuple[tuple[int, int, int, int], tuple[TestCaseFailure, ...]]:
    """(tests, failures, errors, skipped) and the failing cases from JUnit XML."""
    root = ET.fromstring(xml_text)
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    totals = [0, 0, 0, 0]
    for suite in suites:
        for i, key in enumerate(("tests", "failures", "errors", "skipped")):
            totals[i] += int(suite.get(key, "0") or 0)
    cases: list[TestCaseFailure] = []
    per_case = max(400, max_chars // 4)
    for case in root.iter("testcase"):
        for kind in ("failure", "error"):
            node = case.find(kind)
            if node is None:
                continue
            name = "::".join(p for p in (case.get("classname", ""), case.get("name", "")) if p)
            cases.append(
                TestCaseFailure(
                    name=name,
                    kind=kind,
                    message=(node.get("message") or "")[:500],
                    details=trim_output(node.text or "", per_case),
                )
            )
    return (totals[0], totals[1], totals[2], totals[3]), tuple(cases)


def trim_output(text: str, max_chars: int, *, context_lines: int = 6, tail_lines: int = 25) -> str:
    """Keep lines around failures and the tail (the summary); mark what was cut."""
    if len(text) <= max_chars:
        return text
    lines = text.splitlines()
    keep: set[int] = set(range(max(0, len(lines) - tail_lines), len(lines)))
    for i, line in enumerate(lines):
        if _INTERESTING.search(line):
            keep.update(range(max(0, i - context_lines), min(len(lines), i + context_lines + 1)))
    out: list[str] = []
    last = -1
    for i in sorted(keep):
        if i != last + 1:
            out.append(f"[... {i - last - 1} lines omitted ...]")
        out.append(lines[i])
        last = i
    trimmed = "\n".join(out)
    if len(trimmed) > max_chars:
        trimmed = "[... output cut ...]\n" + trimmed[-(max_chars - 21) :]
    return trimmed


def format_for_model(report: TestReport) -> str:
    """A compact, trimmed account of a test run for the model."""
    if report.passed:
        head = f"Tests PASSED: `{report.command}`"
    elif report.timed_out:
        head = f"Tests TIMED OUT (killed) running `{report.command}`"
    elif report.output_killed:
        head = f"Tests KILLED: `{report.command}` wrote more output than the limit"
    else:
        head = f"Tests FAILED (exit code {report.returncode}): `{report.command}`"
    parts = [head]
    if report.tests is not None:
        parts.append(
            f"{report.tests} tests, {report.failures} failures, {report.errors} errors, "
            f"{report.skipped} skipped."
        )
    for case in report.failed_cases:
        parts.append(f"--- {case.kind}: {case.name}\n{case.message}\n{case.details}".rstrip())
    if not report.passed:
        parts.append("--- output (trimmed)\n" + report.output.rstrip())
    return "\n".join(parts)


def failure_line(report: TestReport) -> str:
    """One line on why a test run did not pass."""
    if report.timed_out:
        return f"`{report.command}` was killed at the time limit"
    if report.output_killed:
        return f"`{report.command}` was killed for writing too much output"
    names = ", ".join(c.name for c in report.failed_cases[:5])
    return f"`{report.command}` exited {report.returncode}" + (f" ({names})" if names else "")


def isolation_warning(config: PipelineConfig, report: TestReport) -> str | None:
    """What the run should warn about when the tests ran with less isolation than asked."""
    if config.sandbox and not report.network_isolated:
        return f"The tests were not isolated from the network: {report.sandbox_note}."
    if config.sandbox and not report.filesystem_isolated:
        return f"The tests ran without a file-system sandbox: {report.sandbox_note}."
    return None
