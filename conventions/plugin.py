"""``ConventionsPlugin``: keeps ``convention_facts`` and ``conventions`` in step with the index.

Called by ``indexer.build.index_repo`` on every run with the whole ``path -> blob hash`` map.
Inputs are the code files of that map plus the config files at the repo root (read from disk
when the index does not hold them, e.g. ``.prettierrc`` or ``go.mod``). The digest of all
inputs, the facts version and the config is compared with the state row first: when equal the
plug-in returns after that one small read. Otherwise only files whose hash changed (or whose
facts are of an older version) are measured again, rows of vanished files are deleted, and
the profile is re-aggregated from every stored row and written; the state row goes last.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from specpilot.conventions.config import ConventionsConfig
from specpilot.conventions.facts import measure_config, measure_file
from specpilot.conventions.measures.syntax import language_group
from specpilot.conventions.profile import build_profile
from specpilot.conventions.scope import in_scope
from specpilot.conventions.storage import (
    compact,
    delete_facts,
    read_all_facts,
    read_hashes,
    read_state,
    stored_paths,
    write_facts,
    write_profile,
    write_state,
)
from specpilot.conventions.tooling.configs import find_config_files, is_config_name
from specpilot.conventions.types import FACTS_VERSION, PROFILE_SCHEMA_VERSION, FileFacts
from specpilot.indexer import IndexerError, PluginContext, blob_hash, language_for

log = logging.getLogger(__name__)

BATCH = 256  # files measured and written together


@dataclass(frozen=True, slots=True)
class PluginRun:
    """What the last ``update`` did."""

    up_to_date: bool  # True: returned after the state read
    measured: int = 0
    deleted: int = 0
    failed: int = 0  # files whose measurement failed (logged; stored with no facts)
    conventions: int = 0
    seconds: float = 0.0


class ConventionsPlugin:
    """The index plug-in that measures a repo's conventions (``indexer.plugins.IndexPlugin``)."""

    name = "conventions"

    def __init__(self, config: ConventionsConfig | None = None) -> None:
        self.config = config or ConventionsConfig()
        self.last_run: PluginRun | None = None

    def update(self, ctx: PluginContext) -> None:
        t0 = time.perf_counter()
        disk = _disk_configs(ctx)
        inputs = {p: h for p, h in ctx.files.items() if _relevant(p, self.config)}
        inputs.update({p: h for p, (h, _) in disk.items()})
        digest = inputs_digest(inputs, self.config)
        store = ctx.store
        if read_state(store) == digest:
            self.last_run = PluginRun(up_to_date=True, seconds=time.perf_counter() - t0)
            return
        stored = read_hashes(store)
        todo = sorted(p for p, h in inputs.items() if stored.get(p) != h)
        deleted = sorted(p for p in stored_paths(store) if p not in inputs)
        delete_facts(store, deleted)
        failed = 0
        for i in range(0, len(todo), BATCH):
            batch: list[tuple[FileFacts, str]] = []
            for path in todo[i : i + BATCH]:
                facts, ok = self._measure(ctx, path, disk)
                failed += not ok
                batch.append((facts, inputs[path]))
            write_facts(store, batch)
        profile = build_profile(read_all_facts(store), self.config)
        write_profile(store, profile)
        write_state(store, digest)
        compact(store)
        self.last_run = PluginRun(
            up_to_date=False,
            measured=len(todo),
            deleted=len(deleted),
            failed=failed,
            conventions=len(profile.conventions),
            seconds=time.perf_counter() - t0,
        )
        log.info(
            "conventions: %d file(s) measured, %d dropped, %d convention(s), %.2fs",
            len(todo),
            len(deleted),
            len(profile.conventions),
            self.last_run.seconds,
        )

    def _measure(
        self, ctx: PluginContext, path: str, disk: dict[str, tuple[str, str]]
    ) -> tuple[FileFacts, bool]:
        try:
            if path in disk:
                return measure_config(path, disk[path][1]), True
            return measure_file(ctx.load(path), max_examples=self.config.max_examples), True
        except (IndexerError, RecursionError, ValueError) as exc:
            log.warning("conventions: %s cannot be measured (%s); it is left out", path, exc)
            return FileFacts(path=path, language="config"), False


def _relevant(path: str, config: ConventionsConfig) -> bool:
    """A root config file, or a code file in the measured scope (``conventions.scope``)."""
    if is_config_name(path):
        return True
    code = language_group(language_for(path) or "") is not None
    return code and in_scope(path, config.exclude_dirs, config.exclude_files)


def _disk_configs(ctx: PluginContext) -> dict[str, tuple[str, str]]:
    """Root config files the index does not hold: name -> (blob hash, text)."""
    found: dict[str, tuple[str, str]] = {}
    for name in find_config_files(ctx.root):
        if name in ctx.files:
            continue
        try:
            data = Path(ctx.root, name).read_bytes()
        except OSError as exc:
            log.warning("conventions: cannot read %s: %s", name, exc)
            continue
        found[name] = (blob_hash(data), data.decode("utf-8", errors="replace"))
    return found


def inputs_digest(inputs: dict[str, str], config: ConventionsConfig) -> str:
    """A hash of every (path, blob hash) input, the facts and profile versions and the config."""
    h = hashlib.sha1(f"{FACTS_VERSION}/{PROFILE_SCHEMA_VERSION}/{config.digest()}".encode())
    for path in sorted(inputs):
        h.update(f"\n{path}\0{inputs[path]}".encode())
    return h.hexdigest()
