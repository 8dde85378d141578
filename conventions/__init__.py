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

The public API of this package is ``__all__``, imported on first use (PEP 562) so that
importing one name does not import the rest (the CLI starts fast); other packages import
only these names (tests/test_layering.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from specpilot._surface import lazy

# name -> the module that defines it
_WHERE: dict[str, str] = {
    "build_profile": "specpilot.conventions.profile",
    "check_diff": "specpilot.conventions.check",
    "check_diff_report": "specpilot.conventions.check",
    "CheckReport": "specpilot.conventions.check",
    "ConfigError": "specpilot.conventions.errors",
    "Convention": "specpilot.conventions.types",
    "ConventionProfile": "specpilot.conventions.types",
    "ConventionsConfig": "specpilot.conventions.config",
    "ConventionsError": "specpilot.conventions.errors",
    "ConventionsPlugin": "specpilot.conventions.plugin",
    "DiffParseError": "specpilot.conventions.errors",
    "extract_profile": "specpilot.conventions.api",
    "FactsError": "specpilot.conventions.errors",
    "FileFacts": "specpilot.conventions.types",
    "house_rule_items": "specpilot.conventions.render",
    "load_profile": "specpilot.conventions.storage",
    "measure_repo": "specpilot.conventions.api",
    "NoProfileError": "specpilot.conventions.errors",
    "PluginRun": "specpilot.conventions.plugin",
    "profile_for_repo": "specpilot.conventions.api",
    "render_house_rules": "specpilot.conventions.render",
    "render_json": "specpilot.conventions.render",
    "render_markdown": "specpilot.conventions.render",
    "Violation": "specpilot.conventions.types",
}

if TYPE_CHECKING:
    from specpilot.conventions.api import extract_profile as extract_profile
    from specpilot.conventions.api import measure_repo as measure_repo
    from specpilot.conventions.api import profile_for_repo as profile_for_repo
    from specpilot.conventions.check import CheckReport as CheckReport
    from specpilot.conventions.check import check_diff as check_diff
    from specpilot.conventions.check import check_diff_report as check_diff_report
    from specpilot.conventions.config import ConventionsConfig as ConventionsConfig
    from specpilot.conventions.errors import ConfigError as ConfigError
    from specpilot.conventions.errors import ConventionsError as ConventionsError
    from specpilot.conventions.errors import DiffParseError as DiffParseError
    from specpilot.conventions.errors import FactsError as FactsError
    from specpilot.conventions.errors import NoProfileError as NoProfileError
    from specpilot.conventions.plugin import ConventionsPlugin as ConventionsPlugin
    from specpilot.conventions.plugin import PluginRun as PluginRun
    from specpilot.conventions.profile import build_profile as build_profile
    from specpilot.conventions.render import house_rule_items as house_rule_items
    from specpilot.conventions.render import render_house_rules as render_house_rules
    from specpilot.conventions.render import render_json as render_json
    from specpilot.conventions.render import render_markdown as render_markdown
    from specpilot.conventions.storage import load_profile as load_profile
    from specpilot.conventions.types import Convention as Convention
    from specpilot.conventions.types import ConventionProfile as ConventionProfile
    from specpilot.conventions.types import FileFacts as FileFacts
    from specpilot.conventions.types import Violation as Violation

__all__ = sorted(_WHERE)
__getattr__, __dir__ = lazy(__name__, _WHERE, globals())
