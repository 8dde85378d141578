"""Formatter, linter and test-runner configuration found at the repo root.

``read_settings(name, text)`` turns one config file into ``Setting`` records (tool, key,
value, line): ``present``, ``line_length``, ``quote_style`` (single/double/preserve),
``indent`` ("4 spaces", "tabs"), ``semicolons`` (semi/nosemi) and ``test_framework``. Files
read: pyproject.toml ([tool.ruff], [tool.black], [tool.isort], [tool.pytest.ini_options],
[tool.mypy], [tool.flake8]), ruff.toml, setup.cfg / tox.ini / .flake8 / .isort.cfg /
pytest.ini / mypy.ini, .editorconfig, .prettierrc* / prettier.config.*, package.json,
.eslintrc* / eslint.config.*, biome.json, go.mod (⇒ gofmt), .golangci.*, rustfmt.toml and
.pre-commit-config.yaml. A formatter that is present without an explicit value contributes its
default (ruff and black 88, prettier 80 with double quotes and semicolons, rustfmt 100).
Unreadable files are logged and contribute nothing.
"""

from __future__ import annotations

import configparser
import logging
import os
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from specpilot.conventions.tooling.configtext import line_of as _line
from specpilot.conventions.tooling.configtext import toml_line as _toml_line
from specpilot.conventions.tooling.js import (
    biome_settings,
    eslint_settings,
    package_json_settings,
    prettier_settings,
)
from specpilot.conventions.types import Setting
from specpilot.indexer import is_code, language_for

log = logging.getLogger(__name__)

_PY_INI = ("setup.cfg", "tox.ini", ".flake8", ".isort.cfg", "pytest.ini", "mypy.ini")
_PRETTIER = (
    ".prettierrc",
    ".prettierrc.json",
    ".prettierrc.json5",
    ".prettierrc.yaml",
    ".prettierrc.yml",
    ".prettierrc.toml",
    ".prettierrc.js",
    ".prettierrc.cjs",
    ".prettierrc.mjs",
    "prettier.config.js",
    "prettier.config.cjs",
    "prettier.config.mjs",
)
_ESLINT = (
    ".eslintrc",
    ".eslintrc.json",
    ".eslintrc.js",
    ".eslintrc.cjs",
    ".eslintrc.yaml",
    ".eslintrc.yml",
    "eslint.config.js",
    "eslint.config.mjs",
    "eslint.config.cjs",
    "eslint.config.ts",
)
_JS_RUNNERS = (
    "jest.config.js",
    "jest.config.ts",
    "jest.config.cjs",
    "jest.config.mjs",
    "vitest.config.ts",
    "vitest.config.js",
    "vitest.config.mts",
)
CONFIG_NAMES: frozenset[str] = frozenset(
    {"pyproject.toml", "ruff.toml", ".ruff.toml", ".editorconfig", "package.json", "biome.json"}
    | {"go.mod", ".golangci.yml", ".golangci.yaml", ".golangci.toml"}
    | {"rustfmt.toml", ".rustfmt.toml", ".pre-commit-config.yaml"}
    | set(_PY_INI)
    | set(_PRETTIER)
    | set(_ESLINT)
    | set(_JS_RUNNERS)
)
_PRE_COMMIT = {
    "black": ("python", "black"),
    "ruff": ("python", "ruff"),
    "ruff-format": ("python", "ruff"),
    "isort": ("python", "isort"),
    "flake8": ("python", "flake8"),
    "mypy": ("python", "mypy"),
    "prettier": ("javascript", "prettier"),
    "eslint": ("javascript", "eslint"),
    "go-fmt": ("go", "gofmt"),
    "fmt": ("rust", "rustfmt"),
}


def is_config_name(path: str) -> bool:
    """Whether a repo-relative path is a root config file this module reads."""
    return "/" not in path and path in CONFIG_NAMES


def find_config_files(root: Path) -> list[str]:
    """The config files at ``root`` that are not code (code configs come from the index)."""
    try:
        entries = list(os.scandir(root))
    except OSError as exc:
        log.warning("cannot list %s for config files: %s", root, exc)
        return []
    return sorted(
        e.name
        for e in entries
        if e.name in CONFIG_NAMES and e.is_file() and not is_code(language_for(e.name))
    )


def read_settings(name: str, text: str) -> tuple[Setting, ...]:
    """The settings one root config file declares (empty when it cannot be read)."""
    try:
        return tuple(_settings(name, text))
    except (
        ValueError,
        TypeError,
        KeyError,
        AttributeError,
        configparser.Error,
        yaml.YAMLError,
    ) as exc:
        log.warning("config file %s cannot be read (%s); its settings are ignored", name, exc)
        return ()


def _settings(name: str, text: str) -> Iterator[Setting]:
    if name == "pyproject.toml":
        yield from _pyproject(text)
    elif name in ("ruff.toml", ".ruff.toml"):
        yield from _ruff(tomllib.loads(text), text, "")
    elif name in _PY_INI:
        yield from _python_ini(name, text)
    elif name == ".editorconfig":
        yield from _editorconfig(text)
    elif name in _PRETTIER:
        yield from prettier_settings(name, text)
    elif name in _ESLINT:
        yield from eslint_settings(text)
    elif name == "package.json":
        yield from package_json_settings(text)
    elif name == "biome.json":
        yield from biome_settings(text)
    elif name in _JS_RUNNERS:
        runner = "vitest" if name.startswith("vitest") else "jest"
        yield Setting("javascript", runner, "test_framework", runner, 1)
    elif name == "go.mod":
        yield Setting("go", "gofmt", "present", "go.mod", 1)
        yield Setting("go", "gofmt", "indent", "tabs", 1)
    elif name.startswith(".golangci"):
        yield Setting("go", "golangci-lint", "present", name, 1)
    elif name in ("rustfmt.toml", ".rustfmt.toml"):
        yield from _rustfmt(text)
    elif name == ".pre-commit-config.yaml":
        yield from _pre_commit(text)


# -- Python -------------------------------------------------------------------------------
def _pyproject(text: str) -> Iterator[Setting]:
    tool = tomllib.loads(text).get("tool", {})
    if "ruff" in tool:
        yield from _ruff(tool["ruff"], text, "tool.ruff")
    if "black" in tool:
        black = tool["black"]
        line = _toml_line(text, "tool.black")
        yield Setting("python", "black", "present", "[tool.black]", line)
        key = next((k for k in ("line-length", "line_length") if k in black), None)
        length = black[key] if key else 88
        key_line = _toml_line(text, "tool.black", key) if key else line
        yield Setting("python", "black", "line_length", str(length), key_line, default=not key)
        preserve = bool(black.get("skip-string-normalization"))
        yield Setting(
            "python",
            "black",
            "quote_style",
            "preserve" if preserve else "double",
            _toml_line(text, "tool.black", "skip-string-normalization") if preserve else line,
            default=not preserve,
        )
    if "isort" in tool:
        line = _toml_line(text, "tool.isort")
        yield Setting("python", "isort", "present", "[tool.isort]", line)
        if "line_length" in tool["isort"]:
            value = str(tool["isort"]["line_length"])
            yield Setting(
                "python",
                "isort",
                "line_length",
                value,
                _toml_line(text, "tool.isort", "line_length"),
            )
    if "flake8" in tool:
        yield from _flake8(tool["flake8"], text, _toml_line(text, "tool.flake8"))
    pytest = tool.get("pytest", {})
    if isinstance(pytest, dict) and "ini_options" in pytest:
        line = _toml_line(text, "tool.pytest.ini_options")
        yield Setting("python", "pytest", "test_framework", "pytest", line)
    if "mypy" in tool:
        yield Setting("python", "mypy", "present", "[tool.mypy]", _toml_line(text, "tool.mypy"))


def _ruff(ruff: dict[str, Any], text: str, section: str) -> Iterator[Setting]:
    line = _toml_line(text, section) if section else 1
    yield Setting("python", "ruff", "present", f"[{section}]" if section else "ruff.toml", line)
    length = ruff.get("line-length", 88)
    explicit = "line-length" in ruff
    key_line = _toml_line(text, section, "line-length") if explicit else line
    yield Setting("python", "ruff", "line_length", str(length), key_line, default=not explicit)
    fmt = ruff.get("format", {})
    lint = ruff.get("lint", {})
    quotes = fmt.get("quote-style") or lint.get("flake8-quotes", {}).get("inline-quotes")
    quotes = quotes or ruff.get("flake8-quotes", {}).get("inline-quotes")
    if quotes:
        yield Setting(
            "python", "ruff", "quote_style", str(quotes), _line(text, r"quote-style|inline-quotes")
        )
    if fmt.get("indent-style") == "tab":
        yield Setting("python", "ruff", "indent", "tabs", _line(text, r"indent-style"))
    elif "indent-width" in ruff:
        yield Setting(
            "python",
            "ruff",
            "indent",
            f"{ruff['indent-width']} spaces",
            _line(text, "indent-width"),
        )


def _flake8(section: Any, text: str, line: int) -> Iterator[Setting]:
    """flake8's line limit: ``max-line-length`` while E501 is on; with E501 ignored, only
    bugbear's B950 (when selected) still limits lines, at ``max-line-length`` + 10 %."""
    yield Setting("python", "flake8", "present", "flake8", line)
    for key in ("max-line-length", "max_line_length"):
        if key not in section:
            continue
        value = str(section[key]).strip()
        key_line = _line(text, re.escape(key), line - 1)
        if not _codes_match(section, ("ignore", "extend-ignore", "extend_ignore"), "E501"):
            yield Setting("python", "flake8", "line_length", value, key_line)
        elif value.isdigit() and _codes_match(
            section, ("select", "extend-select", "extend_select"), "B950", shortest=2
        ):
            yield Setting(
                "python",
                "flake8",
                "line_length",
                str(int(value) * 11 // 10),
                key_line,
                note=f"B950: max-line-length {value} + 10 %, E501 ignored",
            )
        return


def _codes_match(section: Any, keys: tuple[str, ...], code: str, shortest: int = 1) -> bool:
    """Whether a code list option (``ignore = E203, E501``) names ``code`` or a prefix of it
    at least ``shortest`` characters long (``E5`` ignores E501; B950 needs at least ``B9``)."""
    for key in keys:
        raw = section.get(key) if hasattr(section, "get") else None
        items = raw if isinstance(raw, list) else re.split(r"[\s,]+", str(raw or ""))
        for item in items:
            item = str(item).strip()
            if len(item) >= shortest and code.startswith(item):
                return True
    return False


def _python_ini(name: str, text: str) -> Iterator[Setting]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read_string(text)
    for section in parser.sections():
        line = _line(text, rf"^\s*\[{re.escape(section)}\]")
        values = parser[section]
        if section in ("flake8", "pycodestyle", "pep8"):
            yield from _flake8(values, text, line)
        elif section in ("isort", "settings") and (name != "setup.cfg" or section == "isort"):
            yield Setting("python", "isort", "present", f"[{section}]", line)
            if "line_length" in values:
                value = values["line_length"].strip()
                yield Setting(
                    "python", "isort", "line_length", value, _line(text, "line_length", line - 1)
                )
        elif section in ("tool:pytest", "pytest"):
            yield Setting("python", "pytest", "test_framework", "pytest", line)
        elif section == "mypy":
            yield Setting("python", "mypy", "present", "[mypy]", line)


def _editorconfig(text: str) -> Iterator[Setting]:
    groups: tuple[str, ...] = ()
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue
        if stripped.startswith("[") and stripped.endswith("]"):
            groups = _editorconfig_groups(stripped[1:-1])
            continue
        key, _, value = stripped.partition("=")
        key, value = key.strip().lower(), value.strip().lower()
        for group in groups:
            if key == "max_line_length" and value.isdigit():
                yield Setting(group, "editorconfig", "line_length", value, number)
            elif key == "indent_style" and value in ("tab", "space"):
                yield Setting(
                    group, "editorconfig", "indent", "tabs" if value == "tab" else "spaces", number
                )
            elif key == "quote_type" and value in ("single", "double"):
                yield Setting(group, "editorconfig", "quote_style", value, number)


def _editorconfig_groups(glob: str) -> tuple[str, ...]:
    if glob in ("*", "**"):
        return ("*",)
    found = []
    for group, suffixes in (
        ("python", ("py",)),
        ("javascript", ("js", "ts", "jsx", "tsx", "mjs", "cjs")),
        ("go", ("go",)),
        ("rust", ("rs",)),
        ("java", ("java",)),
    ):
        if any(re.search(rf"(?<![\w]){s}(?![\w])", glob) for s in suffixes):
            found.append(group)
    return tuple(found)


# -- Rust, pre-commit -----------------------------------------------------------------------
def _rustfmt(text: str) -> Iterator[Setting]:
    data = tomllib.loads(text)
    yield Setting("rust", "rustfmt", "present", "rustfmt.toml", 1)
    width = data.get("max_width", 100)
    explicit = "max_width" in data
    yield Setting(
        "rust",
        "rustfmt",
        "line_length",
        str(width),
        _toml_line(text, "", "max_width") if explicit else 1,
        default=not explicit,
    )
    if data.get("hard_tabs"):
        yield Setting("rust", "rustfmt", "indent", "tabs", _toml_line(text, "", "hard_tabs"))


def _pre_commit(text: str) -> Iterator[Setting]:
    data = yaml.safe_load(text) or {}
    seen: set[str] = set()
    for repo in data.get("repos", []) if isinstance(data, dict) else []:
        for hook in repo.get("hooks", []) if isinstance(repo, dict) else []:
            hook_id = hook.get("id", "") if isinstance(hook, dict) else ""
            if hook_id in _PRE_COMMIT and hook_id not in seen:
                seen.add(hook_id)
                group, tool = _PRE_COMMIT[hook_id]
                line = _line(text, rf"id:\s*{re.escape(hook_id)}\s*$")
                yield Setting(group, tool, "present", ".pre-commit-config.yaml", line)
