"""Tests for pipeline.classify: the kind of each changed file and of the whole patch."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from specpilot.pipeline.core.diffparse import parse_diff
from specpilot.pipeline.tiers.base_tree import FileTexts, GitTree
from specpilot.pipeline.tiers.classify import ChangeKind, Classification, classify
from tests.pipeline.policy_fixtures import BASE_FILES, init_repo, make_diff


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return init_repo(tmp_path / "repo")


def _classify(
    repo: Path,
    changes: Mapping[str, str | bytes | None],
    globs: Mapping[ChangeKind, tuple[str, ...]] | None = None,
) -> Classification:
    texts = FileTexts(GitTree(repo, "HEAD"))
    return classify(parse_diff(make_diff(repo, changes)), globs, texts=texts)


def _kinds(repo: Path, changes: Mapping[str, str | bytes | None]) -> dict[str, str]:
    return {f.path: f.kind for f in _classify(repo, changes).files}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"docs/usage.md": "# Usage\n\nRun it twice.\n"}, "docs"),
        ({"README.md": "# demo\n"}, "docs"),
        ({"tests/test_app.py": "def test_x():\n    assert True\n"}, "tests"),
        ({"src/pkg/test_thing.py": "def test_y():\n    pass\n"}, "tests"),
        ({"src/app.py": "def add(a, b):\n    return b + a\n"}, "source"),
        ({"setup.cfg": "[flake8]\nmax-line-length = 100\n"}, "config"),
        ({"requirements.txt": "requests==2.32.3\nrich==13.7.1\n"}, "dependency"),
        ({"poetry.lock": "# any content\n"}, "config"),  # a new lockfile is not a bump
        ({"requirements.txt": "requests==2.31.0\nrich==13.7.0\nhttpx==0.28.1\n"}, "config"),
        ({"requirements.txt": "requests==2.30.0\nrich==13.7.0\n"}, "config"),  # a downgrade
        ({".github/workflows/ci.yml": "on: [push]\njobs: {}\n"}, "source"),  # CI executes it
        ({"docs/conf.py": "extensions = []\n"}, "source"),
        ({"LICENSE": "MIT\n"}, "docs"),
        ({"calc/CHANGELOG_hook.py": "import os\n"}, "source"),
        ({"Makefile": "all:\n\ttrue\n"}, "source"),
        ({"scripts/release.sh": "echo hi\n"}, "source"),
        ({"config/app.yaml": "debug: false\n"}, "config"),
    ],
)
def test_single_file_kind(
    repo: Path, changes: Mapping[str, str | bytes | None], expected: str
) -> None:
    assert set(_kinds(repo, changes).values()) == {expected}


def test_manifest_version_bump_vs_other_change(repo: Path) -> None:
    bump = '[project]\nname = "demo"\ndependencies = [\n    "requests>=2.32",\n]\n'
    assert _kinds(repo, {"pyproject.toml": bump}) == {"pyproject.toml": "dependency"}
    renamed = '[project]\nname = "demo"\ndependencies = [\n    "httpx>=2.31",\n]\n'
    assert _kinds(repo, {"pyproject.toml": renamed}) == {"pyproject.toml": "config"}
    number = '[project]\nname = "demo"\ndependencies = [\n    "requests>=2.31",\n]\ntimeout = 3\n'
    assert _kinds(repo, {"pyproject.toml": number}) == {"pyproject.toml": "config"}


def test_overall_kind_and_reasons(repo: Path) -> None:
    mixed = _classify(repo, {"docs/a.md": "a\n", "tests/test_b.py": "def test_b():\n"})
    assert mixed.overall == "mixed"
    assert mixed.kinds == {"docs", "tests"}
    assert mixed.paths_of("docs") == ("docs/a.md",)
    assert "docs/**" in mixed.files[0].why
    docs = _classify(repo, {"docs/a.md": "a\n", "CHANGELOG.md": "x\n"})
    assert docs.overall == "docs"
    assert classify(parse_diff("")).overall == "empty"


def test_rename_takes_riskier_kind_and_globs_are_configurable(repo: Path) -> None:
    renamed = _classify(repo, {"docs/usage.md": None, "src/usage.md.py": "# Usage\n\nRun it.\n"})
    assert set(renamed.kinds) == {"source"}
    handbook = {"handbook/intro.md": "# Intro\n", "handbook/build.py": "import os\n"}
    custom = _classify(repo, handbook, {"docs": ("handbook/**",)})
    assert {f.path: f.kind for f in custom.files} == {
        "handbook/build.py": "source",  # a glob says where docs live; a .py there is still code
        "handbook/intro.md": "docs",
    }


def test_without_a_base_nothing_that_needs_one_is_trusted(repo: Path) -> None:
    diff = make_diff(repo, {"requirements.txt": "requests==2.32.3\nrich==13.7.0\n"})
    bump = classify(parse_diff(diff))
    assert bump.overall == "config" and "no base tree" in bump.bumps[0].summary()
    test = classify(parse_diff(make_diff(repo, {"tests/test_app.py": "def test_x():\n"})))
    assert test.overall == "source" and "cannot be checked" in test.files[0].why


@pytest.mark.parametrize(
    ("extra", "user"),
    [
        ({"src/report.py": "from tests import helpers\n"}, "src/report.py"),
        ({"Makefile": "seed:\n\tpython tests/helpers.py\n"}, "Makefile"),
        ({"web/app.js": "const h = require('../tests/helpers');\n"}, "web/app.js"),
        (
            {"tests/base.py": "from tests.helpers import x\n", "src/svc.py": "import tests.base\n"},
            "src/svc.py (through tests/base.py)",
        ),
    ],
)
def test_a_test_file_product_code_uses_is_source(
    tmp_path: Path, extra: dict[str, str], user: str
) -> None:
    files = {**BASE_FILES, "tests/__init__.py": "", "tests/helpers.py": "x = 1\n", **extra}
    repo = init_repo(tmp_path / "uses", files)
    (kind,) = _classify(repo, {"tests/helpers.py": "x = 2\n"}).files
    assert kind.kind == "source" and kind.why.endswith(f"product code uses it: {user}")


def test_prose_naming_a_test_file_does_not_make_it_product_code(tmp_path: Path) -> None:
    files = {**BASE_FILES, "tests/helpers.py": "x = 1\n", "docs/dev.md": "See tests/helpers.py.\n"}
    repo = init_repo(tmp_path / "prose", files)
    assert _kinds(repo, {"tests/helpers.py": "x = 2\n"}) == {"tests/helpers.py": "tests"}
