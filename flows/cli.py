"""The `specpilot` command line: parse, build configs, call one function, render."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from flows import render
from flows.errors import ConfigError
from flows.settings import Settings, load_settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="specpilot: make a codebase known to a coding agent; turn a spec into a tested change.",
    pretty_exceptions_enable=False,
)

USAGE_EXIT = 2

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
DbOpt = Annotated[
    str | None, typer.Option("--db", help="Index location (default: under $SPECPILOT_HOME).")
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a config value: section.key=value (repeatable)."),
]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Log details to stderr.")]


def fail(message: str, code: int = USAGE_EXIT) -> NoReturn:
    render.err_console().print(f"[bold red]error:[/] {message}", markup=True, highlight=False)
    raise typer.Exit(code)


def _setup(verbose: bool) -> None:
    os.environ.setdefault("LANCEDB_LOG", "error")
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _repo_dir(path: Path) -> Path:
    if not path.exists():
        fail(f"repository path {path} does not exist; give a directory to index.")
    if not path.is_dir():
        fail(f"repository path {path} is not a directory; give a directory to index.")
    return path.resolve()


def _settings(repo: Path | None, overrides: list[str] | None) -> Settings:
    try:
        return load_settings(repo, overrides)
    except ConfigError as exc:
        fail(str(exc))


def _db_for(settings: Settings, repo: Path, db: str | None) -> str:
    from indexer.store import default_db_path

    return db or settings.db or default_db_path(repo)


def _run(fn: Any) -> Any:
    """Call ``fn`` turning the packages' errors into one-line messages and exit codes."""
    from indexer.errors import (
        EmptyRepoError,
        IndexerError,
        ModelMismatchError,
        NotIndexedError,
        RepoPathError,
    )
    from retrieval.errors import QueryError, RetrievalError

    usage = (RepoPathError, EmptyRepoError, NotIndexedError, ModelMismatchError, QueryError)
    try:
        return fn()
    except usage as exc:
        fail(str(exc), USAGE_EXIT)
    except (IndexerError, RetrievalError, ConfigError) as exc:
        fail(str(exc), 1)


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
    _setup(verbose)
    repo = _repo_dir(path)
    overrides = list(set_ or []) + ([f"index.embed.model={model!r}"] if model else [])
    settings = _settings(repo, overrides)
    from indexer.build import index_repo

    with render.progress_bars(enabled=sys.stderr.isatty()) as progress:
        summary = _run(
            lambda: index_repo(
                repo,
                db=_db_for(settings, repo, db),
                config=settings.index,
                rebuild=rebuild,
                progress=progress,
            )
        )
    if json_out:
        render.print_json(summary.to_dict())
    else:
        render.index_summary(summary.to_dict())


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
    _setup(verbose)
    text = _query_text(query, query_file)
    root = _repo_dir(repo)
    settings = _settings(root, set_)
    from retrieval.open import open_searcher

    def go() -> list[dict[str, Any]]:
        searcher = open_searcher(
            _db_for(settings, root, db),
            settings.index.embed,
            settings.retrieval,
            repo_hint=str(root),
        )
        if files:
            return [h.to_dict() for h in searcher.search_files(text, top_k)]
        return [h.to_dict() for h in searcher.search(text, top_k)]

    hits = _run(go)
    if json_out:
        render.print_json(hits)
    else:
        render.hits_table(hits, files)


def _query_text(query: str | None, query_file: Path | None) -> str:
    if query_file is not None:
        try:
            return query_file.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            fail(f"cannot read --query-file {query_file}: {exc.strerror}.")
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
    _setup(verbose)
    root = _repo_dir(repo)
    settings = _settings(root, set_)
    from indexer.status import index_status

    st = _run(lambda: index_status(root, _db_for(settings, root, db), settings.index.walk))
    if json_out:
        render.print_json(st)
    else:
        render.status_table(st)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
