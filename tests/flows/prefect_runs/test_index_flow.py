"""The index-repo flow under the session's Prefect test server: parsing through tasks, its
artifacts, the per-index lock, the task runner from the config, embedding fanned out over task
workers, and parameter errors.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from specpilot.indexer.store.index_store import IndexStore
from tests.flows.spec_helpers import (
    DEMO_FILES,
    HASH_OVERRIDES,
    artifacts_by_key,
    artifacts_of,
    task_names,
)


def test_index_repo_flow_parses_through_tasks_and_reports(repo: Path) -> None:
    from prefect.client.orchestration import get_client

    from specpilot.flows.flow_index import index_lock_name, index_repo_flow

    state = index_repo_flow(repo=str(repo), overrides=HASH_OVERRIDES, return_state=True)
    assert state.is_completed(), state.message
    summary = state.result()
    assert summary["files"] == len(DEMO_FILES) and summary["added"] == len(DEMO_FILES)
    assert "Indexed 5 files (5 added" in state.message
    run_id = state.state_details.flow_run_id
    assert "parse-batch" in task_names(run_id)
    kinds = {a.type for a in artifacts_of(run_id)}
    assert {"table", "progress"} <= kinds
    table = artifacts_by_key(run_id)["index-summary"]
    assert {"item": "files", "value": "5"} in json.loads(str(table.data))
    with get_client(sync_client=True) as client:
        limit = client.read_global_concurrency_limit_by_name(index_lock_name(summary["db"]))
    assert limit.limit == 1 and limit.active

    again = index_repo_flow(repo=str(repo), overrides=HASH_OVERRIDES, return_state=True).result()
    assert (again["added"], again["unchanged"], again["chunks_embedded"]) == (0, 5, 0)


def test_a_second_index_run_waits_for_the_lock_of_the_index(repo: Path, env: Path) -> None:
    from prefect.concurrency.sync import concurrency

    from specpilot.flows.flow_index import ensure_lock, index_lock_name, index_repo_flow

    db = str(env / "locked-index")
    lock = index_lock_name(db)
    ensure_lock(lock)
    states: list[Any] = []
    worker = threading.Thread(
        target=lambda: states.append(
            index_repo_flow(repo=str(repo), overrides=HASH_OVERRIDES, db=db, return_state=True)
        )
    )
    with concurrency(lock, occupy=1):  # another run is writing this index
        worker.start()
        worker.join(timeout=2.5)
        assert worker.is_alive() and not IndexStore.exists(db)
    worker.join(timeout=60)
    assert states and states[0].is_completed(), states


def test_the_task_runner_comes_from_the_config(repo: Path) -> None:
    from prefect.task_runners import ThreadPoolTaskRunner

    from specpilot.flows.flow_index import index_repo_flow, make_task_runner
    from specpilot.flows.pipeline_settings import FlowSettings

    assert isinstance(make_task_runner(FlowSettings()), ThreadPoolTaskRunner)
    dask = [*HASH_OVERRIDES, "flows.task_runner='dask'"]
    state = index_repo_flow(repo=str(repo), overrides=dask, return_state=True)
    # prefect-dask is optional: without it the flow says what to install
    try:
        import prefect_dask  # noqa: F401
    except ImportError:
        assert state.is_failed() and "pip install prefect-dask" in str(state.message)
    else:
        assert state.is_completed(), state.message
    state = index_repo_flow(
        repo=str(repo), overrides=[*HASH_OVERRIDES, "flows.task_runner='spark'"], return_state=True
    )
    assert state.is_failed() and "use 'threads' or 'dask'" in str(state.message)


def test_index_repo_flow_with_a_missing_repo_fails_with_a_message(env: Path) -> None:
    from specpilot.flows.flow_index import index_repo_flow

    state = index_repo_flow(repo=str(env / "nowhere"), return_state=True)
    assert state.is_failed() and "must be an existing directory" in str(state.message)


def _vectors(db: str) -> dict[str, list[float] | None]:
    rows = IndexStore.open(db).table("chunks").to_arrow().select(["id", "vector"]).to_pydict()
    return dict(zip(rows["id"], rows["vector"], strict=True))


MANY_FILES = {
    f"pkg/mod{i}.py": "".join(f"def f{i}_{j}(x):\n    return x * {j} + {i}\n\n" for j in range(8))
    for i in range(40)
}

UNMERGED = [*HASH_OVERRIDES, "index.chunk.merge_below_lines=0"]  # one chunk per function: 320


def test_embedding_fanned_out_over_two_task_workers_writes_the_plain_index_vectors(
    env: Path, make_repo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from specpilot.flows import embed_fanout
    from specpilot.flows.commands import app
    from specpilot.flows.flow_index import index_repo_flow

    repo = make_repo(MANY_FILES, git=True, name="many")
    plain = str(env / "plain-index")
    sets = [a for o in UNMERGED for a in ("--set", o)]
    cli = CliRunner().invoke(app, ["index", str(repo), "--db", plain, *sets])
    assert cli.exit_code == 0, cli.output
    monkeypatch.setattr(embed_fanout, "CALLS_PER_TASK", 1)  # many small tasks, 4 in flight
    db = str(env / "fanned-out")
    state = index_repo_flow(
        repo=str(repo), overrides=UNMERGED, db=db, embed_workers=2, return_state=True
    )
    assert state.is_completed(), state.message
    fanned, expected = _vectors(db), _vectors(plain)
    assert len(fanned) == len(expected) > 300  # over 10 calls of 32 texts
    assert all(v is not None for v in fanned.values())
    assert IndexStore.open(db).meta.vectors_missing == 0
    assert fanned == expected  # each chunk got its own text's vector: order kept
    names = task_names(state.state_details.flow_run_id)
    assert names.count("embed-batch") >= 10 and "parse-batch" in names


def test_embed_workers_must_be_zero_or_more(repo: Path) -> None:
    from specpilot.flows.flow_index import index_repo_flow

    state = index_repo_flow(
        repo=str(repo), overrides=HASH_OVERRIDES, embed_workers=-1, return_state=True
    )
    assert state.is_failed() and "'embed_workers' must be 0" in str(state.message)
