"""The optional link to the ``conventions`` package: house rules for prompts, index plug-ins.

``conventions`` is built alongside the rest; when the functions named here are not (yet) in
it, the pipeline runs without house rules and the index without the conventions plug-in —
each said once at info level, and the context notes say so too.

    load_profile(store) -> profile | None        (None when the index was never measured)
    render_house_rules(profile, budget) -> str   (budget in tokens)
    ConventionsPlugin()                          (an ``indexer.plugins.IndexPlugin``)
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from indexer.plugins import IndexPlugin
from indexer.store import IndexStore

log = logging.getLogger(__name__)

DEFAULT_HOUSE_RULES_TOKENS = 400


def _conventions_attr(name: str) -> Any | None:
    try:
        module = importlib.import_module("conventions")
    except ImportError as exc:  # the package is part of specpilot; a broken install
        log.info("conventions package cannot be imported (%s); going on without it", exc)
        return None
    return getattr(module, name, None)


def load_conventions(store: IndexStore) -> tuple[Any | None, str | None]:
    """(the index's conventions profile or None, a note when there is none and why)."""
    load = _conventions_attr("load_profile")
    if load is None:
        log.info("conventions provides no load_profile; no house rules or conventions gate")
        return None, None
    from conventions.errors import ConventionsError, NoProfileError

    try:
        profile = load(store)
    except NoProfileError:
        profile = None
    except ConventionsError as exc:
        log.warning("cannot load the conventions profile of %s: %s", store.uri, exc)
        return None, f"The conventions profile could not be read: {exc}"
    if profile is None:
        log.info("no conventions profile in %s; no house rules", store.uri)
        return None, "No conventions profile in the index (re-index to measure conventions)."
    return profile, None


def house_rules(store: IndexStore | None, budget: int) -> tuple[str, str | None]:
    """(house rules text, a note when there are none and why)."""
    if store is None:
        return "", "No index store: no house rules."
    render = _conventions_attr("render_house_rules")
    profile, note = load_conventions(store)
    if profile is None or render is None:
        return "", note
    return str(render(profile, budget) or ""), None


def index_plugins() -> tuple[IndexPlugin, ...]:
    """The conventions plug-in for ``index_repo`` when the package provides one."""
    plugin_cls = _conventions_attr("ConventionsPlugin")
    if plugin_cls is None:
        log.info("conventions provides no ConventionsPlugin; indexing without conventions")
        return ()
    return (plugin_cls(),)
