"""Formatter/linter/test-runner settings read from root config files."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from specpilot.conventions.tooling.configs import find_config_files, is_config_name, read_settings


def settings(name: str, text: str) -> set[tuple[str, str, str, str]]:
    return {(s.language, s.tool, s.key, s.value) for s in read_settings(name, text)}


def test_pyproject_ruff_black_isort_pytest() -> None:
    text = (
        "[project]\nname = 'x'\n\n"
        "[tool.ruff]\nline-length = 100\n\n[tool.ruff.format]\nquote-style = 'single'\n\n"
        "[tool.isort]\nprofile = 'black'\nline_length = 100\n\n"
        "[tool.pytest.ini_options]\ntestpaths = ['tests']\n"
    )
    found = read_settings("pyproject.toml", text)
    got = {(s.tool, s.key, s.value) for s in found}
    assert ("ruff", "present", "[tool.ruff]") in got
    assert ("ruff", "line_length", "100") in got
    assert ("ruff", "quote_style", "single") in got
    assert ("isort", "line_length", "100") in got
    assert ("pytest", "test_framework", "pytest") in got
    lines = {(s.tool, s.key): s.line for s in found}
    assert lines[("ruff", "line_length")] == 5
    assert lines[("ruff", "quote_style")] == 8


def test_black_defaults() -> None:
    assert settings("pyproject.toml", "[tool.black]\n") >= {
        ("python", "black", "line_length", "88"),
        ("python", "black", "quote_style", "double"),
    }
    text = "[tool.black]\nline-length = 79\nskip-string-normalization = true\n"
    assert ("python", "black", "quote_style", "preserve") in settings("pyproject.toml", text)


def test_setup_cfg_and_flake8_files() -> None:
    text = (
        "[metadata]\nname = x\n\n[flake8]\nmax-line-length = 120\n\n[tool:pytest]\naddopts = -q\n"
    )
    found = read_settings("setup.cfg", text)
    assert {(s.tool, s.key, s.value, s.line) for s in found} >= {
        ("flake8", "line_length", "120", 5),
        ("pytest", "test_framework", "pytest", 7),
    }
    assert ("python", "flake8", "line_length", "79") in settings(
        ".flake8", "[flake8]\nmax-line-length = 79\n"
    )


def test_editorconfig_sections_map_to_languages() -> None:
    text = "root = true\n\n[*]\nindent_style = space\n\n[*.py]\nmax_line_length = 88\n\n[*.{js,ts}]\nquote_type = single\n"
    assert settings(".editorconfig", text) == {
        ("*", "editorconfig", "indent", "spaces"),
        ("python", "editorconfig", "line_length", "88"),
        ("javascript", "editorconfig", "quote_style", "single"),
    }


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (".prettierrc", '{"singleQuote": true, "semi": false, "printWidth": 100}'),
        (".prettierrc.yaml", "singleQuote: true\nsemi: false\nprintWidth: 100\n"),
        (
            "prettier.config.js",
            "module.exports = { singleQuote: true, semi: false, printWidth: 100 }\n",
        ),
    ],
)
def test_prettier_in_any_format(name: str, text: str) -> None:
    assert settings(name, text) >= {
        ("javascript", "prettier", "line_length", "100"),
        ("javascript", "prettier", "quote_style", "single"),
        ("javascript", "prettier", "semicolons", "nosemi"),
        ("javascript", "prettier", "indent", "2 spaces"),
    }


def test_prettier_defaults_and_package_json() -> None:
    text = '{"devDependencies": {"prettier": "^3", "jest": "^29", "eslint": "^9"}}'
    assert settings("package.json", text) >= {
        ("javascript", "prettier", "line_length", "80"),
        ("javascript", "prettier", "quote_style", "double"),
        ("javascript", "prettier", "semicolons", "semi"),
        ("javascript", "eslint", "present", "package.json"),
        ("javascript", "jest", "test_framework", "jest"),
    }


def test_eslint_rules() -> None:
    text = '{\n  "rules": {\n    "quotes": ["error", "single"],\n    "semi": ["error", "never"],\n    "max-len": ["warn", {"code": 110}]\n  }\n}\n'
    assert settings(".eslintrc.json", text) >= {
        ("javascript", "eslint", "quote_style", "single"),
        ("javascript", "eslint", "semicolons", "nosemi"),
        ("javascript", "eslint", "line_length", "110"),
    }


def test_go_rust_and_pre_commit() -> None:
    assert settings("go.mod", "module x\n\ngo 1.22\n") == {
        ("go", "gofmt", "present", "go.mod"),
        ("go", "gofmt", "indent", "tabs"),
    }
    assert ("rust", "rustfmt", "line_length", "120") in settings(
        "rustfmt.toml", "max_width = 120\n"
    )
    hooks = (
        "repos:\n  - repo: https://github.com/psf/black\n    rev: 24.1.0\n    hooks:\n"
        "      - id: black\n  - repo: https://github.com/pycqa/isort\n    rev: 5.13.2\n"
        "    hooks:\n      - id: isort\n"
    )
    found = read_settings(".pre-commit-config.yaml", hooks)
    assert {(s.tool, s.line) for s in found} == {("black", 5), ("isort", 9)}


def test_unreadable_config_is_logged_and_ignored(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="specpilot.conventions.tooling.configs"):
        assert read_settings("pyproject.toml", "[tool.ruff\nline-length = ") == ()
    assert "pyproject.toml cannot be read" in caplog.text


def test_config_files_at_the_root_only(tmp_path: Path) -> None:
    for name in (".prettierrc", "go.mod", "pyproject.toml", "jest.config.js", "notes.txt"):
        (tmp_path / name).write_text("{}\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".flake8").write_text("[flake8]\n")
    assert find_config_files(tmp_path) == [".prettierrc", "go.mod", "pyproject.toml"]
    assert is_config_name("jest.config.js")
    assert not is_config_name("sub/.flake8")
