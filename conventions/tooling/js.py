"""JavaScript/TypeScript tool configuration: Prettier, ESLint, package.json, Biome.

See ``conventions.tooling`` for the settings produced; Prettier's defaults (80 columns,
double quotes, semicolons, 2 spaces) apply when Prettier is present without a value.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from typing import Any

import yaml

from specpilot.conventions.tooling.configtext import line_of as _line
from specpilot.conventions.types import Setting

_PRETTIER_DEFAULTS = {"printWidth": 80, "singleQuote": False, "semi": True, "useTabs": False}


def prettier_settings(name: str, text: str) -> Iterator[Setting]:
    options: dict[str, Any] = {}
    if name.endswith((".js", ".cjs", ".mjs")):
        options = _js_options(text)
    elif name.endswith(".toml"):
        options = tomllib.loads(text)
    elif text.strip():
        loaded = yaml.safe_load(text)  # JSON is YAML; .prettierrc may be either
        options = loaded if isinstance(loaded, dict) else {}
    yield from _prettier_options(options, text, name)


def _prettier_options(options: dict[str, Any], text: str, source: str) -> Iterator[Setting]:
    merged = {**_PRETTIER_DEFAULTS, **options}
    yield Setting("javascript", "prettier", "present", source, 1)

    def at(key: str) -> int:
        return _line(text, rf"[\"']?{key}[\"']?\s*[:=]") if key in options else 1

    def setting(key: str, value: str, *options_read: str) -> Setting:
        written = next((o for o in options_read if o in options), None)
        return Setting(
            "javascript",
            "prettier",
            key,
            value,
            at(written) if written else 1,
            default=written is None,
        )

    yield setting("line_length", str(merged["printWidth"]), "printWidth")
    yield setting("quote_style", "single" if merged["singleQuote"] else "double", "singleQuote")
    yield setting("semicolons", "semi" if merged["semi"] else "nosemi", "semi")
    indent = "tabs" if merged["useTabs"] else f"{merged.get('tabWidth', 2)} spaces"
    yield setting("indent", indent, "useTabs", "tabWidth")


_JS_OPTION = re.compile(r"\b(printWidth|tabWidth|singleQuote|semi|useTabs)\s*:\s*(\d+|true|false)")


def _js_options(text: str) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for key, value in _JS_OPTION.findall(text):
        options[key] = int(value) if value.isdigit() else value == "true"
    return options


_ESLINT_QUOTES = re.compile(
    r"[\"']?quotes[\"']?\s*:\s*\[\s*[\"']?\w+[\"']?\s*,\s*[\"'](single|double)[\"']"
)
_ESLINT_SEMI = re.compile(
    r"[\"']?semi[\"']?\s*:\s*\[\s*[\"']?\w+[\"']?\s*,\s*[\"'](always|never)[\"']"
)
_ESLINT_MAXLEN = re.compile(
    r"[\"']?max-len[\"']?\s*:\s*\[\s*[\"']?\w+[\"']?\s*,\s*(?:\{[^}]*code[\"']?\s*:\s*)?(\d+)"
)


def eslint_settings(text: str, source: str = ".eslintrc") -> Iterator[Setting]:
    yield Setting("javascript", "eslint", "present", source, 1)
    found = _ESLINT_QUOTES.search(text)
    if found:
        yield Setting("javascript", "eslint", "quote_style", found.group(1), _line(text, "quotes"))
    found = _ESLINT_SEMI.search(text)
    if found:
        semi = "semi" if found.group(1) == "always" else "nosemi"
        yield Setting("javascript", "eslint", "semicolons", semi, _line(text, "semi"))
    found = _ESLINT_MAXLEN.search(text)
    if found:
        yield Setting("javascript", "eslint", "line_length", found.group(1), _line(text, "max-len"))


def package_json_settings(text: str) -> Iterator[Setting]:
    data = json.loads(text)
    if not isinstance(data, dict):
        return
    deps: dict[str, Any] = {**data.get("dependencies", {}), **data.get("devDependencies", {})}
    prettier = data.get("prettier")
    if isinstance(prettier, dict):
        yield from _prettier_options(prettier, text, "package.json")
    elif prettier is not None or "prettier" in deps:
        yield from _prettier_options({}, text, "package.json")
    if "eslintConfig" in data:
        yield from eslint_settings(json.dumps(data["eslintConfig"]), "package.json")
    elif "eslint" in deps:
        yield Setting("javascript", "eslint", "present", "package.json", _line(text, r"\"eslint\""))
    for runner in ("vitest", "jest", "mocha"):
        if runner in deps:
            line = _line(text, rf"\"{runner}\"\s*:")
            yield Setting("javascript", runner, "test_framework", runner, line)
            break


def biome_settings(text: str) -> Iterator[Setting]:
    data = json.loads(text)
    yield Setting("javascript", "biome", "present", "biome.json", 1)
    fmt = data.get("formatter", {}) if isinstance(data, dict) else {}
    if "lineWidth" in fmt:
        yield Setting(
            "javascript", "biome", "line_length", str(fmt["lineWidth"]), _line(text, "lineWidth")
        )
    quote = data.get("javascript", {}).get("formatter", {}).get("quoteStyle")
    if quote in ("single", "double"):
        yield Setting("javascript", "biome", "quote_style", quote, _line(text, "quoteStyle"))
