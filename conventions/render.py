"""Views of a profile: house rules for the model's prompt, Markdown and JSON for people.

House rules list only strong conventions, most useful first (tooling, naming, docstrings,
types, errors, logging, imports, formatting, tests, async; within a category by confidence),
grouped by language, and stop at a token budget (tokens estimated as characters / 4). An
*avoid* rule is left out when a strong dominant convention of its family already excludes the
avoided variant, and the measured line limit or indentation when a tool configures one.
"""

from __future__ import annotations

import math

from specpilot.conventions.config import ConventionsConfig
from specpilot.conventions.families import CATEGORY_ORDER, FAMILIES
from specpilot.conventions.model import Convention, ConventionProfile
from specpilot.conventions.syntax import GROUP_NAMES
from specpilot.conventions.tooling_rules import SEMICOLONS, SETTING_KEYS

HEADER = "House rules (measured from this repository's code; follow them in new code):"


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / 4)


def _implied(c: Convention, strong: dict[str, Convention]) -> bool:
    """Whether a rule adds nothing to the other strong rules of its language."""
    if c.kind == "avoid":
        dominant = strong.get(f"{c.language}.{c.rule}")
        fam = FAMILIES.get(c.rule)
        return (
            dominant is not None and fam is not None and not fam.satisfies(c.value, dominant.value)
        )
    if c.kind == "limit":
        return f"{c.language}.tooling.line_length" in strong
    if c.rule == "format.indent":
        return f"{c.language}.tooling.indent" in strong
    return False


def _tooling_line(rules: list[Convention]) -> str:
    """One line for a language's tooling: the tools, then their settings."""
    tools = sorted(c.value for c in rules if c.rule.removeprefix("tooling.") not in SETTING_KEYS)
    settings = {c.rule.removeprefix("tooling."): c for c in rules}
    parts = [", ".join(tools)] if tools else []
    for key in SETTING_KEYS:
        if key in settings:
            value = settings[key].value
            if key == "semicolons":
                parts.append(SEMICOLONS.get(value, value))
            else:
                parts.append(f"{key.replace('_', ' ')} {value}")
    return "- Tooling: " + "; ".join(parts) + "." if parts else ""


def _lines(profile: ConventionProfile, language: str) -> list[str]:
    strong = {c.id: c for c in profile.strong(language)}
    rules = [c for c in strong.values() if not _implied(c, strong)]
    tooling = [c for c in rules if c.category == "tooling"]
    measured = [c for c in rules if c.category != "tooling"]
    measured.sort(
        key=lambda c: (
            CATEGORY_ORDER.index(c.category) if c.category in CATEGORY_ORDER else 99,
            -c.confidence,
            c.id,
        )
    )
    lines = [_tooling_line(tooling)] if tooling else []
    lines.extend(f"- {c.statement} ({c.numerator}/{c.denominator})" for c in measured)
    return [line for line in lines if line]


def render_house_rules(
    profile: ConventionProfile,
    budget_tokens: int | None = None,
    *,
    config: ConventionsConfig | None = None,
) -> str:
    """The strong conventions as a short prompt section within ``budget_tokens`` ("" if none).

    ``budget_tokens`` defaults to ``config.house_rules_tokens`` (400).
    """
    tokens = (
        budget_tokens
        if budget_tokens is not None
        else (config or ConventionsConfig()).house_rules_tokens
    )
    budget = tokens * 4
    out = [HEADER]
    used = len(HEADER)
    languages = list(profile.files) + sorted(
        {c.language for c in profile.conventions} - set(profile.files)
    )
    for language in languages:
        heading = f"{GROUP_NAMES.get(language, language)}:"
        started = False
        for line in _lines(profile, language):
            cost = len(line) + 1 + (0 if started else len(heading) + 1)
            if used + cost > budget:
                continue
            if not started:
                out.append(heading)
                started = True
            out.append(line)
            used += cost
    return "\n".join(out) if len(out) > 1 else ""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(profile: ConventionProfile) -> str:
    """Every measured convention, by language, as Markdown tables (✓ marks strong ones)."""
    total = sum(profile.files.values())
    counts = ", ".join(f"{GROUP_NAMES.get(g, g)} {n}" for g, n in profile.files.items())
    out = [
        "# Conventions",
        "",
        f"Measured from {total} code files ({counts or 'none'}). ✓ marks a convention with "
        "strong evidence: it goes into the house rules and `check` enforces it.",
    ]
    languages = list(profile.files) + sorted(
        {c.language for c in profile.conventions} - set(profile.files)
    )
    for language in languages:
        rows = [c for c in profile.conventions if c.language == language]
        if not rows:
            continue
        files = profile.files.get(language)
        title = GROUP_NAMES.get(language, language) + (f" ({files} files)" if files else "")
        out += [
            "",
            f"## {title}",
            "",
            "| | Convention | Evidence | Confidence | Examples |",
            "|---|---|---|---|---|",
        ]
        for c in rows:
            examples = ", ".join(f"`{e}`" for e in c.examples[:2])
            if c.exceptions:
                examples += (
                    ("; " if examples else "")
                    + "not: "
                    + ", ".join(f"`{e}`" for e in c.exceptions[:2])
                )
            out.append(
                f"| {'✓' if c.strong else ''} | {_cell(c.statement)} | {_cell(c.evidence)} "
                f"| {c.confidence:.2f} | {_cell(examples)} |"
            )
    return "\n".join(out) + "\n"


def render_json(profile: ConventionProfile) -> str:
    return profile.model_dump_json(indent=2)
