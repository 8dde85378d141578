"""Tooling settings (``conventions.tooling``) → *setting* conventions of a profile.

One convention per configured tool (``<group>.tooling.<tool>``) and one per setting key
(``<group>.tooling.line_length|quote_style|semicolons|indent|test_framework``). When several
tools set the same key, a value written in a file beats a tool's default, then the first in
``PRIORITY`` wins (a formatter over a linter over .editorconfig). Settings for every language
(``.editorconfig [*]``) apply to each language group with code in the repo. Config is read,
not inferred: confidence 1. Every setting convention names its ``tool``, its ``source`` (file
and line) and a ``note`` ("default" for the tool's default, or how the value is derived), and
its statement says them: ``(ruff, pyproject.toml:6)``, ``(black's default, pyproject.toml:12)``.

A formatter's value written in its config (``FORMATTERS``; rustfmt ``max_width``, black/ruff
``line-length``, prettier ``printWidth``, ...) is *authoritative*: it wins over what the code
measures. Any other value (a default, a linter's) is passed to the caller's ``hold``, which
may weaken it when the code does not keep it (``conventions.profile``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from specpilot.conventions.types import Convention, Setting

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
FORMATTERS: frozenset[str] = frozenset({"ruff", "black", "prettier", "biome", "rustfmt", "gofmt"})
_STATEMENTS: dict[str, str] = {
    "line_length": "Configured line length: {value} ({source}).",
    "quote_style": "Configured quote style: {value} ({source}).",
    "semicolons": "Configured: {value} ({source}).",
    "indent": "Configured indentation: {value} ({source}).",
    "test_framework": "Test runner: {value} ({source}).",
}
SEMICOLONS = {"semi": "semicolons", "nosemi": "no semicolons"}
SETTING_KEYS: tuple[str, ...] = (
    "line_length",
    "quote_style",
    "semicolons",
    "indent",
    "test_framework",
)
# a setting key -> the measured family it settles
MEASURED_FAMILY: dict[str, str] = {
    "line_length": "format.line_length",
    "quote_style": "format.quotes",
    "semicolons": "format.semicolons",
    "indent": "format.indent",
}
Hold = Callable[[Convention], Convention]


def setting_variant(key: str, value: str) -> str | None:
    """The measured variant a setting's value stands for (None: it settles nothing)."""
    if key == "quote_style":
        return value if value in ("single", "double") else None  # "preserve": the code's
    if key == "semicolons":
        return value if value in ("semi", "nosemi") else None
    if key == "indent":
        return "tabs" if value == "tabs" else "spaces" if value.endswith("spaces") else None
    return None


def _rank(setting: Setting) -> tuple[bool, int]:
    tool = setting.tool
    return setting.default, PRIORITY.index(tool) if tool in PRIORITY else len(PRIORITY)


def authoritative(setting: Setting) -> bool:
    """A formatter's value written in its config: the code is formatted to it."""
    return setting.tool in FORMATTERS and not setting.default


def source_of(setting: Setting, where: str) -> str:
    """``ruff, pyproject.toml:6`` / ``black's default, pyproject.toml:12`` / with a note."""
    if setting.default:
        return f"{setting.tool}'s default, {where}"
    if setting.note:
        return f"{setting.tool} {setting.note}, {where}"
    return f"{setting.tool}, {where}"


def note_of(setting: Setting) -> str:
    return "default" if setting.default else setting.note


def tooling_conventions(
    settings: Sequence[tuple[str, Setting]], groups: Sequence[str], hold: Hold | None = None
) -> list[Convention]:
    """Conventions from ``(config path, setting)`` pairs; ``groups`` have code in the repo.

    ``hold`` sees every setting convention that is not authoritative and returns it as is,
    or weakened (a default or a linter's value the code does not keep)."""
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
                tool=tool,
            )
        )
    for (group, key), found in sorted(keyed.items()):
        path, best = min(found, key=lambda item: (_rank(item[1]), item[0], item[1].line))
        where = f"{path}:{best.line}"
        source = source_of(best, where)
        value = SEMICOLONS.get(best.value, best.value) if key == "semicolons" else best.value
        template = _STATEMENTS.get(key, "Configured {key}: {value} ({source}).")
        variants = {f"{s.tool}={s.value}": 1 for _, s in sorted(found, key=lambda x: x[1].tool)}
        conv = _convention(
            group,
            f"tooling.{key}",
            best.value,
            template.format(key=key, value=value, source=source),
            f"{best.tool} {key.replace('_', ' ')} = {best.value} in {where}"
            + (" (the tool's default)" if best.default else f" ({best.note})" if best.note else ""),
            where,
            variants,
            tool=best.tool,
            note=note_of(best),
        )
        if hold is not None and not authoritative(best):
            conv = hold(conv)
        out.append(conv)
    return out


def _convention(
    group: str,
    rule: str,
    value: str,
    statement: str,
    evidence: str,
    where: str,
    variants: dict[str, int],
    *,
    tool: str,
    note: str = "",
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
        tool=tool,
        source=where,
        note=note,
    )
