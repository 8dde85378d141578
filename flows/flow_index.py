"""The ``index-repo`` flow: ``indexer.index_repo`` with parsing spread over a task runner.

walk + refresh plan (only changed files) → ``parse-batch`` tasks mapped over batches of files
on the flow's task runner (threads by default; ``[tool.specpilot.flows] task_runner = "dask"``
for big repos: the flow runs itself again as a subflow on a ``DaskTaskRunner``) → embed →
write → graph + full text → conventions (index plug-in). Progress is a Prefect progress
artifact and log lines; the summary is a table artifact. A per-index global concurrency
limit (one slot, created on first use) keeps two runs from writing the same index at once.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, cast
from uuid import UUID

from prefect import flow, get_run_logger, task, unmapped
from prefect.artifacts import (
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
from prefect.states import Completed, Failed, State
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from specpilot.flows.conventions_bridge import index_plugins
from specpilot.flows.embed_fanout import fanned_out_embedding
from specpilot.flows.errors import ConfigError
from specpilot.flows.pipeline_settings import FlowSettings, flow_settings
from specpilot.flows.settings import Settings, load_settings
from specpilot.indexer import (
    IndexerError,
    IndexSummary,
    ParseBatch,
    ParsedBatch,
    default_db_path,
    index_repo,
)

PARSE_WORKERS = 4  # threads parsing batches of files
LOCK_TIMEOUT_S = 6 * 3600.0  # wait this long for another run on the same index
_STAGE_SPAN = {"scan": (0.0, 10.0), "parse": (10.0, 40.0), "embed": (40.0, 100.0)}


@task(name="parse-batch", cache_policy=NO_CACHE, retries=1)
def parse_batch_task(parse: ParseBatch, batch: Sequence[str]) -> ParsedBatch:
    """Parse and chunk one batch of files (pure: safe to retry)."""
    return parse(batch)


def task_runner_map(parse: ParseBatch, batches: Sequence[Sequence[str]]) -> Iterable[ParsedBatch]:
    """``indexer.build.MapParse`` on the current flow's task runner."""
    futures = parse_batch_task.map(unmapped(parse), list(batches))
    return (f.result() for f in futures)


def index_lock_name(db: str) -> str:
    """The global concurrency limit guarding one index (names allow no '/')."""
    return "specpilot-index-" + hashlib.sha1(db.encode()).hexdigest()[:16]


def ensure_lock(name: str) -> None:
    """Create the one-slot limit ``name`` unless it exists (Prefect needs limits to exist)."""
    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(name)
            return
        except ObjectNotFound:
            pass
        with contextlib.suppress(ObjectAlreadyExists):  # another run created it just now
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))


def default_task_runner() -> TaskRunner[Any]:
    return ThreadPoolTaskRunner(max_workers=PARSE_WORKERS)


def make_task_runner(flows: FlowSettings) -> TaskRunner[Any]:
    """The task runner ``[tool.specpilot.flows]`` asks for (ConfigError when unavailable)."""
    if flows.task_runner == "threads":
        return default_task_runner()
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError as exc:
        raise ConfigError(
            "flows.task_runner = 'dask' needs the prefect-dask package on every machine that "
            "runs the flow: pip install prefect-dask (or use task_runner = 'threads')."
        ) from exc
    if flows.dask_address:
        return cast(TaskRunner[Any], DaskTaskRunner(address=flows.dask_address))
    kwargs = {"n_workers": flows.dask_workers, "threads_per_worker": 1}
    return cast(TaskRunner[Any], DaskTaskRunner(cluster_kwargs=kwargs))


def _runner_matches(flows: FlowSettings) -> bool:
    """Is the current flow run already on the task runner the settings ask for?"""
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    name = type(ctx.task_runner).__name__ if ctx and ctx.task_runner else ""
    return (flows.task_runner == "dask") == (name == "DaskTaskRunner")


class _ProgressArtifact:
    """An ``indexer`` progress callback feeding one Prefect progress artifact and the log."""

    def __init__(self, repo: str) -> None:
        self.id = cast(UUID, create_progress_artifact(0.0, description=f"Indexing {repo}"))
        self.shown = 0.0
        self.stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            get_run_logger().info("%s: %d item(s)", stage, total)
            self.stage = stage
        lo, hi = _STAGE_SPAN.get(stage, (self.shown, self.shown))
        pct = lo + (hi - lo) * (done / total if total else 1.0)
        if pct - self.shown >= 5.0 or (pct >= 100.0 > self.shown):
            update_progress_artifact(self.id, progress=min(pct, 100.0))
            self.shown = pct


def summary_table(summary: IndexSummary) -> list[dict[str, Any]]:
    d = summary.to_dict()
    keys: tuple[str, ...] = ("files", "added", "changed", "deleted", "unchanged", "chunks")
    keys += ("chunks_embedded",)
    keys += ("chunks_cached", "symbols", "edges", "seconds", "model_id", "commit")
    return [{"item": k, "value": str(d[k])} for k in keys]


@flow(name="index-repo", task_runner=default_task_runner(), log_prints=False)
def index_repo_flow(
    repo: str = "",
    overrides: list[str] | None = None,
    db: str | None = None,
    rebuild: bool = False,
    embed_workers: int = 0,
) -> State[Any]:
    """Index (incrementally) the repository at ``repo`` on the machine running the flow.

    ``embed_workers``: 0 embeds in the flow's process (ONNX Runtime's threads use every core);
    N ≥ 1 fans the embedding out as ``embed-batch`` tasks over N worker processes, or over
    the flow's Dask cluster when ``flows.task_runner = "dask"`` (``flows/embed_fanout.py``)."""
    root = Path(repo).expanduser() if repo else None
    if root is None or not root.is_dir():
        return Failed(message=f"Parameter 'repo' must be an existing directory, got {repo!r}.")
    if isinstance(embed_workers, bool) or not isinstance(embed_workers, int) or embed_workers < 0:
        return Failed(
            message=f"Parameter 'embed_workers' must be 0 (embed in the flow's process) or a "
            f"number of worker processes, got {embed_workers!r}."
        )
    try:
        settings: Settings = load_settings(root, overrides)
    except ConfigError as exc:
        return Failed(message=f"Bad configuration: {exc}")
    try:
        flows = flow_settings(settings)
        if not _runner_matches(flows):  # e.g. Dask: run this flow again on that runner
            runner = make_task_runner(flows)
            return index_repo_flow.with_options(task_runner=runner)(
                repo=repo, overrides=overrides, db=db, rebuild=rebuild,
                embed_workers=embed_workers, return_state=True,
            )  # fmt: skip
    except ConfigError as exc:
        return Failed(message=f"Bad configuration: {exc}")
    uri = db or settings.db or default_db_path(root)
    lock = index_lock_name(uri)
    ensure_lock(lock)
    logger = get_run_logger()
    with contextlib.ExitStack() as stack:
        map_embed = None
        if embed_workers:
            on_dask = flows.task_runner == "dask"
            map_embed = stack.enter_context(
                fanned_out_embedding(settings.index.embed, embed_workers, on_flow_runner=on_dask)
            )
        stack.enter_context(concurrency(lock, occupy=1, timeout_seconds=LOCK_TIMEOUT_S))
        logger.info("indexing %s into %s (lock %s)", root, uri, lock)
        try:
            summary = index_repo(
                root,
                db=uri,
                config=settings.index,
                rebuild=rebuild,
                progress=_ProgressArtifact(str(root)),
                plugins=index_plugins(settings.conventions),
                map_parse=task_runner_map,
                map_embed=map_embed,
            )
        except IndexerError as exc:
            return Failed(message=f"Indexing {root} failed: {exc}")
    create_table_artifact(
        summary_table(summary), key="index-summary", description=f"Index of {root}"
    )
    message = (
        f"Indexed {summary.files} files ({summary.added} added, {summary.changed} changed, "
        f"{summary.deleted} deleted); {summary.chunks_embedded} chunks embedded into {uri}."
    )
    return Completed(message=message, data=summary.to_dict())
