"""CLI: index, search, status."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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

if TYPE_CHECKING:
    from specpilot.flows.settings import Settings
    from specpilot.indexer import IndexInterrupted, IndexSummary


@app.command()
def index(
    path: Annotated[Path, typer.Argument(help="Repository directory to index.")],
    db: DbOpt = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Drop the index and start over.")
    ] = False,
    model: Annotated[
        str | None, typer.Option("--model", help="Embedding model (name, path or 'hash').")
    ] = None,
    json_out: JsonOpt = False,
    set_: SetOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Index a repository (incremental: only what changed is re-parsed and re-embedded)."""
    uri = None  # known once the settings are read; before that nothing was touched
    try:
        setup(verbose)
        repo = repo_dir(path)
        overrides = list(set_ or []) + ([f"index.embed.model={model!r}"] if model else [])
        settings = settings_for(repo, overrides)
        uri = db_for(settings, repo, db)
        summary = _index_now(repo, uri, settings, rebuild=rebuild)
    except KeyboardInterrupt as stop:  # Ctrl-C, wherever it landed: one line on what is kept
        fail(_interrupted_line(_what_is_kept(stop, uri), path), code=130)
    if json_out:
        render.print_json(summary.to_dict())
    else:
        render.index_summary(summary.to_dict())


def _index_now(repo: Path, uri: str, settings: Settings, *, rebuild: bool) -> IndexSummary:
    from specpilot.flows.indexing import ensure_index

    with render.progress_bars(enabled=sys.stderr.isatty()) as progress:
        return run_guarded(
            lambda: ensure_index(repo, uri, settings, rebuild=rebuild, progress=progress)
        )


def _what_is_kept(stop: KeyboardInterrupt, uri: str | None) -> IndexInterrupted:
    """``index_repo`` says what it kept; a Ctrl-C before it began (reading the settings,
    importing the indexer, checking the manifest) leaves the index as the last run left it."""
    from specpilot.indexer import IndexInterrupted, interruption

    if isinstance(stop, IndexInterrupted):
        return stop
    return interruption(uri) if uri else IndexInterrupted(0, 0, state="")


def _interrupted_line(stop: IndexInterrupted, path: Path) -> str:
    again = f"run `specpilot index {path}` again to"
    if not stop.state:
        return f"interrupted before anything was written; {again} index it."
    if stop.state != "complete":  # stopped while files were parsed or written: search warns
        return (
            f"interrupted while parsing or writing files: the index holds {stop.files_kept} "
            f"files but is unfinished (search says so until it is); {again} finish it."
        )
    if stop.vectors_missing:  # lexical first: every file is written and searchable
        from specpilot.indexer import vectors_note

        note = vectors_note(stop.chunks_kept + stop.vectors_missing, stop.vectors_missing)
        return (
            f"interrupted while embedding: all {stop.files_kept} files are indexed and "
            f"searchable, vectors {note}; {again} embed the rest."
        )
    return (
        f"interrupted: the index is complete and searchable ({stop.files_kept} files); "
        f"{again} bring it up to date."
    )


@app.command()
def search(
    query: Annotated[
        str | None,
        typer.Argument(help="What you are looking for (or a file holding it).", show_default=False),
    ] = None,
    repo: Annotated[Path, typer.Option("--repo", help="Repository the index belongs to.")] = Path(
        "."
    ),
    query_file: Annotated[
        Path | None, typer.Option("--query-file", help="Read the query text from this file.")
    ] = None,
    files: Annotated[bool, typer.Option("--files", help="Rank files instead of chunks.")] = False,
    top_k: Annotated[int, typer.Option("--top-k", min=1, help="How many results.")] = 10,
    db: DbOpt = None,
    json_out: JsonOpt = False,
    set_: SetOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Hybrid search (vectors, full text, symbol names, paths) over an index."""
    setup(verbose)
    text = _query_text(query, query_file)
    root = repo_dir(repo)
    settings = settings_for(root, set_)
    from specpilot.retrieval import open_searcher

    def go() -> tuple[list[dict[str, Any]], str | None, str]:
        searcher = open_searcher(
            db_for(settings, root, db),
            settings.index.embed,
            settings.retrieval,
            repo_hint=str(root),
        )
        found = searcher.search_files(text, top_k) if files else searcher.search(text, top_k)
        warning = _index_warning(searcher.store.meta.state, searcher.store.meta.last_commit, root)
        vectors = searcher.vectors
        extra = ({"index_warning": warning} if warning else {}) | (
            {"vectors": vectors} if vectors != "complete" else {}
        )
        return [h.to_dict() | extra for h in found], warning, vectors

    hits, warning, vectors = run_guarded(go)
    if warning:  # an honest answer: say what the index does not know, on stderr (and in --json)
        render.err_console().print(f"warning: {warning}", markup=False, highlight=False)
    if vectors != "complete":  # lexical first: embedding not done (or cut short) yet
        render.err_console().print(
            f"note: vectors {vectors}: ranked by full text, names, paths and the graph; the "
            "vector channel sees only the embedded chunks (`specpilot index` embeds the rest)",
            markup=False,
            highlight=False,
        )
    if json_out:
        render.print_json(hits)
    else:
        render.hits_table(hits, files)


def _index_warning(state: str, indexed_commit: str, root: Path) -> str | None:
    """Why the index may not answer for the repository as it is now, or None."""
    from specpilot.indexer import commits_since, head_commit

    if state != "complete":
        return (
            f"the last index run of {root} did not finish (state {state}): files it had not "
            "reached are missing from the results; run `specpilot index` to complete it"
        )
    head = head_commit(root)
    if head and indexed_commit and head != indexed_commit:
        behind = commits_since(root, indexed_commit)
        ahead = f"{behind} commit(s)" if behind else "commits"
        return (
            f"the index of {root} is {ahead} behind HEAD ({indexed_commit[:12]} vs "
            f"{head[:12]}); run `specpilot index` to refresh it"
        )
    return None


def _query_text(query: str | None, query_file: Path | None) -> str:
    if query_file is not None:
        return read_input(query_file, "--query-file", "a file holding the query text")
    if query is None:
        fail("give a QUERY or --query-file FILE.")
    candidate = Path(query)
    if len(query) < 4096 and "\n" not in query and candidate.is_file():
        return candidate.read_text(encoding="utf-8", errors="replace")
    return query


@app.command()
def status(
    repo: Annotated[Path, typer.Option("--repo", help="Repository directory.")] = Path("."),
    db: DbOpt = None,
    json_out: JsonOpt = False,
    set_: SetOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """What is indexed, at which commit, how stale, and with which embedding model."""
    setup(verbose)
    root = repo_dir(repo)
    settings = settings_for(root, set_)
    from specpilot.indexer import index_status

    st = run_guarded(lambda: index_status(root, db_for(settings, root, db), settings.index.walk))
    if json_out:
        render.print_json(st)
    else:
        render.status_table(st)
