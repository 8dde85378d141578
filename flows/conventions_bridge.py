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


def house_rules(store: IndexStore | None, budget: int) -> tuple[str, str | None]:
    """(house rules text, a note when there are none and why)."""
    if store is None:
        return "", "No index store: no house rules."
    load = _conventions_attr("load_profile")
    render = _conventions_attr("render_house_rules")
    if load is None or render is None:
        log.info("conventions provides no load_profile/render_house_rules; no house rules")
        return "", None
    try:
        from conventions.errors import ConventionsError, NoProfileError
    except ImportError:  # pragma: no cover - the errors module ships with the package
        return "", None
    try:
        profile = load(store)
    except NoProfileError:
        profile = None
    except ConventionsError as exc:
        log.warning("cannot load the conventions profile of %s: %s", store.uri, exc)
        return "", f"The conventions profile could not be read: {exc}"
    if profile is None:
        log.info("no conventions profile in %s; no house rules", store.uri)
        return "", "No conventions profile in the index (re-index to measure conventions)."
    return str(render(profile, budget) or ""), None


def index_plugins() -> tuple[IndexPlugin, ...]:
    """The conventions plug-in for ``index_repo`` when the package provides one."""
    plugin_cls = _conventions_attr("ConventionsPlugin")
    if plugin_cls is None:
        log.info("conventions provides no ConventionsPlugin; indexing without conventions")
        return ()
    return (plugin_cls(),)
