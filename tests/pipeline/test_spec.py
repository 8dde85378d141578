"""Spec parsing: front matter, defaults, and errors that name the field and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from specpilot.pipeline.core.errors import SpecError
from specpilot.pipeline.run.spec import Spec, load_spec, parse_spec, slugify

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def test_full_front_matter() -> None:
    spec = parse_spec(
        "---\n"
        "title: Add retry\n"
        "risk: medium\n"
        "acceptance:\n"
        "  - retried three times\n"
        "  - backoff doubles\n"
        "paths:\n"
        "  allow: ['src/**']\n"
        "  block: [migrations/]\n"
        "test_command: pytest -q\n"
        "base: develop\n"
        "---\n"
        "# Heading ignored for the title\n\nBody text.\n",
        source="specs/add-retry.md",
    )
    assert spec.title == "Add retry" and spec.risk == "medium"
    assert spec.acceptance == ("retried three times", "backoff doubles")
    assert spec.paths.allow == ("src/**",) and spec.paths.block == ("migrations/",)
    assert spec.test_command == "pytest -q" and spec.base == "develop"
    assert spec.body.startswith("# Heading") and spec.schema_version == 1
    assert spec.slug == "add-retry"
    md = spec.to_markdown()
    assert "Acceptance criteria:\n- retried three times" in md and "Risk hint: medium" in md


def test_no_front_matter_takes_the_title_from_the_heading() -> None:
    spec = parse_spec("Intro line\n\n# Fix the crash ##\n\ntext\n")
    assert spec.title == "Fix the crash" and spec.risk is None and spec.acceptance == ()
    assert spec.slug == "fix-the-crash"


def test_title_falls_back_to_the_file_name() -> None:
    assert parse_spec("just text\n", source="specs/do-it.md").title == "do-it"


def test_spec_is_frozen_and_round_trips_as_json() -> None:
    spec = parse_spec("# T\n")
    with pytest.raises(ValueError, match="frozen"):
        spec.title = "x"  # type: ignore[misc]
    assert Spec.model_validate_json(spec.model_dump_json()) == spec


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("---\ntitle: T\nrisk: extreme\n---\n", r"<spec>:3: field 'risk': Input should be 'low'"),
        (
            "---\ntitle: T\nacceptance: do it well\n---\n",
            r"<spec>:3: field 'acceptance': should be a list, got str",
        ),
        (
            "---\ntitle: T\npaths:\n  allow:\n    - ok/**\n    - 42\n---\n",
            r"<spec>:6: field 'paths.allow.1': should be a string, got int",
        ),
        (
            "---\ntitle: T\n\nreviewer: bob\n---\n",
            r"<spec>:4: field 'reviewer': unknown field; valid fields here are: title, risk",
        ),
        (
            "---\ntitle: T\npaths:\n  deny: [x]\n---\n",
            r"<spec>:4: field 'paths.deny': unknown field; valid fields here are: allow, block",
        ),
        ("---\ntitle: [unclosed\n---\n", r"<spec>:\d+: the front matter is not valid YAML"),
        ("---\ntitle: T\n", r"<spec>:1: the front matter opened with '---' is never closed"),
        ("---\n- a\n- b\n---\n", r"<spec>:2: the front matter must be a mapping"),
        ("---\nbody: x\n---\n", r"field 'body' cannot be set in the front matter"),
        ("no heading and no file\n", r"<spec>:1: field 'title': missing"),
    ],
)
def test_malformed_specs_name_the_field_and_line(text: str, expected: str) -> None:
    with pytest.raises(SpecError, match=expected):
        parse_spec(text)


def test_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_text("---\ntitle: T\nrisk: 3\n---\n")
    with pytest.raises(SpecError, match=r"bad\.md:3: field 'risk'"):
        load_spec(path)
    with pytest.raises(SpecError, match="Cannot read the spec file"):
        load_spec(tmp_path / "missing.md")


def test_shipped_examples_parse() -> None:
    retry = load_spec(EXAMPLES / "add-retry.md")
    assert retry.risk == "medium" and len(retry.acceptance) == 4
    assert retry.paths.block == ("src/http/vendored/**",)
    plain = load_spec(EXAMPLES / "fix-empty-config.md")
    assert plain.title == "Fix the crash on an empty config file" and plain.risk is None


def test_slugify() -> None:
    assert slugify("Add Retry: HTTP/2 & more!") == "add-retry-http-2-more"
    assert slugify("***") == "change"
    assert len(slugify("x" * 100)) == 48
