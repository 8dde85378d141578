"""CLI: ``specpilot test`` — the repository's tests, run exactly as the pipeline's test stage
runs them for an agent's change, with the isolation that was in force."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from specpilot.flows import render, render_test
from specpilot.flows.app import (
    JsonOpt,
    SetOpt,
    VerboseOpt,
    app,
    repo_dir,
    run_guarded,
    settings_for,
    setup,
)
from specpilot.flows.cli_pipeline import ModeOpt, RepoOpt, check_mode, read_spec
from specpilot.pipeline import PipelineError, SandboxError, SpecError, WorktreeError

if TYPE_CHECKING:
    from specpilot.pipeline import TestCheck

SpecOpt = Annotated[
    Path | None,
    typer.Option("--spec", help="Take the test command (and base) from this spec, as a run would."),
]


@app.command("test")
def test(
    repo: RepoOpt = Path("."),
    spec: SpecOpt = None,
    mode: ModeOpt = "suggest",
    json_out: JsonOpt = False,
    set_: SetOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Run the repository's tests exactly as specpilot runs them for an agent's change.

    The tests run at HEAD in a temporary worktree, in the same sandbox, with the same command
    (spec, config or detected); the report says which protections were in force. Exit code 0:
    the tests pass; 1: they fail (or could not run in the sandbox the mode needs); 2: bad input.
    """
    setup(verbose)
    run_mode = check_mode(mode)
    from specpilot.flows.pipeline_settings import pipeline_config
    from specpilot.pipeline import check_tests, parse_spec

    parsed = read_spec(spec)[0] if spec is not None else parse_spec("# specpilot test\n")
    root = repo_dir(repo)
    settings = settings_for(root, set_)
    config = run_guarded(lambda: pipeline_config(settings, root))
    with tempfile.TemporaryDirectory(prefix="specpilot-test-reports-") as artifacts:
        check = run_guarded(
            lambda: check_tests(
                root, spec=parsed, config=config, mode=run_mode, artifacts_dir=Path(artifacts)
            ),
            usage=(SpecError, WorktreeError),
            failures=(SandboxError, PipelineError),
        )
    data = check_json(check, run_mode)
    if json_out:
        render.print_json(data)
    else:
        render_test.test_check(data)
    if not check.report.passed:
        raise typer.Exit(1)


def check_json(check: TestCheck, mode: str) -> dict[str, Any]:
    """The ``--json`` document: counts, failures and the isolation first, details after."""
    r = check.report
    isolation = r.isolation.model_dump(mode="json") if r.isolation else None
    return {
        "passed": r.passed,
        "total": r.tests or 0,
        "failed": r.failures or 0,
        "errors": r.errors or 0,
        "skipped": r.skipped or 0,
        "counted": r.tests is not None,  # False: no JUnit XML, judged by the exit code
        "failures": [
            {"name": c.name, "kind": c.kind, "message": c.message} for c in r.failed_cases
        ],
        "isolation": isolation,
        "command": r.command,
        "source": r.source,
        "returncode": r.returncode,
        "timed_out": r.timed_out,
        "output_killed": r.output_killed,
        "duration_s": r.duration_s,
        "sandbox_note": r.sandbox_note,
        "mode": mode,
        "repo": str(check.repo),
        "commit": check.commit,
        "dirty": check.dirty,
        "output": r.output,
    }
