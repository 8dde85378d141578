"""CLI: ``runs`` (spec-to-pr flow runs and their states) and ``approve`` (answer a waiting gate).

Both talk to the Prefect API at ``PREFECT_API_URL``. A flow run waiting at a gate is
``Paused`` with an input form (``flows/flow_gates.py``); ``approve`` fills that form —
approve or ``--reject``, a ``--comment``, and who you are (``$SPECPILOT_ACTOR`` or your login)
— and the run goes on, or ends ``Rejected``. The decision goes into the run record and the
audit log.
"""

from __future__ import annotations

import os
import uuid
from typing import Annotated, Any

import typer

from specpilot.flows import render
from specpilot.flows.app import JsonOpt, VerboseOpt, app, fail, run_guarded, setup
from specpilot.flows.cli_flows import api_url

SPEC_FLOW = "spec-to-pr"


def _client() -> Any:
    from prefect.client.orchestration import get_client

    return get_client(sync_client=True)


def _run_id_of(flow_run: Any) -> str | None:
    from specpilot.flows.flow_gates import RUN_TAG_PREFIX

    for tag in flow_run.tags or ():
        if tag.startswith(RUN_TAG_PREFIX):
            return str(tag[len(RUN_TAG_PREFIX) :])
    return None


def _row(flow_run: Any) -> dict[str, Any]:
    state = flow_run.state
    return {
        "flow_run_id": str(flow_run.id),
        "flow_run_name": flow_run.name,
        "run_id": _run_id_of(flow_run),
        "state": state.name if state else None,
        "state_type": state.type.value if state else None,
        "spec": (flow_run.parameters or {}).get("spec_name"),
        "mode": (flow_run.parameters or {}).get("mode"),
        "created": flow_run.created.isoformat() if flow_run.created else None,
        "message": state.message if state else None,
    }


@app.command()
def runs(
    waiting: Annotated[
        bool, typer.Option("--waiting", help="Only runs paused at a gate, waiting for you.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many runs.")] = 50,
    json_out: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """List spec-to-pr flow runs, newest first, with their state (e.g. Paused, PR opened)."""
    setup(verbose)
    url = api_url()
    rows = run_guarded(lambda: _list_runs(waiting, limit, url))
    if json_out:
        render.print_json(rows)
        return
    if not rows:
        what = "waiting at a gate" if waiting else f"of {SPEC_FLOW}"
        render.err_console().print(f"no flow runs {what} at {url}", markup=False)
        return
    from rich.table import Table

    table = Table(title=f"{SPEC_FLOW} flow runs", show_header=True)
    for col in ("flow run", "run", "state", "spec", "created"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            r["flow_run_id"], r["run_id"] or "-", r["state"] or "-", r["spec"] or "-",
            r["created"] or "-",
        )  # fmt: skip
    render.print_table(table)


def _list_runs(waiting: bool, limit: int, url: str) -> list[dict[str, Any]]:
    import httpx
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    state = FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED]))
    try:
        with _client() as client:
            found = client.read_flow_runs(
                flow_filter=FlowFilter(name=FlowFilterName(any_=[SPEC_FLOW])),
                flow_run_filter=FlowRunFilter(state=state) if waiting else None,
                sort=FlowRunSort.EXPECTED_START_TIME_DESC,
                limit=limit,
            )
    except (OSError, httpx.HTTPError) as exc:
        fail(f"cannot reach the Prefect API at {url}: {exc}.", 1)
    return [_row(r) for r in found]


@app.command()
def approve(
    run: Annotated[
        str, typer.Argument(help="The flow run id (or the specpilot run id) waiting at a gate.")
    ],
    reject: Annotated[bool, typer.Option("--reject", help="Reject instead of approving.")] = False,
    comment: Annotated[
        str | None, typer.Option("--comment", help="Why; goes into the audit record.")
    ] = None,
    json_out: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Approve (or --reject) a flow run paused at a plan or merge gate; it resumes at once."""
    setup(verbose)
    url = api_url()
    from specpilot.flows.spec_run import default_actor

    actor = default_actor(os.environ)
    row = run_guarded(lambda: _answer(run, not reject, comment, actor, url))
    verdict = "rejected" if reject else "approved"
    if json_out:
        render.print_json(row | {"decision": verdict, "by": actor, "comment": comment})
        return
    render.out_console().print(
        f"{verdict} {row['flow_run_name']} ({row['flow_run_id']}) as {actor}",
        highlight=False,
        markup=False,
    )


def _answer(run: str, approved: bool, comment: str | None, actor: str, url: str) -> dict[str, Any]:
    import httpx
    from prefect.exceptions import FlowPauseTimeout, ObjectNotFound

    try:
        with _client() as client:
            flow_run = _find(client, run)
            if flow_run is None:
                fail(f"no flow run {run!r} at {url}; `specpilot runs --waiting` lists them.")
            row = _row(flow_run)
            if not (flow_run.state and flow_run.state.is_paused()):
                fail(
                    f"flow run {run!r} is not waiting at a gate (its state is {row['state']}); "
                    "`specpilot runs --waiting` lists the runs that are."
                )
        from prefect.flow_runs import resume_flow_run

        answer = {"approve": approved, "comment": comment, "by": actor}
        resume_flow_run(flow_run.id, run_input=answer)
    except ObjectNotFound:
        fail(f"no flow run {run!r} at {url}; `specpilot runs --waiting` lists them.")
    except FlowPauseTimeout:
        fail(f"flow run {run!r} waited too long: its gate timed out.", 1)
    except (OSError, httpx.HTTPError) as exc:
        fail(f"cannot reach the Prefect API at {url}: {exc}.", 1)
    return row


def _find(client: Any, run: str) -> Any:
    """A flow run by its id, or by the specpilot run id it is tagged with."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags

    from specpilot.flows.flow_gates import RUN_TAG_PREFIX

    try:
        return client.read_flow_run(uuid.UUID(run))
    except ValueError:
        pass
    tags = FlowRunFilterTags(all_=[RUN_TAG_PREFIX + run])
    found = client.read_flow_runs(flow_run_filter=FlowRunFilter(tags=tags), limit=1)
    return found[0] if found else None
