"""Embedding fanned out as Prefect tasks: the ``index-repo`` flow's ``embed_workers``.

``indexer.index_repo`` commits the lexical index first, then fills in the missing vectors
through a ``MapEmbed`` (``indexer.embed.fill``). The one made here groups the embedder calls
into ``embed-batch`` tasks of ``CALLS_PER_TASK`` calls (~256 chunks, one vector write) and
submits them to a task runner: a local ``ProcessPoolTaskRunner`` of ``embed_workers``
processes, or the flow's own ``DaskTaskRunner`` (``[tool.specpilot.flows] task_runner =
"dask"``: a local cluster, or a remote one at ``dask_address``). At most two tasks per worker
are in flight. A task gets the chunk texts (not the index: a Dask worker on another machine
needs no access to it), builds the index's embedder once per worker process and returns the
vectors; the flow's process writes them, in order, batch by batch — one writer, the same
progress and ``vectors_missing`` bookkeeping as a plain run.
"""

from __future__ import annotations

import contextlib
import os
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.task_runners import ProcessPoolTaskRunner

from specpilot.indexer import EmbedCall, EmbedConfig, MapEmbed, embed_calls

CALLS_PER_TASK = 8  # embedder calls (32 texts each) per task: 256 chunks
IN_FLIGHT_PER_WORKER = 2  # tasks submitted ahead of the one being written, per worker


@task(name="embed-batch", cache_policy=NO_CACHE, retries=1)
def embed_batch_task(config: EmbedConfig, calls: list[EmbedCall], threads: int) -> list[np.ndarray]:
    """Embed one batch of calls on the index's embedder (pure: safe to retry)."""
    return embed_calls(config, calls, threads=threads)


def _groups(calls: Iterable[EmbedCall], size: int) -> Iterator[list[EmbedCall]]:
    group: list[EmbedCall] = []
    for call in calls:
        group.append(call)
        if len(group) == size:
            yield group
            group = []
    if group:
        yield group


def task_embed(
    config: EmbedConfig, workers: int, *, threads: int, runner: ProcessPoolTaskRunner | None
) -> MapEmbed:
    """A ``MapEmbed`` running ``embed-batch`` tasks on ``runner`` (an entered task runner), or
    with ``runner=None`` on the current flow's task runner; vectors come back in call order."""

    def submit(group: list[EmbedCall]) -> PrefectFuture[list[np.ndarray]]:
        params: dict[str, Any] = {"config": config, "calls": group, "threads": threads}
        if runner is None:
            return embed_batch_task.submit(**params)
        return runner.submit(embed_batch_task, params)

    def run(calls: Iterable[EmbedCall]) -> Iterator[np.ndarray]:
        window: deque[PrefectFuture[list[np.ndarray]]] = deque()
        try:
            for group in _groups(calls, CALLS_PER_TASK):
                window.append(submit(group))
                if len(window) >= IN_FLIGHT_PER_WORKER * workers:
                    yield from window.popleft().result()
            while window:
                yield from window.popleft().result()
        finally:
            for future in window:  # stopped early (Ctrl-C, a failure): drop what is queued
                inner = getattr(future, "wrapped_future", None)  # a concurrent.futures one
                if inner is not None and hasattr(inner, "cancel"):
                    inner.cancel()

    return run


@contextlib.contextmanager
def fanned_out_embedding(
    config: EmbedConfig, workers: int, *, on_flow_runner: bool
) -> Iterator[MapEmbed]:
    """The ``MapEmbed`` for ``embed_workers = workers``: on the flow's own (Dask) runner when
    ``on_flow_runner`` (one intra-op thread per task: one Dask worker process per core), else
    on a process pool of ``workers`` started for the run, each process with
    ``cores // workers`` intra-op threads."""
    if on_flow_runner:
        yield task_embed(config, workers, threads=1, runner=None)
        return
    threads = max(1, (os.cpu_count() or 1) // workers)
    with ProcessPoolTaskRunner(max_workers=workers) as runner:
        yield task_embed(config, workers, threads=threads, runner=runner)
