"""CLI: ``specpilot audit show / verify / head`` — the keyed audit log of the runs."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from specpilot.flows import render, render_pipeline
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
from specpilot.pipeline import AuditError, AuditKeyError

if TYPE_CHECKING:
    from specpilot.pipeline import AuditKey

audit_app = typer.Typer(no_args_is_help=True, help="Read and verify the audit log.")
app.add_typer(audit_app, name="audit")

LogOpt = Annotated[
    Path | None,
    typer.Option("--log", help="Audit log (default: $SPECPILOT_HOME/audit/audit.jsonl)."),
]
AuditRepoOpt = Annotated[
    Path | None, typer.Option("--repo", help="Read the audit log location from its config.")
]
RequireKeyedOpt = Annotated[
    bool,
    typer.Option(
        "--require-keyed",
        help="Fail on records of the old unkeyed scheme too (once a log has been migrated).",
    ),
]
AnchorOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--anchor",
        help="SEQ:HASH from `specpilot audit head`, recorded elsewhere earlier (a PR body, a "
        "git note): record SEQ must still have that hash. Repeatable.",
    ),
]


def _deliver(repo: Path | None, overrides: list[str] | None) -> Any:
    """The ``[deliver]`` settings (log location, key file: the user's, never the repo's)."""
    from specpilot.flows.pipeline_settings import deliver_settings

    return deliver_settings(settings_for(repo_dir(repo) if repo else None, overrides))


def _log_path(log: Path | None, delivery: Any) -> Path:
    from specpilot.flows.pipeline_settings import audit_log_path

    return log if log is not None else audit_log_path(delivery)


@audit_app.command("show")
def audit_show(
    run_id: Annotated[str, typer.Argument(help="A run id, or a unique prefix of one.")],
    log: LogOpt = None,
    repo: AuditRepoOpt = None,
    json_out: JsonOpt = False,
    set_: SetOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """The audit records of one run."""
    setup(verbose)
    path = _log_path(log, _deliver(repo, set_))
    from specpilot.pipeline import show

    records = run_guarded(lambda: show(path, run_id), usage=(AuditError,))
    rows: list[dict[str, Any]] = [r.model_dump(mode="json") for r in records]
    if json_out:
        render.print_json(rows)
    else:
        render_pipeline.audit_records(rows)


@audit_app.command("verify")
def audit_verify(
    log: LogOpt = None,
    repo: AuditRepoOpt = None,
    require_keyed: RequireKeyedOpt = False,
    anchor: AnchorOpt = None,
    json_out: JsonOpt = False,
    set_: SetOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Check the keyed chain and the head; exit code 1 and the first bad record when anything
    was changed, forged, removed or reordered without the key (0: intact; 2: bad input).

    The key comes from SPECPILOT_AUDIT_KEY (hex), SPECPILOT_AUDIT_KEY_FILE or
    $SPECPILOT_HOME/keys/audit.key, never from the repository. Records of the old unkeyed
    scheme verify with a warning.
    """
    setup(verbose)
    anchors = _anchors(anchor or [])
    delivery = _deliver(repo, set_)
    path = _log_path(log, delivery)
    key = _existing_key(path, repo, delivery)
    from specpilot.pipeline import verify

    result = run_guarded(
        lambda: verify(path, key, require_keyed=require_keyed, anchors=anchors),
        failures=(AuditError,),
    )
    data = {
        "ok": result.ok,
        "records": result.records,
        "line": result.line,
        "problem": result.problem,
        "log": str(path),
        "key_id": key.key_id if key else None,
        "unkeyed": result.unkeyed,
        "warnings": list(result.warnings),
        "head": _head(result.last_seq, result.last_hash) if result.ok else None,
    }
    if json_out:
        render.print_json(data)
    else:
        render_pipeline.audit_verify(data)
    if not result.ok:
        raise typer.Exit(1)


@audit_app.command("head")
def audit_head(
    log: LogOpt = None,
    repo: AuditRepoOpt = None,
    json_out: JsonOpt = False,
    set_: SetOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """The verified head, SEQ:HASH, to record outside the log (a PR body, a git note) and check
    later with `specpilot audit verify --anchor SEQ:HASH`; exit code 1 when the log fails."""
    setup(verbose)
    delivery = _deliver(repo, set_)
    path = _log_path(log, delivery)
    key = _existing_key(path, repo, delivery)
    from specpilot.pipeline import verify

    result = run_guarded(lambda: verify(path, key), failures=(AuditError,))
    if not result.ok:
        where = f" at line {result.line}" if result.line else ""
        fail(f"the audit log {path} fails verification{where}: {result.problem}", code=1)
    data = {
        "log": str(path),
        "records": result.records,
        "key_id": result.key_id,
        "head": _head(result.last_seq, result.last_hash),
        "warnings": list(result.warnings),
    }
    if json_out:
        render.print_json(data)
    else:
        render_pipeline.audit_head(data)


def _existing_key(log: Path, repo: Path | None, delivery: Any) -> AuditKey | None:
    from specpilot.flows.audit_keys import existing_audit_key

    top = repo_dir(repo) if repo else None
    named = delivery.audit_key_file
    return run_guarded(
        lambda: existing_audit_key(os.environ, log=log, repo=top, user_key_file=named),
        usage=(AuditKeyError,),
    )


def _anchors(items: list[str]) -> dict[int, str]:
    """``SEQ:HASH`` items (as `specpilot audit head` prints them) as seq -> hash."""
    anchors: dict[int, str] = {}
    for item in items:
        seq, sep, digest = item.strip().partition(":")
        hexdigits = set(digest.lower()) <= set("0123456789abcdef")
        if not sep or not seq.isdigit() or len(digest) != 64 or not hexdigits:
            fail(f"--anchor {item!r} is not SEQ:HASH (a record number, a colon, 64 hex digits).")
        anchors[int(seq)] = digest.lower()
    return anchors


def _head(seq: int | None, digest: str | None) -> dict[str, Any] | None:
    if seq is None or digest is None:
        return None
    return {"seq": seq, "hash": digest, "anchor": f"{seq}:{digest}"}
