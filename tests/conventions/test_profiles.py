"""Profiles of the fixture repos: each reports its own, deliberately different conventions."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from specpilot.conventions import (
    ConfigError,
    ConventionProfile,
    ConventionsConfig,
    build_profile,
    measure_repo,
    profile_for_repo,
)
from specpilot.conventions.profile import wilson_lower
from tests.conventions.conftest import FIXTURES

ProfileOf = Callable[[str], ConventionProfile]


def strong_value(profile: ConventionProfile, convention_id: str) -> str:
    conv = profile.get(convention_id)
    assert conv is not None, f"{convention_id} not measured"
    assert conv.strong, f"{convention_id} is weak: {conv.evidence} ({conv.confidence})"
    return conv.value


@pytest.mark.parametrize(
    ("repo", "expected"),
    [
        (
            "py_google",
            {
                "python.naming.function": "snake_case",
                "python.naming.method": "snake_case",
                "python.naming.class": "PascalCase",
                "python.docs.function": "present",
                "python.docs.style": "google",
                "python.types.function": "annotated",
                "python.errors.except": "specific",
                "python.errors.reraise": "chained",
                "python.errors.exception_base": "ShopError",
                "python.errors.except.avoid-bare": "bare",
                "python.logging.output": "logging",
                "python.logging.output.avoid-print": "print",
                "python.logging.logger_name": "logger",
                "python.imports.future": "present",
                "python.imports.relative": "absolute",
                "python.format.quotes": "double",
                "python.format.indent_width": "4",
                "python.tests.framework": "pytest",
                "python.tests.naming": "test_prefix",
                "python.tests.layout": "separate",
                "python.tests.fixtures": "pytest_fixture",
                "python.tooling.ruff": "ruff",
                "python.tooling.line_length": "100",
                "python.tooling.quote_style": "double",
                "python.tooling.test_framework": "pytest",
            },
        ),
        (
            "py_camel",
            {
                "python.naming.function": "camelCase",
                "python.naming.method": "camelCase",
                "python.types.function": "unannotated",
                "python.tooling.flake8": "flake8",
                "python.tooling.line_length": "120",
            },
        ),
        (
            "py_numpy",
            {"python.docs.style": "numpy", "python.naming.function": "snake_case"},
        ),
        (
            "py_print",
            {"python.logging.output": "print", "python.format.quotes": "single"},
        ),
        (
            "js_app",
            {
                "javascript.naming.function": "camelCase",
                "javascript.naming.class": "PascalCase",
                "javascript.docs.function": "present",
                "javascript.docs.style": "jsdoc",
                "javascript.logging.output": "logger",
                "javascript.logging.output.avoid-console": "console",
                "javascript.errors.exception_base": "AppError",
                "javascript.imports.module_system": "esm",
                "javascript.format.quotes": "single",
                "javascript.format.semicolons": "nosemi",
                "javascript.format.indent_width": "2",
                "javascript.async.style": "await",
                "javascript.tests.framework": "vitest",
                "javascript.tests.naming": "dot_test",
                "javascript.tooling.prettier": "prettier",
                "javascript.tooling.quote_style": "single",
                "javascript.tooling.semicolons": "nosemi",
                "javascript.tooling.line_length": "100",
                "javascript.tooling.test_framework": "vitest",
            },
        ),
        (
            "go_svc",
            {
                "go.naming.function": "MixedCaps",
                "go.naming.method": "MixedCaps",
                "go.docs.method": "present",
                "go.docs.go_name": "name_first",
                "go.errors.wrap": "w",
                "go.errors.wrap.avoid-v": "v",
                "go.errors.return": "wrapped",
                "go.logging.output": "slog",
                "go.logging.output.avoid-fmt": "fmt",
                "go.format.indent": "tabs",
                "go.tooling.gofmt": "gofmt",
                "go.tooling.indent": "tabs",
            },
        ),
    ],
)
def test_fixture_profiles(repo: str, expected: dict[str, str], profile_of: ProfileOf) -> None:
    profile = profile_of(repo)
    assert {k: strong_value(profile, k) for k in expected} == expected


def test_profiles_tell_the_repos_apart(profile_of: ProfileOf) -> None:
    assert profile_of("py_print").get("python.logging.output.avoid-print") is None
    assert profile_of("py_camel").get("python.docs.style") is None  # one-liners have no style
    google = profile_of("py_google").get("python.docs.style")
    numpy = profile_of("py_numpy").get("python.docs.style")
    assert google is not None and numpy is not None and google.value != numpy.value
    assert set(profile_of("js_app").files) == {"javascript"}
    assert set(profile_of("go_svc").files) == {"go"}


def test_evidence_and_examples(profile_of: ProfileOf) -> None:
    conv = profile_of("py_google").get("python.naming.function")
    assert conv is not None
    n = conv.denominator
    assert n >= 50 and conv.numerator == n
    assert conv.evidence == f"snake_case functions: {n}/{n}"
    assert conv.prevalence == 1.0 and 0.9 < conv.confidence < 1.0
    assert conv.variants["snake_case"] + conv.variants.get("lower", 0) == n
    assert 1 <= len(conv.examples) <= 3 and conv.exceptions == []
    for example in conv.examples:
        path, line = example.rsplit(":", 1)
        text = (FIXTURES / "py_google" / path).read_text().splitlines()[int(line) - 1]
        assert re.match(r"\s*def [a-z_]+\(", text), text


def test_counter_examples_are_kept(profile_of: ProfileOf) -> None:
    conv = profile_of("py_google").get("python.format.line_length")
    assert conv is not None and conv.kind == "limit" and conv.strong
    assert conv.value in ("99", "100")
    assert conv.evidence.startswith(f"lines within {conv.value} characters: ")


def test_weak_when_the_repo_is_mixed(make_repo: Callable[..., Path]) -> None:
    funcs = "".join(
        f"def {'fetch_item' if i % 2 else 'fetchItem'}{i}(a):\n    return a\n\n\n"
        for i in range(20)
    )
    root = make_repo({"pkg/mod.py": funcs})
    conv = profile_for_repo(root).get("python.naming.function")
    assert conv is not None and not conv.strong
    assert conv.numerator == 10 and conv.denominator == 20


def test_weak_with_too_little_evidence(make_repo: Callable[..., Path]) -> None:
    root = make_repo({"pkg/mod.py": "def fetch_item(a):\n    return a\n"})
    conv = profile_for_repo(root).get("python.naming.function")
    assert conv is not None and conv.evidence == "snake_case functions: 1/1" and not conv.strong


def test_one_word_names_do_not_decide_a_style(make_repo: Callable[..., Path]) -> None:
    funcs = "".join(f"def get{'x' * i}(a):\n    return a\n\n\n" for i in range(20))
    root = make_repo({"pkg/mod.py": funcs})
    conv = profile_for_repo(root).get("python.naming.function")
    assert conv is None  # "lower" names are compatible with both snake_case and camelCase


def test_thresholds_come_from_the_config() -> None:
    facts = measure_repo(FIXTURES / "py_camel")
    default = build_profile(facts)
    strict = build_profile(facts, ConventionsConfig(min_evidence=100))
    assert default.get("python.naming.function").strong  # type: ignore[union-attr]
    assert not strict.get("python.naming.function").strong  # type: ignore[union-attr]


def test_aggregation_is_deterministic() -> None:
    facts = measure_repo(FIXTURES / "js_app")
    shuffled = list(facts)
    random.Random(7).shuffle(shuffled)
    assert build_profile(facts) == build_profile(shuffled)


def test_json_round_trip(profile_of: ProfileOf) -> None:
    profile = profile_of("go_svc")
    data = profile.model_dump(mode="json")
    assert data["schema_version"] == 1
    assert {"id", "statement", "evidence", "numerator", "denominator", "confidence"} <= set(
        data["conventions"][0]
    )
    assert ConventionProfile.model_validate(data) == profile


def test_wilson_lower_bound() -> None:
    assert wilson_lower(0, 0, 1.96) == 0.0
    assert wilson_lower(10, 10, 1.96) == pytest.approx(0.7225, abs=1e-4)
    assert wilson_lower(412, 415, 1.96) > 0.97
    assert wilson_lower(9, 10, 1.96) < 0.7


@pytest.mark.parametrize(
    "kwargs",
    [{"strong_prevalence": 1.5}, {"min_evidence": 0}, {"min_confidence": 0.0}, {"wilson_z": -1}],
)
def test_config_errors_name_the_field(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigError, match=next(iter(kwargs))):
        ConventionsConfig(**kwargs)  # type: ignore[arg-type]
