"""The deps-watch deployment: its schedule and parameters from the config, and what a night's
run submits — vulnerable bumps first, at most ``max_runs``, never the same bump twice."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from specpilot.flows.errors import ConfigError
from specpilot.flows.flow_deps import run_watch, state_file
from specpilot.flows.pipeline_settings import schedule_settings
from specpilot.flows.settings import load_settings
from tests.fake_index import FakeAdvisory, FakeIndex

FILES = {
    "requirements.txt": "libfoo==1.4.0\nlibbar==2.0.0\nlibbaz==0.1.0\n",
    "README.md": "# demo\n",
}


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPECPILOT_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def index() -> Iterator[FakeIndex]:
    packages = {
        "pypi": {
            "libfoo": ["1.4.0", "1.5.0"],
            "libbar": ["2.0.0", "2.1.0"],
            "libbaz": ["0.1.0", "0.2.0"],
        }
    }
    advisory = FakeAdvisory("GHSA-zzzz", "PyPI", "libbaz", "0.0.1", "0.2.0")
    with FakeIndex(packages=packages, advisories=(advisory,)) as fake:
        yield fake


def _overrides(fake: FakeIndex) -> list[str]:
    s = fake.settings()
    return [s[i + 1] for i in range(0, len(s), 2)]


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def __call__(self, text: str, name: str) -> Any:
        self.calls.append((text, name))
        return f"run-{len(self.calls)}"


def test_a_night_submits_vulnerable_bumps_first_and_never_twice(
    make_repo: Callable[..., Path], index: FakeIndex
) -> None:
    repo = make_repo(FILES, git=True)
    submit = Recorder()
    first = run_watch(repo, _overrides(index), only_vulnerable=False, max_runs=2, submit=submit)
    assert [(r["package"], r["to"]) for r in first["submitted"]] == [
        ("libbaz", "0.2.0"),  # the vulnerable one first
        ("libbar", "2.1.0"),
    ]
    assert first["submitted"][0]["advisories"] == "GHSA-zzzz"
    assert [r["flow_run"] for r in first["submitted"]] == ["run-1", "run-2"]
    text, name = submit.calls[0]
    assert name == "bump-libbaz-from-0-1-0-to-0-2-0-ghsa-zzzz.md"
    assert "Bump libbaz from 0.1.0 to 0.2.0" in text and "GHSA-zzzz" in text
    # the next night: the two handled bumps are not submitted again; the third now is
    second = run_watch(repo, _overrides(index), only_vulnerable=False, max_runs=2, submit=submit)
    assert [r["package"] for r in second["submitted"]] == ["libfoo"]
    assert sorted(r["package"] for r in second["already_handled"]) == ["libbar", "libbaz"]
    assert state_file(repo).is_file()
    third = run_watch(repo, _overrides(index), only_vulnerable=True, max_runs=5, submit=submit)
    assert third["submitted"] == [] and len(submit.calls) == 3


def test_the_deployment_takes_its_schedule_and_mode_from_the_config(tmp_path: Path) -> None:
    from specpilot.flows.deployments import build_deployments

    (tmp_path / "pyproject.toml").write_text(
        '[tool.specpilot.schedule]\ndeps_cron = "15 4 * * 1"\ndeps_max_runs = 2\n'
    )
    schedule = schedule_settings(load_settings(tmp_path))
    deployments = build_deployments(tmp_path, [], schedule)
    deps = next(d for d in deployments if d.entrypoint.endswith("deps_watch"))
    assert deps.entrypoint == "specpilot.flows.flow_deps.deps_watch"
    (sched,) = deps.schedules
    assert sched.schedule.cron == "15 4 * * 1"
    assert deps.parameters == {
        "repo": str(tmp_path),
        "overrides": [],
        "mode": "pr",
        "only_vulnerable": False,
        "max_runs": 2,
        "deployment": "spec-to-pr/default",
    }


def test_a_repository_may_not_choose_auto_merging_bumps(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.specpilot.schedule]\ndeps_mode = "auto"\n')
    with pytest.raises(ConfigError, match=r"sets schedule\.deps_mode, which decides whether"):
        load_settings(tmp_path)
    user = load_settings(tmp_path / "nowhere", ["schedule.deps_mode=yolo"])
    with pytest.raises(ConfigError, match=r"schedule\.deps_mode 'yolo' is not known"):
        schedule_settings(user)
