"""specpilot conventions: a repository's coding conventions, measured from its code.

Conventions are measured per file while indexing (``ConventionsPlugin``, an
``indexer.plugins.IndexPlugin``), aggregated into a ``ConventionProfile`` stored in the
index's ``conventions`` table, rendered as house rules for the model's prompt, and used to
check the lines a diff adds. See docs/conventions.md.

    store = IndexStore.open(db)
    profile = load_profile(store)                      # None when never measured
    text = render_house_rules(profile, budget_tokens=400)
    for v in check_diff(profile, diff_text, repo_root):
        print(v.to_dict())

Errors: ``ConventionsError`` and its subclasses (see ``conventions.errors``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# The public API, imported on first use (PEP 562): `import specpilot.conventions.config` (the
# CLI's settings) must not pull in the measures, the store and LanceDB.
_WHERE: dict[str, str] = {
    "CheckReport": "specpilot.conventions.check",
    "ConfigError": "specpilot.conventions.errors",
    "Convention": "specpilot.conventions.model",
    "ConventionProfile": "specpilot.conventions.model",
    "ConventionsConfig": "specpilot.conventions.config",
    "ConventionsError": "specpilot.conventions.errors",
    "ConventionsPlugin": "specpilot.conventions.plugin",
    "DiffParseError": "specpilot.conventions.errors",
    "FactsError": "specpilot.conventions.errors",
    "FileFacts": "specpilot.conventions.model",
    "NoProfileError": "specpilot.conventions.errors",
    "PluginRun": "specpilot.conventions.plugin",
    "Violation": "specpilot.conventions.model",
    "build_profile": "specpilot.conventions.profile",
    "check_diff": "specpilot.conventions.check",
    "check_diff_report": "specpilot.conventions.check",
    "extract_profile": "specpilot.conventions.api",
    "house_rule_items": "specpilot.conventions.render",
    "load_profile": "specpilot.conventions.storage",
    "measure_repo": "specpilot.conventions.api",
    "profile_for_repo": "specpilot.conventions.api",
    "render_house_rules": "specpilot.conventions.render",
    "render_json": "specpilot.conventions.render",
    "render_markdown": "specpilot.conventions.render",
}

if TYPE_CHECKING:
    from specpilot.conventions.api import extract_profile, measure_repo, profile_for_repo
    from specpilot.conventions.check import CheckReport, check_diff, check_diff_report
    from specpilot.conventions.config import ConventionsConfig
    from specpilot.conventions.errors import (
        ConfigError,
        ConventionsError,
        DiffParseError,
        FactsError,
        NoProfileError,
    )
    from specpilot.conventions.model import Convention, ConventionProfile, FileFacts, Violation
    from specpilot.conventions.plugin import ConventionsPlugin, PluginRun
    from specpilot.conventions.profile import build_profile
    from specpilot.conventions.render import (
        house_rule_items,
        render_house_rules,
        render_json,
        render_markdown,
    )
    from specpilot.conventions.storage import load_profile


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CheckReport",
    "ConfigError",
    "Convention",
    "ConventionProfile",
    "ConventionsConfig",
    "ConventionsError",
    "ConventionsPlugin",
    "DiffParseError",
    "FactsError",
    "FileFacts",
    "NoProfileError",
    "PluginRun",
    "Violation",
    "build_profile",
    "check_diff",
    "check_diff_report",
    "extract_profile",
    "house_rule_items",
    "load_profile",
    "measure_repo",
    "profile_for_repo",
    "render_house_rules",
    "render_json",
    "render_markdown",
]
