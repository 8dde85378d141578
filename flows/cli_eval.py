"""CLI: ``specpilot eval`` — measure the configured model on the repository's own commits."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from specpilot.flows import render
from specpilot.flows.app import (
    JsonOpt,
    SetOpt,
    VerboseOpt,
    app,
    fail,
    repo_dir,
    run_guarded,
    settings_for,
    setup,
)
from specpilot.pipeline import PipelineError, PolicyError, WorktreeError

if TYPE_CHECKING:
    from specpilot.pipeline import EvalReport, RunMode

EVAL_MODES = ("pr", "auto")


@app.command("eval")
def eval_command(
    repo: Annotated[
        Path, typer.Option("--repo", help="The repository whose history to use.")
    ] = Path("."),
    commits: Annotated[
        int | None,
        typer.Option(
            "--commits", help="Use the last N non-merge commits that change code and tests."
        ),
    ] = None,
    commit: Annotated[
        list[str] | None,
        typer.Option("--commit", help="Use this commit (repeatable) instead of --commits."),
    ] = None,
    mode: Annotated[
        str, typer.Option("--mode", help="The run mode of each commit's spec: pr or auto.")
    ] = "pr",
    work: Annotated[
        Path | None,
        typer.Option(
            "--work", help="Keep the clones, branches and checks here (default: a new temp dir)."
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the JSON report to this file.")
    ] = None,
    json_out: JsonOpt = False,
    set_: SetOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Run the repository's own recent commits as specs and judge each by the commit's tests.

    Each commit's message is the spec, its parent the start, and the tests it added or
    changed are held back from the agent and run on its result. Reports per commit: solved,
    heldout_fail (its own tests green, the commit's fail), red, stopped or error; tokens,
    cost, time, repair rounds; and the solve rate. Needs a model. Exit 0: the eval ran (any
    solve rate); 1: a commit ended in error; 2: bad input.
    """
    setup(verbose)
    run_mode: RunMode = "auto" if mode == "auto" else "pr"
    if mode not in EVAL_MODES:
        fail(f"--mode {mode!r}: eval needs a mode that writes code; use one of: pr, auto.")
    shas = list(commit or [])
    if shas and commits is not None:
        fail("give --commits N or --commit SHA (repeatable), not both.")
    if not shas and commits is None:
        fail("give --commits N (the last N commits that change code and tests) or --commit SHA.")
    if commits is not None and commits < 1:
        fail(f"--commits must be at least 1, not {commits}.")
    root = repo_dir(repo)
    from specpilot.flows.eval_run import (
        EVAL_NEEDS_MODEL,
        EvalRequest,
        pick_cases,
        run_eval,
        test_globs,
    )
    from specpilot.flows.spec_run import default_actor, has_model
    from specpilot.pipeline import EvalError, repo_root

    top = run_guarded(lambda: repo_root(root), usage=(WorktreeError,))
    settings = settings_for(top, set_)
    if not run_guarded(lambda: has_model(settings, top, os.environ)):
        fail(EVAL_NEEDS_MODEL)
    globs = run_guarded(lambda: test_globs(top), usage=(PolicyError,))
    cases = run_guarded(
        lambda: pick_cases(top, count=commits, shas=shas, globs=globs),
        usage=(EvalError, WorktreeError),
        failures=(PipelineError,),
    )
    if out is not None and out.is_dir():
        fail(f"--out {out} is a directory; give a file to write the JSON report to.")
    work_dir = work.resolve() if work else Path(tempfile.mkdtemp(prefix="specpilot-eval-"))
    if work_dir.exists() and any(work_dir.iterdir()):
        fail(f"--work {work_dir} is not empty; give a new or empty directory.")
    request = EvalRequest(
        repo=top, cases=tuple(cases), mode=run_mode, overrides=tuple(set_ or ()),
        work=work_dir, actor=default_actor(os.environ),
    )  # fmt: skip

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    report = run_eval(request, environ=os.environ, progress=progress)
    data = report.model_dump(mode="json")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    if json_out:
        render.print_json(data)
    else:
        _print_report(report)
    if report.counts.get("error"):
        raise typer.Exit(1)


def _print_report(report: EvalReport) -> None:
    rows = [f"{'commit':10}  {'outcome':12}  {'tokens in/out':>15}  {'cost':>9}  {'s':>6}  "
            f"{'repairs':>7}  title"]  # fmt: skip
    for c in report.cases:
        cost = "unpriced" if c.cost_usd is None else f"${c.cost_usd:.4f}"
        rows.append(
            f"{c.commit[:10]:10}  {c.outcome:12}  {f'{c.tokens_in}/{c.tokens_out}':>15}  "
            f"{cost:>9}  {c.seconds:>6.0f}  {c.repair_rounds:>7}  {c.title}"
        )
    cost = "unpriced" if report.cost_usd is None else f"${report.cost_usd:.4f}"
    rows.append(
        f"solved {report.solved}/{report.total} = {report.solve_rate:.0%} "
        f"({report.model or 'model'}, mode {report.mode}; {report.tokens_in}/{report.tokens_out} "
        f"tokens, {cost}, {report.seconds:.0f} s); the branches are in {report.work_dir}"
    )
    typer.echo("\n".join(rows))
