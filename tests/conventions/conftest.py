"""Fixtures of the conventions tests: the fixture repos, their profiles, git diffs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from specpilot.conventions import ConventionProfile, profile_for_repo

MakeRepo = Callable[..., Path]

FIXTURES = Path(__file__).parent.parent / "fixtures" / "conventions"
REPOS = ("py_google", "py_camel", "py_numpy", "py_print", "js_app", "go_svc")

_PROFILES: dict[str, ConventionProfile] = {}


@pytest.fixture(scope="session")
def profile_of() -> Callable[[str], ConventionProfile]:
    """``profile_of(name)``: the profile of a fixture repo (measured once per session)."""

    def get(name: str) -> ConventionProfile:
        if name not in _PROFILES:
            _PROFILES[name] = profile_for_repo(FIXTURES / name)
        return _PROFILES[name]

    return get


def fixture_files(name: str) -> dict[str, str | bytes]:
    src = FIXTURES / name
    return {p.relative_to(src).as_posix(): p.read_bytes() for p in src.rglob("*") if p.is_file()}


@pytest.fixture
def copy_fixture(make_repo: MakeRepo) -> Callable[..., Path]:
    """``copy_fixture(name, git=False) -> Path``: a fixture repo copied under tmp_path."""

    def copy(name: str, *, git: bool = False) -> Path:
        return make_repo(fixture_files(name), git=git, name=name)

    return copy
