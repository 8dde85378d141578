"""Diff coverage: how many of the Python lines a change added or modified its tests execute.

The "test coverage delta" a team reads before trusting agent changes: not the repository's
total, but the change's own lines. Measured in the test stage, once, on a green change:

1. the change's added lines in Python source files, from its diff (``core.diffparse``); test
   files are left out (their lines run whenever they do, and would only inflate the number);
2. the repository's pytest command run again under ``coverage run`` by the same interpreter, in
   the same sandbox as the verification run (``test_runner.run_sandboxed``: the same isolation,
   hidden and read-only paths, limits and time limit). The rcfile is ours, so the repository's
   own coverage config cannot move the data: ``source`` = the changed files' directories
   (files no test imports are reported too), ``include`` = the changed files, relative paths.
   The data file and the JSON report are written into a private temp dir that is the one
   writable place outside the worktree, like the JUnit XML;
3. the JSON report read back (no symlink, size-capped) and intersected with the added lines:
   ``added_lines`` = added lines that are statements (coverage's executable lines: blank
   lines, comments and docstrings are not counted), ``covered`` = those executed.

Not measured (``measured: false`` and a ``reason``): ``pipeline.diff_coverage`` is off; the
change adds no Python source lines (other languages: not measured); the test command is not a
plain pytest command; coverage.py cannot be imported by the project's interpreter; the run
under coverage left no report. A measurement never stops a run.

What it cannot see: code run in subprocesses (coverage is not started in them) and tests run
under xdist. The numbers come from a run the repository's tests take part in: a hostile test
could fake them. They are a measurement, never a gate.
"""

from __future__ import annotations

import json
import logging
import re
import shlex
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ConfigDict

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.core.diffparse import parse_diff
from specpilot.pipeline.core.errors import PipelineError, WorktreeTampered
from specpilot.pipeline.run.acceptance import is_test_file
from specpilot.pipeline.workspace.test_isolation import read_junit
from specpilot.pipeline.workspace.test_runner import (
    TestCommand,
    project_python,
    run_sandboxed,
    test_isolation,
)
from specpilot.pipeline.workspace.worktree import Worktree, check_worktree, diff_against_base

log = logging.getLogger(__name__)

NO_COVERAGE_EXIT = 97  # the sandboxed script's exit when ``import coverage`` fails
REPORT_FILE = "coverage.json"
_PYTHON = re.compile(r"python(\d+(\.\d+)*)?$")
_SHELL_SYNTAX = re.compile(r"[;&|<>`$(){}\n]")
_UNSAFE_PATH = re.compile(r"[\x00-\x1f\x7f]")  # a newline would be a new rcfile line


class DiffCoverage(BaseModel):
    """Coverage of the change's added Python lines (``RunRecord.diff_coverage``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    measured: bool
    added_lines: int | None = None  # added lines that are statements
    covered: int | None = None  # of those, executed by the tests
    percent: float | None = None  # 100 * covered / added_lines, one decimal
    reason: str | None = None  # why it was not measured
    uncovered: Mapping[str, tuple[int, ...]] = {}  # path -> added statement lines not run

    @classmethod
    def not_measured(cls, reason: str) -> DiffCoverage:
        return cls(measured=False, reason=reason)

    def summary(self) -> str:
        """One line for report.md."""
        if not self.measured:
            return f"not measured: {self.reason}"
        line = (
            f"{self.covered} of {self.added_lines} added Python lines executed by the tests "
            f"({self.percent:.1f} %)"
        )
        if self.uncovered:
            where = "; ".join(
                f"`{path}` {', '.join(map(str, lines))}" for path, lines in self.uncovered.items()
            )
            line += f"; not executed: {where}"
        return line


def added_python_lines(diff_text: str) -> dict[str, set[int]]:
    """Path -> the new-file line numbers the diff adds, for Python source (not test) files."""
    out: dict[str, set[int]] = {}
    for f in parse_diff(diff_text).files:
        if f.binary or f.status == "deleted" or not f.path.endswith(".py"):
            continue
        if is_test_file(f.path) or PurePosixPath(f.path).name == "conftest.py":
            continue
        if _UNSAFE_PATH.search(f.path) or f.path.startswith("/") or ".." in f.path.split("/"):
            continue
        lines = {line.number for line in f.added_lines}
        if lines:
            out[f.path] = lines
    return out


def coverage_argv(command: TestCommand, root: Path) -> tuple[str, list[str]] | str:
    """(interpreter, pytest arguments) of a plain pytest command, or why it is not one."""
    if command.kind != "pytest":
        return f"the test command is not pytest (`{command.command}`)"
    try:
        words = shlex.split(command.command)
    except ValueError:
        words = []
    if not words or _SHELL_SYNTAX.search(command.command) or "=" in words[0]:
        return f"the test command is not a plain pytest command (`{command.command}`)"
    program = PurePosixPath(words[0]).name
    if _PYTHON.fullmatch(program) and words[1:3] == ["-m", "pytest"]:
        return words[0], words[3:]
    if program in ("pytest", "py.test"):
        return project_python(root), words[1:]
    return f"the test command is not a plain pytest command (`{command.command}`)"


def measure_worktree(
    worktree: Worktree,
    changed: Sequence[str],
    command: TestCommand,
    *,
    config: PipelineConfig,
    require_filesystem: bool = False,
) -> DiffCoverage:
    """The test stage's call: the diff of ``changed`` against the base, measured in the
    worktree; then the worktree is checked (tests that rewrote its ``.git`` under coverage end
    the run like in the verification run: ``WorktreeTampered`` propagates)."""
    if not config.diff_coverage:
        return DiffCoverage.not_measured("pipeline.diff_coverage is off")
    try:
        diff = diff_against_base(worktree, changed)
    except WorktreeTampered:
        raise
    except PipelineError as exc:
        return DiffCoverage.not_measured(f"the diff could not be computed: {exc}")
    found = measure_diff_coverage(
        worktree.path, command, diff, config=config, require_filesystem=require_filesystem
    )
    check_worktree(worktree)
    log.info("diff coverage: %s", found.summary())
    return found


def measure_diff_coverage(
    root: Path,
    command: TestCommand,
    diff_text: str,
    *,
    config: PipelineConfig,
    require_filesystem: bool = False,
) -> DiffCoverage:
    """Run the tests under coverage in the sandbox and measure the diff (module docstring).
    Errors come back as ``measured: false``; the caller checks the worktree afterwards."""
    if not config.diff_coverage:
        return DiffCoverage.not_measured("pipeline.diff_coverage is off")
    try:
        added = added_python_lines(diff_text)
    except PipelineError as exc:
        return DiffCoverage.not_measured(f"the diff could not be read: {exc}")
    if not added:
        return DiffCoverage.not_measured(
            "the change adds no Python source lines (diff coverage is measured for Python only)"
        )
    argv = coverage_argv(command, root)
    if isinstance(argv, str):
        return DiffCoverage.not_measured(argv)
    python, args = argv
    try:
        choice = test_isolation(config, root, require_filesystem=require_filesystem)
        with tempfile.TemporaryDirectory(prefix="specpilot-coverage-") as tmp:
            out = Path(tmp)
            rcfile = out / "coveragerc"
            rcfile.write_text(_rcfile(out, sorted(added)), encoding="utf-8")
            result = run_sandboxed(
                _script(python, args, rcfile, out / REPORT_FILE), root, choice,
                config=config, python=python, writable=out,
            )  # fmt: skip
            if result.returncode == NO_COVERAGE_EXIT and "specpilot: no coverage" in result.output:
                return DiffCoverage.not_measured(
                    f"coverage.py is not installed in the project's environment ({python}); "
                    "install it there (pip install coverage) to measure diff coverage"
                )
            text = read_junit(
                out / REPORT_FILE, config.sandbox_kill_output_bytes, "The coverage report"
            )
    except (PipelineError, OSError) as exc:
        return DiffCoverage.not_measured(f"the run under coverage failed: {exc}")
    if text is None:
        tail = " ".join(result.output.strip().splitlines()[-2:])[:300]
        return DiffCoverage.not_measured(f"the run under coverage wrote no report ({tail})")
    try:
        return intersect(added, json.loads(text), root)
    except (ValueError, TypeError, KeyError) as exc:
        return DiffCoverage.not_measured(f"the coverage report could not be read: {exc}")


def intersect(added: Mapping[str, set[int]], report: object, root: Path) -> DiffCoverage:
    """The added lines against coverage's JSON report (``files`` -> executed / missing)."""
    if not isinstance(report, dict) or not isinstance(report.get("files"), dict):
        raise ValueError("no 'files' table")
    files: dict[str, dict[str, object]] = {}
    for name, entry in report["files"].items():
        where = Path(name)
        if where.is_absolute() and not where.is_relative_to(root):
            continue  # not a file of this worktree
        rel = where.relative_to(root) if where.is_absolute() else where
        if isinstance(entry, dict):
            files[rel.as_posix()] = entry
    total = covered = 0
    uncovered: dict[str, tuple[int, ...]] = {}
    seen = 0
    for path, lines in sorted(added.items()):
        entry = files.get(path)
        if entry is None:
            continue
        seen += 1
        executed = _line_set(entry.get("executed_lines"))
        statements = executed | _line_set(entry.get("missing_lines"))
        mine = lines & statements
        total += len(mine)
        covered += len(mine & executed)
        if missed := sorted(mine - executed):
            uncovered[path] = tuple(missed)
    if not seen:
        return DiffCoverage.not_measured("coverage reported none of the changed Python files")
    if not total:
        return DiffCoverage.not_measured("the change adds no executable Python lines")
    percent = round(100 * covered / total, 1)
    return DiffCoverage(
        measured=True, added_lines=total, covered=covered, percent=percent, uncovered=uncovered
    )


def _line_set(value: object) -> set[int]:
    if not isinstance(value, list) or not all(isinstance(n, int) for n in value):
        raise ValueError("line numbers must be a list of integers")
    return set(value)


def _rcfile(out: Path, paths: list[str]) -> str:
    """Our coverage config: data and report in ``out``; measure the changed files' dirs."""
    dirs = sorted({(PurePosixPath(p).parent.as_posix() or ".") for p in paths})
    lines = ["[run]", f"data_file = {out / '.coverage'}", "relative_files = true"]
    lines += ["branch = false", "parallel = false", "source ="]
    lines += [f"    {d}" for d in dirs]
    lines += ["[report]", "include ="] + [f"    {p}" for p in paths]
    return "\n".join(lines) + "\n"


def _script(python: str, args: list[str], rcfile: Path, report: Path) -> str:
    """The sandboxed shell script: coverage importable? run the tests under it, write JSON."""
    py, rc = shlex.quote(python), shlex.quote(str(rcfile))
    pytest_args = " ".join(shlex.quote(a) for a in [*args, "-p", "no:cacheprovider"])
    return (
        f"{py} -c 'import coverage' 2>/dev/null || "
        f"{{ echo 'specpilot: no coverage'; exit {NO_COVERAGE_EXIT}; }}\n"
        f"{py} -m coverage run --rcfile={rc} -m pytest {pytest_args}\n"
        f"status=$?\n"
        f"{py} -m coverage json --rcfile={rc} -q -o {shlex.quote(str(report))}\n"
        f"exit $status\n"
    )
