"""The index's conventions for the pipeline: house rules for prompts, the profile for the
gate before a commit, and the conventions plug-in for ``index_repo``."""

from __future__ import annotations

import logging

from specpilot.conventions import (
    ConventionProfile,
    ConventionsConfig,
    ConventionsError,
    ConventionsPlugin,
    load_profile,
    render_house_rules,
)
from specpilot.indexer import IndexPlugin, IndexStore

log = logging.getLogger(__name__)

Conventions = tuple[ConventionProfile | None, str | None]  # (profile, note when there is none)


def load_conventions(store: IndexStore) -> Conventions:
    """(the index's conventions profile or None, a note when there is none and why)."""
    try:
        profile = load_profile(store)
    except ConventionsError as exc:
        log.warning("cannot load the conventions profile of %s: %s", store.uri, exc)
        return None, f"The conventions profile could not be read: {exc}"
    if profile is None:
        log.info("no conventions profile in %s; no house rules", store.uri)
        return None, "No conventions profile in the index (re-index to measure conventions)."
    return profile, None


def house_rules(conventions: Conventions, budget: int) -> tuple[str, str | None]:
    """(house rules text within ``budget`` tokens, a note when there are none and why)."""
    profile, note = conventions
    if profile is None:
        return "", note
    return render_house_rules(profile, budget), None


def index_plugins(config: ConventionsConfig | None = None) -> tuple[IndexPlugin, ...]:
    """The plug-ins every index run carries: conventions, measured with ``config``."""
    return (ConventionsPlugin(config),)
