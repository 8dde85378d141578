"""``specpilot eval``: a repository's own commits as specs, judged by their held-back tests.

The model is the real Anthropic SDK against the scripted loopback server; the target is a
small git repository made here with two commits that each add a function and its test.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from specpilot.flows.commands import app
from specpilot.pipeline import EvalError, commit_case, recent_cases
from specpilot.pipeline.testing import ScriptedMessagesServer, ScriptedReply, tool_reply
from tests.cli_checks import assert_one_line_error
from tests.flows.spec_helpers import HASH, PYTEST, git

OPS = '"""Arithmetic helpers."""\n\n\ndef add(a, b):\n    return a + b\n'
TESTS = "from calc import ops\n\n\ndef test_add():\n    assert ops.add(2, 3) == 5\n"
MUL = "\n\ndef mul(a, b):\n    return a * b\n"
MUL_TEST = "\n\ndef test_mul():\n    assert ops.mul(2, 3) == 6\n"
DIV = "\n\ndef div(a, b):\n    return a / b\n"
DIV_TEST = "\n\ndef test_div():\n    assert ops.div(6, 3) == 2\n"
TEST_GLOBS = ("tests/**",)
SETS = [*HASH, "--set", f"pipeline.test_command='{PYTEST}'"]


def _commit(repo: Path, files: dict[str, str], message: str) -> str:
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=dev", "-c", "user.email=dev@localhost", "commit", "-qm", message)
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def history(make_repo: Callable[..., Path]) -> tuple[Path, str, str]:
    """A repo with a base commit, then `mul` + its test, then `div` + its test."""
    repo = make_repo({"calc/__init__.py": "", "calc/ops.py": OPS, "tests/test_ops.py": TESTS},
                     git=True)  # fmt: skip
    mul = _commit(
        repo,
        {"calc/ops.py": OPS + MUL, "tests/test_ops.py": TESTS + MUL_TEST},
        "Add mul to calc.ops\n\nmul(a, b) multiplies two numbers.",
    )
    div = _commit(
        repo,
        {"calc/ops.py": OPS + MUL + DIV, "tests/test_ops.py": TESTS + MUL_TEST + DIV_TEST},
        "Add div to calc.ops\n\ndiv(a, b) divides a by b.",
    )
    return repo, mul, div


def _plan(path: str = "calc/ops.py") -> ScriptedReply:
    plan = {
        "summary": "Add the function to calc/ops.py.",
        "steps": ["Add the function", "Run the tests"],
        "files_to_change": [{"path": path, "reason": "it holds the helpers"}],
        "tests_to_add": [],
        "risks": ["none"],
    }
    return tool_reply(("submit_plan", plan), input_tokens=400, output_tokens=80)


def _writes(old_tail: str, new_code: str) -> list[ScriptedReply]:
    """Plan, append ``new_code`` after ``old_tail`` in calc/ops.py, finish."""
    edit = {"path": "calc/ops.py", "old_text": old_tail, "new_text": old_tail + new_code}
    return [
        _plan(),
        tool_reply(("edit_file", edit), input_tokens=300, output_tokens=40),
        tool_reply(("finish", {"summary": "Added it."}), input_tokens=200, output_tokens=10),
    ]


SERVERS: list[ScriptedMessagesServer] = []  # the servers a test started (last: the newest)


@pytest.fixture
def model_env() -> Iterator[Callable[[list[ScriptedReply]], dict[str, str]]]:
    """``start(script) -> env`` naming a scripted server; stopped at teardown."""

    def start(script: list[ScriptedReply]) -> dict[str, str]:
        server = ScriptedMessagesServer(script).start()
        SERVERS.append(server)
        return {"ANTHROPIC_API_KEY": "test-key", "ANTHROPIC_BASE_URL": server.url}

    yield start
    while SERVERS:
        SERVERS.pop().stop()


def _eval(runner: CliRunner, repo: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return runner.invoke(app, ["eval", "--repo", str(repo), *SETS, *args], env=env)


def _refs(repo: Path) -> str:
    return git(repo, "for-each-ref", "--format=%(refname) %(objectname)")


# --- which commits are cases ----------------------------------------------------------------


def test_the_last_commits_that_change_code_and_tests_are_the_cases(
    history: tuple[Path, str, str],
) -> None:
    repo, mul, div = history
    _commit(repo, {"README.md": "# calc\n"}, "Docs only: not a case")
    cases = recent_cases(repo, 2, TEST_GLOBS)
    assert [c.sha for c in cases] == [div, mul]  # newest first; the docs commit is skipped
    newest = cases[0]
    assert newest.parent == mul and newest.title == "Add div to calc.ops"
    assert newest.body == "div(a, b) divides a by b."
    assert dict(newest.tests) == {"tests/test_ops.py": TESTS + MUL_TEST + DIV_TEST}
    assert newest.code == ("calc/ops.py",)
    spec = newest.spec()
    assert spec.title == "Add div to calc.ops" and "divides a by b" in spec.body
    assert "test_div" not in spec.to_markdown()  # the held-back test is not in the spec
    with pytest.raises(EvalError, match="only 2 of the last 4"):
        recent_cases(repo, 3, TEST_GLOBS)
    with pytest.raises(EvalError, match="at least 1"):
        recent_cases(repo, 0, TEST_GLOBS)


def test_a_given_commit_must_be_a_non_merge_commit_with_code_and_tests(
    history: tuple[Path, str, str],
) -> None:
    repo, mul, _ = history
    assert commit_case(repo, mul[:8], TEST_GLOBS).sha == mul
    root = git(repo, "rev-list", "--max-parents=0", "HEAD").strip()
    with pytest.raises(EvalError, match="first commit"):
        commit_case(repo, root, TEST_GLOBS)
    with pytest.raises(EvalError, match="not a commit"):
        commit_case(repo, "no-such-ref", TEST_GLOBS)
    docs = _commit(repo, {"README.md": "# calc\n"}, "Docs only")
    with pytest.raises(EvalError, match="does not change both code and tests"):
        commit_case(repo, docs, TEST_GLOBS)


# --- the eval itself -------------------------------------------------------------------------


def test_right_code_is_solved_and_wrong_code_fails_the_held_back_tests(
    runner: CliRunner,
    history: tuple[Path, str, str],
    model_env: Callable[[list[ScriptedReply]], dict[str, str]],
    tmp_path: Path,
) -> None:
    """Newest first: `div` written right (solved), then `mul` written wrong — the repo's
    tests at the parent stay green, but the commit's own test_mul fails on the result."""
    repo, mul, div = history
    before, head = _refs(repo), git(repo, "rev-parse", "HEAD")
    right_div = _writes("return a * b\n", DIV)
    wrong_mul = _writes("return a + b\n", "\n\ndef mul(a, b):\n    return a + b\n")
    env = model_env(right_div + wrong_mul)
    out = tmp_path / "eval.json"
    result = _eval(runner, repo, "--commits", "2", "--json", "--out", str(out), env=env)
    assert result.exit_code == 0, result.output + result.stderr
    data = json.loads(result.stdout)
    assert json.loads(out.read_text()) == data
    by_commit = {c["commit"]: c for c in data["cases"]}
    solved, failed = by_commit[div], by_commit[mul]
    assert solved["outcome"] == "solved", solved
    assert solved["run_status"] == "green" and solved["heldout_tests"] == ["tests/test_ops.py"]
    assert failed["outcome"] == "heldout_fail", failed
    assert failed["run_status"] == "green" and "failed" in failed["detail"]
    for case in (solved, failed):
        assert case["tokens_in"] == 900 and case["tokens_out"] == 130
        assert case["model_calls"] == 3 and case["repair_rounds"] == 0
        assert case["cost_usd"] is not None and case["cost_usd"] > 0  # a priced default model
        assert case["seconds"] > 0 and Path(case["run_dir"]).is_dir()
    assert (data["solved"], data["total"], data["solve_rate"]) == (1, 2, 0.5)
    assert data["counts"] == {"solved": 1, "heldout_fail": 1, "red": 0, "stopped": 0, "error": 0}
    assert data["tokens_in"] == 1800 and data["mode"] == "pr"
    # the agent started at each commit's parent and never saw a held-back test
    requests = [json.dumps(r.body) for r in SERVERS[-1].requests]
    div_sent, mul_sent = "".join(requests[:3]), "".join(requests[3:])
    assert "Add div to calc.ops" in div_sent and "divides a by b" in div_sent
    assert "test_div" not in div_sent and "test_mul" in div_sent  # mul is the div's parent
    assert "Add mul to calc.ops" in mul_sent
    assert "test_mul" not in mul_sent and "def div" not in mul_sent
    # nothing landed in the user's repository: no branch, no worktree, same HEAD
    assert _refs(repo) == before and git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "worktree", "list").count("\n") == 1
    # the branches are kept in the work directory's clones, with the agent's code
    clone = Path(data["work_dir"]) / div[:10] / "repo"
    assert "return a / b" in git(clone, "show", f"{solved['branch']}:calc/ops.py")
    assert "test_div" not in git(clone, "show", f"{solved['branch']}:tests/test_ops.py")


def test_the_text_report_has_a_row_per_commit_and_the_solve_rate(
    runner: CliRunner,
    history: tuple[Path, str, str],
    model_env: Callable[[list[ScriptedReply]], dict[str, str]],
) -> None:
    repo, _, div = history
    env = model_env(_writes("return a * b\n", DIV))
    result = _eval(runner, repo, "--commit", div, env=env)
    assert result.exit_code == 0, result.output + result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("commit") and "outcome" in lines[0]
    assert lines[1].startswith(div[:10]) and "solved" in lines[1] and "Add div" in lines[1]
    assert lines[-1].startswith("solved 1/1 = 100%")
    assert "[1/1]" in result.stderr  # progress on stderr, not mixed into the report


def test_a_run_that_ends_with_failing_tests_is_red(
    runner: CliRunner,
    history: tuple[Path, str, str],
    model_env: Callable[[list[ScriptedReply]], dict[str, str]],
) -> None:
    """The agent breaks `add`: the repo's own tests fail, no repair round is allowed."""
    repo, _, div = history
    edit = {"path": "calc/ops.py", "old_text": "return a + b", "new_text": "return a - b"}
    env = model_env([
        _plan(),
        tool_reply(("edit_file", edit)),
        tool_reply(("finish", {"summary": "Done."})),
    ])  # fmt: skip
    result = _eval(runner, repo, "--commit", div, "--json", "--set",
                   "pipeline.max_repair_rounds=0", env=env)  # fmt: skip
    data = json.loads(result.stdout)
    case = data["cases"][0]
    assert case["outcome"] == "red", case
    assert case["run_status"] == "stopped" and data["solved"] == 0


# --- bad input -------------------------------------------------------------------------------


def test_eval_without_a_model_is_a_one_line_usage_error(
    runner: CliRunner, history: tuple[Path, str, str]
) -> None:
    repo, _, _ = history
    assert_one_line_error(_eval(runner, repo, "--commits", "1"), "eval", "needs a model")


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--commits", "0"], ["--commits", "at least 1"]),
        (["--commits", "-3"], ["--commits", "at least 1"]),
        (["--commits", "3"], ["--commits 3", "only 2"]),
        ([], ["--commits N", "--commit SHA"]),
        (["--commits", "1", "--commit", "HEAD"], ["not both"]),
        (["--commit", "no-such-ref"], ["no-such-ref", "not a commit"]),
        (["--commits", "1", "--mode", "suggest"], ["--mode", "pr, auto"]),
    ],
)
def test_bad_eval_input_is_a_one_line_usage_error(
    runner: CliRunner, history: tuple[Path, str, str], args: list[str], needles: list[str]
) -> None:
    repo, _, _ = history
    env = {"ANTHROPIC_BASE_URL": "http://127.0.0.1:9", "ANTHROPIC_API_KEY": "test-key"}
    assert_one_line_error(_eval(runner, repo, *args, env=env), *needles)


def test_eval_outside_a_git_repository_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    env = {"ANTHROPIC_BASE_URL": "http://127.0.0.1:9", "ANTHROPIC_API_KEY": "test-key"}
    assert_one_line_error(_eval(runner, plain, "--commits", "1", env=env), "git repository")


def test_a_commit_whose_run_crashes_is_an_error_case_and_the_eval_goes_on(
    runner: CliRunner,
    history: tuple[Path, str, str],
    model_env: Callable[[list[ScriptedReply]], dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The newest commit's run raises; the next one still runs; exit 1 names the harness
    problem, the JSON is complete."""
    from specpilot.flows import eval_run

    repo, mul, div = history
    real = eval_run.run_request
    calls: list[str] = []

    def crash_first(request: Any, **kw: Any) -> Any:
        calls.append(request.spec.title)
        if len(calls) == 1:
            raise RuntimeError("disk on fire")
        return real(request, **kw)

    monkeypatch.setattr(eval_run, "run_request", crash_first)
    env = model_env(_writes("return a + b\n", MUL))
    result = _eval(runner, repo, "--commits", "2", "--json", env=env)
    assert result.exit_code == 1, result.output + result.stderr
    assert "Traceback" not in result.output + result.stderr
    data = json.loads(result.stdout)
    by_commit = {c["commit"]: c for c in data["cases"]}
    assert by_commit[div]["outcome"] == "error"
    assert by_commit[div]["detail"] == "RuntimeError: disk on fire"
    assert by_commit[mul]["outcome"] == "solved", by_commit[mul]
    assert data["counts"]["error"] == 1 and data["solve_rate"] == 0.5
