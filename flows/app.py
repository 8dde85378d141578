"""The `specpilot` typer app and what every command module shares.

Command modules (``flows/cli_*.py``) register on ``app``; ``flows/cli.py`` imports them all.
A command parses its options, builds configs, calls one library function, renders.
Errors of the packages become one-line messages: exit code 2 for usage errors (bad input the
user can fix), 1 for failures.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from rich.text import Text

from specpilot.flows import interrupts, render
from specpilot.flows.errors import ConfigError
from specpilot.flows.settings import Settings, load_settings

app = typer.Typer(
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish
    no_args_is_help=True,
    help="specpilot: make a codebase known to a coding agent; turn a spec into a tested change.",
    pretty_exceptions_enable=False,
)

USAGE_EXIT = 2
T = TypeVar("T")


def _print_version(value: bool) -> None:
    if value:
        from specpilot import __version__

        typer.echo(f"specpilot {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """specpilot: make a codebase known to a coding agent; turn a spec into a tested change."""


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
    """One line on stderr (never wrapped, never read as markup), then exit with ``code``."""
    line = Text.assemble(("error:", "bold red"), " ", message)
    render.err_console().print(line, soft_wrap=True, highlight=False)
    if code == interrupts.EXIT:  # the command said what its Ctrl-C left: no generic line
        interrupts.told()
    raise typer.Exit(code)


def read_input(path: Path, option: str, what: str, *, strict: bool = False) -> str:
    """The text of ``path``, or of standard input when it is ``-`` (as ``git diff | specpilot
    conventions check --diff -``); a file that cannot be read is a one-line usage error.
    ``strict``: invalid UTF-8 is an error instead of being replaced."""
    errors = "strict" if strict else "replace"
    if str(path) == "-":
        data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()
        try:
            return data.decode("utf-8", errors) if isinstance(data, bytes) else data
        except UnicodeDecodeError as exc:
            fail(f"{option} - (standard input) is not UTF-8: {exc}; give {what}.")
    if not path.is_file():
        fail(f"{option} {path} does not exist; give {what}, or - to read standard input.")
    try:  # bytes, decoded without newline translation: a diff's \r must stay a \r
        return path.read_bytes().decode("utf-8", errors)
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {option} {path}: {getattr(exc, 'strerror', None) or exc}; give {what}.")


def setup(verbose: bool) -> None:
    os.environ.setdefault("LANCEDB_LOG", "error")
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def repo_dir(path: Path) -> Path:
    if not path.exists():
        fail(f"repository path {path} does not exist; give a directory to index.")
    if not path.is_dir():
        fail(f"repository path {path} is not a directory; give a directory to index.")
    return path.resolve()


def settings_for(repo: Path | None, overrides: list[str] | None) -> Settings:
    try:
        return load_settings(repo, overrides)
    except ConfigError as exc:
        fail(str(exc))


def db_for(settings: Settings, repo: Path, db: str | None) -> str:
    from specpilot.indexer import default_db_path

    return db or settings.db or default_db_path(repo)


def run_guarded(
    fn: Callable[[], T],
    *,
    usage: tuple[type[BaseException], ...] = (),
    failures: tuple[type[BaseException], ...] = (),
) -> T:
    """Call ``fn``, turning the packages' errors into one-line messages and exit codes.

    Index and retrieval errors are always handled; a command adds its own packages' error
    types as ``usage`` (exit 2: bad input the user can fix) or ``failures`` (exit 1).
    """
    from specpilot.indexer import (
        DamagedIndexError,
        EmptyRepoError,
        IndexerError,
        IndexLocationError,
        ModelMismatchError,
        NotIndexedError,
        RepoPathError,
    )
    from specpilot.retrieval import QueryError, RetrievalError

    usage_types: tuple[type[BaseException], ...] = (
        RepoPathError,
        EmptyRepoError,
        NotIndexedError,
        ModelMismatchError,
        IndexLocationError,
        DamagedIndexError,
        QueryError,
        ConfigError,
        *usage,
    )
    failure_types: tuple[type[BaseException], ...] = (IndexerError, RetrievalError, *failures)
    try:
        return fn()
    except usage_types as exc:
        fail(str(exc), USAGE_EXIT)
    except failure_types as exc:
        fail(str(exc), 1)
