"""``specpilot deps check`` / ``deps update`` against a loopback package index and OSV source
(tests/fake_index.py), with the real Anthropic SDK talking to the scripted Messages server and
a local bare repository as the remote. Nothing reaches the network.

The demo project pins ``libfoo`` and ``libbar``; its own test checks that the code's
``LIBFOO_API`` matches the pinned libfoo (a stand-in for an API that changed between minor
versions), so bumping libfoo breaks the tests until the code is adapted, and bumping libbar
does not.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from specpilot.flows.commands import app
from specpilot.pipeline.testing import ScriptedMessagesServer, tool_reply
from tests.fake_index import FakeAdvisory, FakeIndex
from tests.flows.spec_helpers import HASH, PYTEST, add_bare_remote, git

COMPAT_TEST = """import re
from pathlib import Path

from calc.compat import LIBFOO_API


def test_the_code_speaks_the_pinned_libfoo_api():
    text = (Path(__file__).parent.parent / "requirements.txt").read_text()
    pinned = re.search(r"^libfoo==(\\S+)", text, re.M).group(1)
    assert LIBFOO_API == ".".join(pinned.split(".")[:2])
"""
FILES = {
    "calc/__init__.py": "",
    "calc/ops.py": '"""Arithmetic helpers."""\n\n\ndef add(a, b):\n    return a + b\n',
    "calc/compat.py": '"""The libfoo API this code is written against."""\n\nLIBFOO_API = "1.4"\n',
    "tests/test_ops.py": "from calc.ops import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n",
    "tests/test_compat.py": COMPAT_TEST,
    "requirements.txt": "libfoo==1.4.0\nlibbar==2.0.0\n",
    "package.json": json.dumps({"name": "web", "dependencies": {"leftpad": "1.0.0"}}) + "\n",
}
ADVISORY = FakeAdvisory(
    id="GHSA-f00-1234-abcd", ecosystem="PyPI", package="libfoo", introduced="1.0.0",
    fixed="1.5.0", severity="HIGH", summary="libfoo parses untrusted input unsafely",
)  # fmt: skip


@pytest.fixture
def repo(make_repo: Callable[..., Path]) -> Path:
    return make_repo(FILES, git=True, name="repo")


def _index(
    libfoo: list[str],
    advisories: tuple[FakeAdvisory, ...] = (ADVISORY,),
    leftpad: tuple[str, ...] = ("1.0.0", "1.3.0"),
) -> FakeIndex:
    packages = {
        "pypi": {"libfoo": libfoo, "libbar": ["1.9.0", "2.0.0", "2.0.1"]},
        "npm": {"leftpad": list(leftpad)},
    }
    return FakeIndex(packages=packages, advisories=advisories)


@pytest.fixture
def index() -> Iterator[FakeIndex]:
    with _index(["1.3.0", "1.4.0", "1.5.0"]) as fake:
        yield fake


def _json(result: Result, code: int = 0) -> Any:
    assert result.exit_code == code, result.output + result.stderr
    return json.loads(result.stdout)


def _deps(runner: CliRunner, *args: str, **kw: Any) -> Result:
    return runner.invoke(app, ["deps", *args], **kw)


def test_check_reports_latest_versions_and_the_advisory(
    runner: CliRunner, repo: Path, index: FakeIndex
) -> None:
    data = _json(_deps(runner, "check", "--repo", str(repo), "--json", *index.settings()), 1)
    assert data["manifests"] == ["package.json", "requirements.txt"]
    rows = {d["package"]: d for d in data["dependencies"]}
    foo = rows["libfoo"]
    assert (foo["ecosystem"], foo["current"], foo["latest"]) == ("pypi", "1.4.0", "1.5.0")
    [advisory] = foo["advisories"]
    assert advisory["id"] == "GHSA-f00-1234-abcd"
    assert advisory["severity"] == "HIGH" and advisory["fixed"] == ["1.5.0"]
    assert "untrusted input" in advisory["summary"]
    assert rows["libbar"]["latest"] == "2.0.1" and rows["libbar"]["advisories"] == []
    assert (rows["leftpad"]["ecosystem"], rows["leftpad"]["latest"]) == ("npm", "1.3.0")
    assert data["vulnerable"] == 1
    assert {(b["package"], b["from"], b["to"]) for b in data["bumps"]} == {
        ("libfoo", "1.4.0", "1.5.0"), ("libbar", "2.0.0", "2.0.1"), ("leftpad", "1.0.0", "1.3.0"),
    }  # fmt: skip
    # the advisory source was asked in OSV's own shape, once for all versions in use
    [(_, _, body)] = [r for r in index.requests if r[0] == "POST"]
    assert {"package": {"name": "libfoo", "ecosystem": "PyPI"}, "version": "1.4.0"} in body[
        "queries"
    ]
    assert {"package": {"name": "leftpad", "ecosystem": "npm"}, "version": "1.0.0"} in body[
        "queries"
    ]
    assert "/osv/v1/vulns/GHSA-f00-1234-abcd" in index.paths()


def test_check_piped_prints_complete_plain_lines(
    runner: CliRunner, repo: Path, index: FakeIndex
) -> None:
    result = _deps(runner, "check", "--repo", str(repo), *index.settings())
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "3 dependencies in 2 manifest(s):"
    foo = next(line for line in lines if line.startswith("libfoo"))
    assert "1.4.0" in foo and "1.5.0" in foo and "GHSA-f00-1234-abcd HIGH fixed in 1.5.0" in foo
    assert lines[-1].startswith("1 vulnerable, 3 bump(s) available: ")


def test_check_with_nothing_vulnerable_exits_zero(runner: CliRunner, repo: Path) -> None:
    with _index(["1.4.0"], advisories=()) as fake:
        data = _json(_deps(runner, "check", "--repo", str(repo), "--json", *fake.settings()))
    assert data["vulnerable"] == 0
    assert [b["package"] for b in data["bumps"]] == ["leftpad", "libbar"]  # manifest order


def test_check_bad_input_and_a_dead_advisory_source(runner: CliRunner, repo: Path) -> None:
    bad = _deps(runner, "check", "--repo", str(repo), "--set", "deps.osv_url='ftp://x'")
    assert bad.exit_code == 2 and "DepsConfig.osv_url 'ftp://x' is not an http(s) URL" in bad.stderr
    unknown = _deps(runner, "check", "--repo", str(repo), "--set", "deps.osv='http://x'")
    assert unknown.exit_code == 2 and "unknown key deps.osv; valid keys:" in unknown.stderr
    missing = _deps(runner, "check", "--repo", str(repo / "nope"))
    assert missing.exit_code == 2
    with _index(["1.4.0"]) as fake:
        dead = [*fake.settings(), "--set", "deps.osv_url='http://127.0.0.1:9'"]
        result = _deps(runner, "check", "--repo", str(repo), *dead)
    assert (
        result.exit_code == 1 and "cannot reach http://127.0.0.1:9/v1/querybatch" in result.stderr
    )
    assert "Traceback" not in result.output + result.stderr


def _update(runner: CliRunner, repo: Path, fake: FakeIndex, model: str, *args: str) -> Result:
    env = {"ANTHROPIC_API_KEY": "test-key", "ANTHROPIC_BASE_URL": model}
    test_command = ["--set", f"pipeline.test_command={json.dumps(PYTEST)}"]
    argv = ["update", "--repo", str(repo), "--json", *HASH, *test_command, *fake.settings()]
    return _deps(runner, *argv, *args, env=env)


def _plan(path: str) -> Any:
    plan = {
        "summary": "Bump the pin; adapt the code if the tests say so.",
        "steps": ["Change the pin", "Run the tests", "Adapt the code"],
        "files_to_change": [{"path": path, "reason": "it pins the dependency"}],
        "tests_to_add": [],
        "risks": ["the new version may change the API"],
    }
    return tool_reply(("submit_plan", plan), input_tokens=400, output_tokens=80)


def _edit(path: str, old: str, new: str) -> Any:
    return tool_reply(("edit_file", {"path": path, "old_text": old, "new_text": new}))


def test_update_bumps_a_vulnerable_pin_adapts_the_code_and_lands_as_a_pr(
    runner: CliRunner, repo: Path, index: FakeIndex, tmp_path: Path
) -> None:
    remote = add_bare_remote(repo, tmp_path / "remote.git")
    old_main = git(remote, "rev-parse", "main").strip()
    script = [
        _plan("requirements.txt"),
        _edit("requirements.txt", "libfoo==1.4.0", "libfoo==1.5.0"),
        tool_reply(("run_tests", {})),  # red: the code still speaks the 1.4 API
        _edit("calc/compat.py", 'LIBFOO_API = "1.4"', 'LIBFOO_API = "1.5"'),
        tool_reply(("run_tests", {})),
        tool_reply(("finish", {"summary": "Bumped libfoo to 1.5.0 and adapted calc.compat."})),
    ]
    with ScriptedMessagesServer(script) as server:
        data = _json(
            _update(runner, repo, index, server.url, "--mode", "auto", "--only-vulnerable")
        )
        sent = [r.body for r in server.requests]
    [bump] = data["bumps"]  # only the vulnerable one
    assert (bump["package"], bump["from"], bump["to"]) == ("libfoo", "1.4.0", "1.5.0")
    assert bump["advisories"] == ["GHSA-f00-1234-abcd"]
    assert bump["outcome"] == "pr" and bump["tier"] == 2, bump["message"]
    # the spec the model was given: the bump, the advisory, the tests must pass
    first = json.dumps(sent[0])
    assert "Bump libfoo from 1.4.0 to 1.5.0" in first and "GHSA-f00-1234-abcd" in first
    assert "the tests pass" in first
    # the model saw the failing test, then the green one
    results = [json.dumps(b["messages"][-1]) for b in sent[3:5]]
    assert "test_the_code_speaks_the_pinned_libfoo_api" in results[0] and "FAILED" in results[0]
    delivery = json.loads((Path(bump["run_dir"]) / "delivery.json").read_text())
    reasons = {r["rule"]: r for r in delivery["decision"]["reasons"]}
    assert (
        reasons["kind.source"]["paths"] == ["calc/compat.py"]
        and reasons["kind.source"]["tier"] == 2
    )
    assert reasons["kind.dependency"]["tier"] == 1 and "tests.red" not in reasons
    branch = delivery["deploy"]["branch"]
    assert "libfoo==1.5.0" in git(remote, "show", f"{branch}:requirements.txt")
    assert 'LIBFOO_API = "1.5"' in git(remote, "show", f"{branch}:calc/compat.py")
    assert git(remote, "rev-parse", "main").strip() == old_main  # a human merges it


def test_update_merges_a_pure_bump_with_green_tests_in_auto_mode(
    runner: CliRunner, repo: Path, tmp_path: Path
) -> None:
    remote = add_bare_remote(repo, tmp_path / "remote.git")
    old_main = git(remote, "rev-parse", "main").strip()
    script = [
        _plan("requirements.txt"),
        _edit("requirements.txt", "libbar==2.0.0", "libbar==2.0.1"),
        tool_reply(("finish", {"summary": "Bumped libbar to 2.0.1."})),
    ]
    only_libbar_behind = _index(["1.4.0"], advisories=(), leftpad=("1.0.0",))
    with only_libbar_behind as fake, ScriptedMessagesServer(script) as server:
        data = _json(_update(runner, repo, fake, server.url, "--mode", "auto"))
    [bump] = data["bumps"]
    assert (bump["package"], bump["to"], bump["advisories"]) == ("libbar", "2.0.1", [])
    assert bump["outcome"] == "merged" and bump["tier"] == 1, bump["message"]
    new_main = git(remote, "rev-parse", "main").strip()
    assert new_main != old_main
    assert git(remote, "show", "main:requirements.txt") == "libfoo==1.4.0\nlibbar==2.0.1\n"
    delivery = json.loads((Path(bump["run_dir"]) / "delivery.json").read_text())
    assert delivery["decision"]["change_kind"] == "dependency"


def test_update_with_nothing_to_bump_runs_nothing(runner: CliRunner, repo: Path) -> None:
    with _index(["1.4.0"], advisories=()) as fake:
        result = _deps(
            runner, "update", "--repo", str(repo), "--only-vulnerable", *HASH, *fake.settings()
        )
    assert result.exit_code == 0, result.output + result.stderr
    assert result.stdout.startswith("nothing to bump (3 dependencies checked)")


def test_update_in_pr_mode_needs_a_model(runner: CliRunner, repo: Path, index: FakeIndex) -> None:
    result = _deps(runner, "update", "--repo", str(repo), "--mode", "pr", *index.settings())
    assert result.exit_code == 2 and "needs a model" in result.stderr
    bad = _deps(runner, "update", "--repo", str(repo), "--mode", "yolo")
    assert bad.exit_code == 2 and "unknown mode 'yolo'" in bad.stderr


def test_a_run_whose_agent_adds_a_typosquat_is_only_suggested(
    runner: CliRunner, repo: Path, index: FakeIndex, tmp_path: Path
) -> None:
    """A hostile (or sloppy) model reply: asked for a helper, it also adds ``reqeusts``. The
    run's own tiering (``deliver.tier`` with the ``deps.*`` URLs) flags it; nothing is pushed."""
    remote = add_bare_remote(repo, tmp_path / "remote.git")
    before = git(remote, "for-each-ref", "--format=%(refname) %(objectname)")
    spec = tmp_path / "helper.md"
    spec.write_text(f"---\ntitle: Add sub\ntest_command: {json.dumps(PYTEST)}\n---\nAdd sub.\n")
    script = [
        _plan("calc/ops.py"),
        _edit(
            "calc/ops.py",
            "    return a + b\n",
            "    return a + b\n\n\ndef sub(a, b):\n    return a - b\n",
        ),
        _edit("requirements.txt", "libbar==2.0.0\n", "libbar==2.0.0\nreqeusts==2.0\n"),
        tool_reply(("finish", {"summary": "Added sub."})),
    ]
    env = {"ANTHROPIC_API_KEY": "test-key"}
    with ScriptedMessagesServer(script) as server:
        env["ANTHROPIC_BASE_URL"] = server.url
        args = ["run", str(spec), "--repo", str(repo), "--mode", "auto", "--json", *HASH]
        data = _json(runner.invoke(app, [*args, *index.settings()], env=env))
    assert data["outcome"] == "suggested" and data["decision"]["tier"] == 3, data["message"]
    reasons = {r["rule"]: r for r in data["decision"]["reasons"]}
    assert "reqeusts looks like requests" in reasons["dependency.typosquat"]["message"]
    assert "/pypi/reqeusts/json" in index.paths()  # the run asked the configured index
    assert git(remote, "for-each-ref", "--format=%(refname) %(objectname)") == before


def test_update_in_suggest_mode_needs_no_model_and_writes_nothing(
    runner: CliRunner, repo: Path, index: FakeIndex
) -> None:
    head = git(repo, "rev-parse", "HEAD")
    status = git(repo, "status", "--porcelain")
    args = ["update", "--repo", str(repo), "--only-vulnerable", *HASH, *index.settings()]
    result = _deps(runner, *args)
    assert result.exit_code == 0, result.output + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "1 bump run(s), mode suggest:"
    assert lines[2].startswith("libfoo  1.4.0  1.5.0  GHSA-f00-1234-abcd  suggested")
    assert any(line.startswith("libfoo: ") for line in lines[3:])
    data = _json(_deps(runner, *args, "--json"))
    [bump] = data["bumps"]
    assert (bump["outcome"], bump["ok"], bump["tier"]) == ("suggested", True, None)
    plan = json.loads((Path(bump["run_dir"]) / "plan.json").read_text())
    assert "requirements.txt" in {f["path"] for f in plan["files_to_change"]}
    assert git(repo, "rev-parse", "HEAD") == head and git(repo, "status", "--porcelain") == status
