"""CLI: `specpilot conventions` (the measured profile) and `specpilot conventions check`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from specpilot.flows import render
from specpilot.flows.app import (
    DbOpt,
    JsonOpt,
    SetOpt,
    VerboseOpt,
    app,
    db_for,
    fail,
    read_input,
    repo_dir,
    run_guarded,
    settings_for,
    setup,
)
from specpilot.flows.settings import Settings

conventions_app = typer.Typer(
    help="The repository's coding conventions, measured from its code.",
    no_args_is_help=False,
)
app.add_typer(conventions_app, name="conventions")

RepoOpt = Annotated[Path, typer.Option("--repo", help="Repository directory.")]


def _profile(root: Path, settings: Settings, db: str | None) -> Any:
    """The stored profile; measured on the spot (and said so) when the repo is not indexed."""
    from specpilot.conventions import load_profile, profile_for_repo
    from specpilot.indexer import IndexStore

    uri = db_for(settings, root, db)
    if not IndexStore.exists(uri):
        render.err_console().print(
            f"note: {root} is not indexed; conventions measured now, not stored "
            f"(`specpilot index {root}` stores them and keeps them up to date).",
            markup=False,
        )
        return profile_for_repo(root, settings.conventions, walk=settings.index.walk)
    profile = load_profile(IndexStore.open(uri, repo_hint=str(root)))
    if profile is None:
        fail(f"the index at {uri} has no conventions yet; run `specpilot index {root}`.")
    return profile


@conventions_app.callback(invoke_without_command=True)
def conventions(
    ctx: typer.Context,
    repo: RepoOpt = Path("."),
    db: DbOpt = None,
    json_out: JsonOpt = False,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Every measured convention as Markdown tables.")
    ] = False,
    budget: Annotated[
        int | None, typer.Option("--budget", min=1, help="Token budget of the house rules.")
    ] = None,
    set_: SetOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Show the house rules (strong conventions), every convention (--markdown) or JSON."""
    if ctx.invoked_subcommand is not None:
        return
    setup(verbose)
    root = repo_dir(repo)
    settings = settings_for(root, set_)
    from specpilot.conventions import (
        ConventionsError,
        render_house_rules,
        render_json,
        render_markdown,
    )

    profile = run_guarded(lambda: _profile(root, settings, db), failures=(ConventionsError,))
    if json_out:
        typer.echo(render_json(profile))
    elif markdown:
        typer.echo(render_markdown(profile))
    else:
        tokens = budget or settings.conventions.house_rules_tokens
        text = render_house_rules(profile, tokens, config=settings.conventions)
        typer.echo(text or "No convention has strong enough evidence yet.")


@conventions_app.command("check")
def check(
    diff: Annotated[Path, typer.Option("--diff", help="A unified diff (git diff output).")],
    repo: RepoOpt = Path("."),
    db: DbOpt = None,
    json_out: JsonOpt = False,
    set_: SetOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """What the lines a diff adds break of the repo's conventions (exit 1 when anything)."""
    setup(verbose)
    root = repo_dir(repo)
    settings = settings_for(root, set_)
    diff_text = read_input(diff, "--diff", "a file holding a unified diff (git diff output)")
    from specpilot.conventions import ConventionsError, DiffParseError, check_diff_report

    def go() -> Any:
        return check_diff_report(_profile(root, settings, db), diff_text, root)

    report = run_guarded(go, usage=(DiffParseError,), failures=(ConventionsError,))
    violations = [v.to_dict() for v in report.violations]
    if json_out:
        render.print_json(
            {
                "violations": violations,
                "files_checked": report.files_checked,
                "skipped": report.skipped,
                "notes": list(report.notes),
            }
        )
    else:
        render.violations_table(violations, report.files_checked)
    if violations:
        raise typer.Exit(1)
