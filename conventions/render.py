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
from specpilot.conventions.measures.syntax import GROUP_NAMES
from specpilot.conventions.tooling.rules import (
    MEASURED_FAMILY,
    SEMICOLONS,
    SETTING_KEYS,
    setting_variant,
)
from specpilot.conventions.types import Convention, ConventionProfile

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
    if c.rule == "format.indent_width":
        return f"{c.language}.tooling.indent" in strong
    for key, family in MEASURED_FAMILY.items():
        setting = strong.get(f"{c.language}.tooling.{key}")
        if c.rule == family and setting is not None:
            # the configured value wins (a line limit or indentation settles the measured
            # one whatever its value; "preserve" quotes leave the code's choice standing)
            return key in ("line_length", "indent") or (
                setting_variant(key, setting.value) is not None
            )
    return False


def _tooling_line(rules: list[Convention]) -> str:
    """One line for a language's tooling: each tool with its config file and what it sets
    (``ruff (pyproject.toml): line length 100, quote style double``)."""
    files: dict[str, list[str]] = {}
    settings: dict[str, list[str]] = {}
    for c in sorted(rules, key=lambda c: c.id):
        tool = c.tool or c.value
        path = (c.source or (c.examples[0] if c.examples else "")).rsplit(":", 1)[0]
        if path and path not in files.setdefault(tool, []):
            files[tool].append(path)
        key = c.rule.removeprefix("tooling.")
        if key not in SETTING_KEYS or key == "test_framework":
            continue
        text = (
            SEMICOLONS.get(c.value, c.value)
            if key == "semicolons"
            else f"{key.replace('_', ' ')} {c.value}"
        )
        settings.setdefault(tool, []).append(f"{text} ({c.note})" if c.note else text)
    for c in rules:  # a test runner read from a config file is a tool of its own
        if c.rule == "tooling.test_framework":
            files.setdefault(c.value, [])
    order = {key: i for i, key in enumerate(SETTING_KEYS)}
    parts = []
    for tool in sorted(files, key=lambda t: (t not in settings, t)):  # what sets values first
        where = f" ({', '.join(files[tool])})" if files[tool] else ""
        sets = sorted(settings.get(tool, []), key=lambda t: order.get(_key_of(t), 99))
        parts.append(f"{tool}{where}" + (f": {', '.join(sets)}" if sets else ""))
    return "- Tooling: " + "; ".join(parts) + "." if parts else ""


def _key_of(text: str) -> str:
    for key in SETTING_KEYS:
        if text.startswith(key.replace("_", " ")):
            return key
    return "semicolons" if "semicolons" in text else ""


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


def house_rule_items(text: str) -> tuple[str, ...]:
    """Each rule of a house rules text as a line of its own that keeps its language.

    A rule taken out of its block (a plan's "conventions to follow") would lose the language
    header above it, and a mixed repo's "single quotes" would stand next to "double quotes":
    ``Python: Strings use double quotes.``. Rules under no header stay as they are."""
    headers = {f"{name}:" for name in GROUP_NAMES.values()}
    language = ""
    items: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if line in headers:
            language = line
        elif line.startswith(("-", "*")):
            rule = line.lstrip("-* ").strip()
            if rule:
                items.append(f"{language} {rule}" if language else rule)
    return tuple(items)


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
