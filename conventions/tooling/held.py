"""Whether the code keeps a configured value that is not authoritative.

A formatter's value written in its config always wins (``tooling.rules.authoritative``).
Any other configured value — a tool's default (``[tool.black]`` without ``line-length``,
Prettier in ``devDependencies`` without a config), a linter's (flake8, ESLint,
.editorconfig) — is held to the code: a line length that fewer than ``line_coverage`` of
the lines keep, or a quote style, semicolon style or indentation that fewer than
``strong_prevalence`` of the measured observations follow, is reported but not strong
(the measured convention then stands). A linter can be configured and not run; a default
can be a formatter that never formats.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from specpilot.conventions.config import ConventionsConfig
from specpilot.conventions.measures.formatting import LONG, SHORT
from specpilot.conventions.stats import wilson_lower
from specpilot.conventions.tooling.rules import MEASURED_FAMILY, setting_variant
from specpilot.conventions.types import Convention

_NOUNS = {
    "format.quotes": "string literals",
    "format.semicolons": "statements",
    "format.indent": "indented lines",
}


def line_lengths(dist: Mapping[str, int]) -> Counter[int]:
    """``format.line_length`` variants (``short``, ``71``..``150``, ``long``) → lengths."""
    lengths: Counter[int] = Counter()
    for variant, count in dist.items():
        length = SHORT if variant == "short" else LONG + 1 if variant == "long" else int(variant)
        lengths[length] += count
    return lengths


def _family_dist(counts: Mapping[str, int], family: str) -> dict[str, int]:
    prefix = f"{family}="
    return {k[len(prefix) :]: v for k, v in counts.items() if k.startswith(prefix)}


def held_to(conv: Convention, counts: Mapping[str, int], cfg: ConventionsConfig) -> Convention:
    """``conv`` (a setting convention) as is when the code keeps it, else weakened."""
    key = conv.rule.removeprefix("tooling.")
    family = MEASURED_FAMILY.get(key)
    if family is None:
        return conv
    dist = _family_dist(counts, family)
    if key == "line_length":
        if not conv.value.isdigit():
            return conv
        lengths = line_lengths(dist)
        n = sum(lengths.values())
        k = sum(c for length, c in lengths.items() if length <= int(conv.value))
        if n < cfg.min_evidence or k / n >= cfg.line_coverage:
            return conv
        note = f", but {n - k} of {n} lines are longer."
        evidence = f"{conv.evidence}; lines within it: {k}/{n}"
    else:
        expected = setting_variant(key, conv.value)
        n = sum(dist.values())
        if expected is None or n < cfg.min_evidence:
            return conv
        k = dist.get(expected, 0)
        if k / n >= cfg.strong_prevalence:
            return conv
        noun = _NOUNS.get(family, "observations")
        note = f", but {n - k} of {n} {noun} in the code do otherwise."
        evidence = f"{conv.evidence}; {noun} following it: {k}/{n}"
    return conv.model_copy(
        update={
            "statement": conv.statement.removesuffix(".") + note,
            "evidence": evidence,
            "numerator": k,
            "denominator": n,
            "prevalence": round(k / n, 4),
            "confidence": round(wilson_lower(k, n, cfg.wilson_z), 4),
            "strong": False,
        }
    )
