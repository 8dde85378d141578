"""CLI: ``specpilot deps check`` and ``deps update`` — dependency updates as Renovate and
Dependabot do them, with the agent adapting the code when a new version breaks the tests.

``check`` reads the manifests, asks the package index for the latest versions and the OSV
advisory source for known vulnerabilities (URLs: the ``deps.*`` config keys). ``update`` turns
each needed bump into a spec and runs it through the same path as ``specpilot run`` (one
``SpecRequest`` → ``run_request`` per bump); the policy tiers each change as it tiers any.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from specpilot.flows import render, render_deps
from specpilot.flows.app import (
    DbOpt,
    JsonOpt,
    SetOpt,
    VerboseOpt,
    app,
    db_for,
    fail,
    repo_dir,
    run_guarded,
    settings_for,
    setup,
)
from specpilot.flows.cli_pipeline import ModeOpt, RepoOpt, check_mode
from specpilot.pipeline import (
    AuditKeyError,
    DepsError,
    NoModelError,
    PipelineError,
    PolicyError,
    SpecError,
)

if TYPE_CHECKING:
    from specpilot.flows.settings import Settings
    from specpilot.pipeline import DepsReport

deps_app = typer.Typer(
    no_args_is_help=True,
    help="Dependency updates: check manifests against the package index and OSV; bump them.",
)
app.add_typer(deps_app, name="deps")

OnlyVulnerableOpt = Annotated[
    bool,
    typer.Option(
        "--only-vulnerable", help="Only bump dependencies with known vulnerabilities (to the "
        "lowest version that fixes them)."
    ),
]  # fmt: skip


def _check(root: Path, settings: Settings) -> DepsReport:
    from specpilot.flows.pipeline_settings import deps_config
    from specpilot.pipeline import check_repo

    config = run_guarded(lambda: deps_config(settings))
    return run_guarded(lambda: check_repo(root, config), failures=(DepsError,))


@deps_app.command("check")
def check(
    repo: RepoOpt = Path("."),
    json_out: JsonOpt = False,
    set_: SetOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Each dependency the manifests declare: current, latest, known vulnerabilities.

    Manifests: requirements*.txt, pyproject.toml, package.json, go.mod, Cargo.toml. Exit code
    0 when nothing is vulnerable, 1 when a dependency in use has a known vulnerability (or the
    advisory source failed), 2 on bad input.
    """
    setup(verbose)
    root = repo_dir(repo)
    settings = settings_for(root, set_)
    report = _check(root, settings)
    data = report.to_dict() | {
        "bumps": [_bump_dict(s, t) for s, t in report.bumps()],
        "vulnerable": sum(1 for d in report.deps if d.advisories),
    }
    if json_out:
        render.print_json(data)
    else:
        render_deps.check(data)
    if data["vulnerable"]:
        raise typer.Exit(1)


@deps_app.command("update")
def update(
    repo: RepoOpt = Path("."),
    mode: ModeOpt = "suggest",
    only_vulnerable: OnlyVulnerableOpt = False,
    db: DbOpt = None,
    json_out: JsonOpt = False,
    set_: SetOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Bump outdated (or only vulnerable) dependencies: one spec run per bump.

    The agent edits the manifest, runs the tests and adapts the code when they fail; a pure
    bump with green tests is tier 1 (merged in --mode auto), one that needed code changes
    tier 2 (a PR). Exit code 0 when every run ended as the policy says, 1 when one stopped
    or failed, 2 on bad input.
    """
    setup(verbose)
    run_mode = check_mode(mode)
    root = repo_dir(repo)
    settings = settings_for(root, set_)
    from specpilot.flows.spec_run import (
        MODEL_NEEDED,
        SpecRequest,
        default_actor,
        ensure_index,
        has_model,
        run_request,
    )
    from specpilot.pipeline import WorktreeError, bump_spec, repo_root

    top = run_guarded(lambda: repo_root(root), usage=(WorktreeError,))
    if run_mode != "suggest" and not run_guarded(lambda: has_model(settings, top, os.environ)):
        fail(MODEL_NEEDED.format(mode=run_mode))
    report = _check(top, settings)
    bumps = report.bumps(only_vulnerable=only_vulnerable)
    results: list[dict[str, Any]] = []
    index_db = db_for(settings, top, db)
    if bumps:
        with render.progress_bars(enabled=sys.stderr.isatty()) as progress:
            run_guarded(lambda: ensure_index(top, index_db, settings, progress=progress))
    for status, target in bumps:
        spec, text = bump_spec(status, target)
        request = SpecRequest(
            spec=spec,
            spec_text=text,
            repo=top,
            mode=run_mode,
            settings=settings,
            db=index_db,
            actor=default_actor(os.environ),
            trigger="deps",
        )
        delivery = run_guarded(
            lambda request=request: run_request(request),  # type: ignore[misc]
            usage=(SpecError, NoModelError, PolicyError, AuditKeyError),
            failures=(PipelineError,),
        )
        decision = delivery.decision
        results.append(
            _bump_dict(status, target)
            | {
                "title": spec.title,
                "ok": delivery.ok,
                "outcome": delivery.outcome,
                "tier": decision.tier if decision is not None else None,
                "message": delivery.message,
                "run_id": delivery.run_id,
                "run_dir": delivery.run_dir,
                "pr_url": delivery.deploy.pr_url if delivery.deploy is not None else None,
            }
        )
    data = {"repo": str(top), "mode": run_mode, "only_vulnerable": only_vulnerable,
            "checked": len(report.deps), "bumps": results}  # fmt: skip
    if json_out:
        render.print_json(data)
    else:
        render_deps.update(data)
    if not all(r["ok"] for r in results):
        raise typer.Exit(1)


def _bump_dict(status: Any, target: str) -> dict[str, Any]:
    return {
        "package": status.dep.name,
        "ecosystem": status.dep.ecosystem,
        "path": status.dep.path,
        "from": status.current,
        "to": target,
        "advisories": [a.id for a in status.advisories],
    }
