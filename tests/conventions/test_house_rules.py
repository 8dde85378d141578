"""House rules for the prompt (strong conventions only, within a token budget) and the
Markdown / JSON views."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from specpilot.conventions import (
    ConventionProfile,
    ConventionsConfig,
    render_house_rules,
    render_json,
    render_markdown,
)
from specpilot.conventions.render import HEADER, estimate_tokens
from specpilot.conventions.types import Convention

ProfileOf = Callable[[str], ConventionProfile]


def test_house_rules_of_a_python_repo(profile_of: ProfileOf) -> None:
    text = render_house_rules(profile_of("py_google"), 400)
    lines = text.splitlines()
    assert lines[0] == HEADER and lines[1] == "Python:"
    assert (
        lines[2]
        == "- Tooling: ruff (pyproject.toml): line length 100, quote style double; pytest (pyproject.toml)."
    )
    assert "- Name functions in snake_case." in "\n".join(lines)
    assert any(line.startswith("- Docstrings: Google-style") for line in lines)
    assert any("Log with the `logging` module." in line for line in lines)
    # implied by stronger rules: no "avoid bare except" when "catch specific" holds
    assert "Avoid bare" not in text
    assert "Keep lines within" not in text  # the configured limit says it already
    assert estimate_tokens(text) <= 400


def test_only_strong_conventions(profile_of: ProfileOf) -> None:
    profile = profile_of("py_google")
    text = render_house_rules(profile, 2000)
    weak = [c for c in profile.conventions if not c.strong]
    assert weak, "the fixture has weak conventions too"
    for c in weak:
        assert c.statement not in text


@pytest.mark.parametrize("budget", [20, 60, 120, 250])
def test_budget_is_respected(budget: int, profile_of: ProfileOf) -> None:
    text = render_house_rules(profile_of("js_app"), budget)
    assert estimate_tokens(text) <= budget
    full = render_house_rules(profile_of("js_app"), 5000)
    assert len(text) <= len(full)


def test_most_useful_rules_come_first(profile_of: ProfileOf) -> None:
    text = render_house_rules(profile_of("js_app"), 60)
    assert "Tooling: prettier" in text
    assert "Test files" not in text


def test_no_strong_conventions_no_house_rules() -> None:
    weak = Convention(
        id="python.naming.function",
        language="python",
        category="naming",
        rule="naming.function",
        value="snake_case",
        statement="Name functions in snake_case.",
        evidence="snake_case functions: 1/1",
        numerator=1,
        denominator=1,
        prevalence=1.0,
        confidence=0.2,
        strong=False,
    )
    assert render_house_rules(ConventionProfile(files={"python": 1}, conventions=[weak])) == ""
    assert render_house_rules(ConventionProfile()) == ""


def test_markdown_lists_every_convention(profile_of: ProfileOf) -> None:
    profile = profile_of("go_svc")
    md = render_markdown(profile)
    assert md.startswith("# Conventions\n")
    assert "## Go (10 files)" in md
    rows = [line for line in md.splitlines() if line.startswith("| ✓ |") or line.startswith("|  |")]
    assert len(rows) == len(profile.conventions)
    assert '| ✓ | Wrap errors with `fmt.Errorf("...: %w", err)`. |' in md


def test_json_view(profile_of: ProfileOf) -> None:
    data = json.loads(render_json(profile_of("py_print")))
    assert data["files"] == {"python": 7}
    assert any(
        c["id"] == "python.logging.output" and c["value"] == "print" for c in data["conventions"]
    )


def test_default_budget_comes_from_the_config(profile_of: ProfileOf) -> None:
    profile = profile_of("py_google")
    assert render_house_rules(profile) == render_house_rules(profile, 400)
    small = render_house_rules(profile, config=ConventionsConfig(house_rules_tokens=50))
    assert estimate_tokens(small) <= 50


def test_every_config_key_is_documented() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "conventions.md").read_text()
    missing = [f.name for f in dataclasses.fields(ConventionsConfig) if f"`{f.name}`" not in text]
    assert not missing


def _mixed_repo(make_repo: Callable[..., Path]) -> Path:
    """Python with single quotes, spaces and 79 columns; JavaScript with double quotes, tabs and
    88 columns: every formatting rule of one contradicts the other's."""
    py_long = "x" * (79 - len("    return ''  # ") - 0)
    js_long = "y" * (88 - len('\treturn ""; // '))
    files: dict[str, str | bytes] = {}
    for i in range(6):
        body = "".join(f"    key_{j} = 'k{j}'\n" for j in range(12))
        files[f"pkg/m{i}.py"] = f"def load_{i}():\n{body}    return ''  # {py_long}\n"
        js_body = "".join(f'\tconst key{j} = "k{j}";\n' for j in range(12))
        files[f"web/m{i}.js"] = (
            f'export function load{i}() {{\n{js_body}\treturn ""; // {js_long}\n}}\n'
        )
    return make_repo(files)


def test_every_rule_of_a_mixed_repo_carries_its_language(make_repo: Callable[..., Path]) -> None:
    from specpilot.conventions import profile_for_repo
    from specpilot.pipeline.core.config import PipelineConfig
    from specpilot.pipeline.run.context import RetrievedContext
    from specpilot.pipeline.run.plan import plan_from_retrieval
    from specpilot.pipeline.run.spec import parse_spec

    profile = profile_for_repo(_mixed_repo(make_repo))
    text = render_house_rules(profile, 2000)
    lines = text.splitlines()
    headers = [i for i, line in enumerate(lines) if not line.startswith("- ")][1:]
    assert sorted(lines[i] for i in headers) == ["JavaScript/TypeScript:", "Python:"]
    blocks = {
        lines[h]: lines[h + 1 : e] for h, e in zip(headers, [*headers[1:], len(lines)], strict=True)
    }
    python, javascript = blocks["Python:"], blocks["JavaScript/TypeScript:"]
    for rule in ("Strings use single quotes.", "Indent with spaces.", "79 characters"):
        assert any(rule in line for line in python) and not any(rule in j for j in javascript)
    for rule in ("Strings use double quotes.", "Indent with tabs.", "88 characters"):
        assert any(rule in line for line in javascript) and not any(rule in p for p in python)
    # a plan lists the rules one by one: each still says which language it is for
    spec = parse_spec("---\ntitle: Add a loader\n---\nAdd a loader.\n")
    context = RetrievedContext(files=(), symbols=(), house_rules=text)
    plan = plan_from_retrieval(spec, context, config=PipelineConfig())
    assert len(plan.conventions) == len(python) + len(javascript)
    assert all(c.startswith(("Python: ", "JavaScript/TypeScript: ")) for c in plan.conventions)
    assert any(c.startswith("Python: Strings use single quotes.") for c in plan.conventions)
    assert any(c.startswith("JavaScript/TypeScript: Strings use double") for c in plan.conventions)
    from specpilot.conventions import house_rule_items

    assert house_rule_items(text) == plan.conventions
