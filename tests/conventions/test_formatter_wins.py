"""A formatter's configured value wins over what the code measures, and the house rules say
which tool and file it comes from; defaults and linters' values are held to the code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from specpilot.conventions import check_diff, profile_for_repo, render_house_rules
from tests.conventions.test_check_diff import new_file

MakeRepo = Callable[..., Path]


def _python(i: int, long_line: bool) -> str:
    body = "".join(f"    total = total + {j}  # step {j} of the sum\n" for j in range(40))
    text = f'"""Module {i}."""\n\n\ndef compute_{i}(total):\n{body}    return total\n'
    if long_line:  # a string the formatter cannot split: 104 characters
        text += f'\n\nMESSAGE_{i} = "{"x" * (104 - len(f"MESSAGE_{i} = ") - 2)}"\n'
    return text


def _js(i: int, long_line: bool) -> str:
    body = "".join(f"  total = total + {j} // step {j} of the sum\n" for j in range(40))
    text = f"export function compute{i}(total) {{\n{body}  return total\n}}\n"
    if long_line:
        text += f'\nexport const MESSAGE_{i} = "{"x" * (104 - len(f"export const MESSAGE_{i} = ") - 2)}"\n'
    return text


def _rust(i: int, long_line: bool) -> str:
    body = "".join(f"    let total = total + {j}; // step {j} of the sum\n" for j in range(40))
    text = f"pub fn compute_{i}(total: i64) -> i64 {{\n{body}    total\n}}\n"
    if long_line:
        text += f'\npub const MESSAGE_{i}: &str = "{"x" * (104 - len(f"pub const MESSAGE_{i}: &str = ") - 3)}";\n'
    return text


CASES = {
    "ruff": ("pyproject.toml", "[tool.ruff]\nline-length = 100\n", "py", _python, "python"),
    "black": ("pyproject.toml", "[tool.black]\nline-length = 100\n", "py", _python, "python"),
    "rustfmt": ("rustfmt.toml", "max_width = 100\n", "rs", _rust, "rust"),
    "prettier": (".prettierrc", '{\n  "printWidth": 100\n}\n', "js", _js, "javascript"),
}


@pytest.mark.parametrize("tool", sorted(CASES))
def test_the_formatters_line_length_wins(tool: str, make_repo: MakeRepo) -> None:
    config, text, ext, code, group = CASES[tool]
    # lines are mostly short (≤ 79); one file in four ends with an unsplittable long string
    files: dict[str, str | bytes] = {config: text}
    files.update({f"src/m{i}.{ext}": code(i, i % 4 == 0) for i in range(12)})
    root = make_repo(files)
    profile = profile_for_repo(root)
    setting = profile.get(f"{group}.tooling.line_length")
    assert setting is not None and setting.value == "100" and setting.strong, setting
    assert setting.tool == tool and setting.source.startswith(f"{config}:")
    rules = render_house_rules(profile, 1000)
    assert f"{tool} ({config}): line length 100" in rules
    assert "Keep lines within" not in rules  # the measured limit is settled by the config
    long_line = {"py": "x = 1  #", "js": "let x = 1 //", "rs": "let x = 1; //"}[ext]
    within = f"{long_line} {'y' * (96 - len(long_line))}"
    beyond = f"{long_line} {'y' * (106 - len(long_line))}"
    found = check_diff(profile, new_file(f"src/new.{ext}", f"{within}\n{beyond}\n"), root)
    too_long = [v for v in found if "line_length" in v.rule]
    assert [(v.line, v.rule) for v in too_long] == [(2, f"{group}.tooling.line_length")]
    assert "the limit here is 100" in too_long[0].message


def test_flake8_without_e501_limits_lines_through_b950(make_repo: MakeRepo) -> None:
    cfg = "[flake8]\nselect = B, E, F, W, B9\nignore =\n    E203\n    E501\nmax-line-length = 80\n"
    files: dict[str, str | bytes] = {"setup.cfg": cfg}
    files.update({f"pkg/m{i}.py": _python(i, False) for i in range(4)})
    profile = profile_for_repo(make_repo(files))
    setting = profile.get("python.tooling.line_length")
    assert setting is not None and setting.value == "88"
    assert "B950" in setting.statement and setting.source == "setup.cfg:6"


def test_a_default_the_code_does_not_keep_is_not_enforced(make_repo: MakeRepo) -> None:
    # Prettier in devDependencies without a config: its defaults (double quotes,
    # semicolons) are no rule when the code has neither
    code = "".join(f"export const greet{i} = (name) => 'hi ' + name\n" for i in range(12))
    files: dict[str, str | bytes] = {
        "package.json": '{"devDependencies": {"prettier": "^3.0.0"}}\n',
        **{f"src/g{i}.js": code for i in range(3)},
    }
    root = make_repo(files)
    profile = profile_for_repo(root)
    rules = render_house_rules(profile, 1000)
    assert "Strings use single quotes." in rules and "quote style double" not in rules
    measured = profile.get("javascript.format.quotes")
    assert measured is not None and measured.value == "single" and measured.strong
    quotes = profile.get("javascript.tooling.quote_style")
    assert quotes is not None and not quotes.strong and quotes.note == "default"
    assert "but 36 of 36 string literals in the code do otherwise" in quotes.statement
    assert check_diff(profile, new_file("src/g9.js", "export const x = 'a'\n"), root) == []
