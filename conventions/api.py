"""Profiles without the plug-in: from a store's stored facts, or straight from a directory."""

from __future__ import annotations

import logging
from pathlib import Path

from specpilot.conventions.config import ConventionsConfig
from specpilot.conventions.errors import NoProfileError
from specpilot.conventions.facts import measure_config, measure_file
from specpilot.conventions.measures.syntax import language_group
from specpilot.conventions.profile import build_profile
from specpilot.conventions.scope import in_scope
from specpilot.conventions.storage import read_all_facts
from specpilot.conventions.tooling.configs import find_config_files, is_config_name
from specpilot.conventions.types import ConventionProfile, FileFacts
from specpilot.indexer import (
    IndexerError,
    IndexStore,
    LoadedFile,
    WalkConfig,
    parse_source,
    walk_repo,
)

log = logging.getLogger(__name__)


def extract_profile(
    store: IndexStore, config: ConventionsConfig | None = None
) -> ConventionProfile:
    """Aggregate the facts stored in ``convention_facts`` (e.g. with other thresholds)."""
    facts = read_all_facts(store)
    if not facts:
        raise NoProfileError(
            f"the index at {store.uri} holds no convention facts; index the repo with the "
            "conventions plug-in (specpilot index) first."
        )
    return build_profile(facts, config)


def measure_repo(
    root: str | Path, walk: WalkConfig | None = None, config: ConventionsConfig | None = None
) -> list[FileFacts]:
    """The facts of every code file the indexer would select and ``config`` does not exclude
    (``conventions.scope``), and of the root config files."""
    cfg = config or ConventionsConfig()
    base = Path(root)
    walked = walk_repo(base, walk or WalkConfig())
    facts: list[FileFacts] = []
    seen: set[str] = set()
    for sf in walked.files:
        code = language_group(sf.language) is not None
        if code and not in_scope(sf.path, cfg.exclude_dirs, cfg.exclude_files):
            continue
        if not code and not is_config_name(sf.path):
            continue
        try:
            text = Path(sf.abs_path).read_bytes().decode("utf-8", errors="replace")
            parsed = parse_source(sf.path, text.encode("utf-8"), sf.language) if code else None
            loaded = LoadedFile(sf.path, sf.language, text, parsed)
            facts.append(measure_file(loaded, max_examples=cfg.max_examples))
        except (OSError, IndexerError, RecursionError, ValueError) as exc:
            log.warning("conventions: %s cannot be measured (%s); it is left out", sf.path, exc)
            continue
        seen.add(sf.path)
    for name in find_config_files(base.resolve()):
        if name in seen:
            continue
        try:
            facts.append(measure_config(name, Path(base, name).read_text(errors="replace")))
        except OSError as exc:
            log.warning("conventions: cannot read %s: %s", name, exc)
    return facts


def profile_for_repo(
    root: str | Path,
    config: ConventionsConfig | None = None,
    *,
    walk: WalkConfig | None = None,
) -> ConventionProfile:
    """Measure a directory and aggregate its profile, with no index (tests, benchmarks)."""
    return build_profile(measure_repo(root, walk, config), config)
