"""Tooling settings (``conventions.tooling``) → *setting* conventions of a profile.

One convention per configured tool (``<group>.tooling.<tool>``) and one per setting key
(``<group>.tooling.line_length|quote_style|semicolons|indent|test_framework``); when several
tools set the same key the first in ``PRIORITY`` wins (a formatter over a linter over
.editorconfig). Settings for every language (``.editorconfig [*]``) apply to each language
group with code in the repo. Config is read, not inferred: confidence 1.
"""

from __future__ import annotations

from collections.abc import Sequence

from specpilot.conventions.model import Convention, Setting

PRIORITY: tuple[str, ...] = (
    "ruff",
    "black",
    "prettier",
    "biome",
    "rustfmt",
    "gofmt",
    "flake8",
    "eslint",
    "isort",
    "vitest",
    "jest",
    "mocha",
    "pytest",
    "editorconfig",
)
_STATEMENTS: dict[str, str] = {
    "line_length": "Configured line length: {value} ({tool}, {where}).",
    "quote_style": "Configured quote style: {value} ({tool}, {where}).",
    "semicolons": "Configured: {value} ({tool}, {where}).",
    "indent": "Configured indentation: {value} ({tool}, {where}).",
    "test_framework": "Test runner: {value} ({where}).",
}
SEMICOLONS = {"semi": "semicolons", "nosemi": "no semicolons"}
SETTING_KEYS: tuple[str, ...] = (
    "line_length",
    "quote_style",
    "semicolons",
    "indent",
    "test_framework",
)


def _rank(tool: str) -> int:
    return PRIORITY.index(tool) if tool in PRIORITY else len(PRIORITY)


def tooling_conventions(
    settings: Sequence[tuple[str, Setting]], groups: Sequence[str]
) -> list[Convention]:
    """Conventions from ``(config path, setting)`` pairs; ``groups`` have code in the repo."""
    expanded: list[tuple[str, str, Setting]] = []  # (group, path, setting)
    for path, setting in settings:
        targets = (list(groups) or ["python"]) if setting.language == "*" else [setting.language]
        expanded.extend((group, path, setting) for group in targets)
    out: list[Convention] = []
    present: dict[tuple[str, str], tuple[str, Setting]] = {}
    keyed: dict[tuple[str, str], list[tuple[str, Setting]]] = {}
    for group, path, setting in expanded:
        if setting.key == "present":
            present.setdefault((group, setting.tool), (path, setting))
        else:
            keyed.setdefault((group, setting.key), []).append((path, setting))
    for (group, tool), (path, setting) in sorted(present.items()):
        where = f"{path}:{setting.line}"
        out.append(
            _convention(
                group,
                f"tooling.{tool}",
                tool,
                f"{tool} is configured ({where}).",
                f"{tool} configured in {where}",
                where,
                {},
            )
        )
    for (group, key), found in sorted(keyed.items()):
        path, best = min(found, key=lambda item: (_rank(item[1].tool), item[0], item[1].line))
        where = f"{path}:{best.line}"
        value = SEMICOLONS.get(best.value, best.value) if key == "semicolons" else best.value
        template = _STATEMENTS.get(key, "Configured {key}: {value} ({tool}, {where}).")
        statement = template.format(key=key, value=value, tool=best.tool, where=where)
        variants = {f"{s.tool}={s.value}": 1 for _, s in sorted(found, key=lambda x: x[1].tool)}
        out.append(
            _convention(
                group,
                f"tooling.{key}",
                best.value,
                statement,
                f"{best.tool} {key.replace('_', ' ')} = {best.value} in {where}",
                where,
                variants,
            )
        )
    return out


def _convention(
    group: str,
    rule: str,
    value: str,
    statement: str,
    evidence: str,
    where: str,
    variants: dict[str, int],
) -> Convention:
    return Convention(
        id=f"{group}.{rule}",
        language=group,
        category="tooling",
        rule=rule,
        value=value,
        kind="setting",
        statement=statement,
        evidence=evidence,
        numerator=1,
        denominator=1,
        prevalence=1.0,
        confidence=1.0,
        strong=True,
        examples=[where],
        variants=variants,
    )
