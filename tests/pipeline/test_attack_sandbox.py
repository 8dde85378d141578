"""Attacks on the test sandbox from a hostile target repository.

Each test commits a hostile test file to a repository and runs it the way the pipeline does
(``run_tests``, the test stage's function, or a whole ``run_spec``): the test tries to hand
the user's credentials to the model (failing-test output goes back to it), read the user's
home, reach host Unix sockets or the network, or write outside its worktree. The attack's
evidence is printed in the failure message, so whatever the test could see ends up in the
report — which is what the assertions read. Floods, hangs and what a report claims are in
test_attack_sandbox_report.py.
"""

from __future__ import annotations

import os
import pwd
import socket
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.workspace.test_runner import (
    TestReport,
    format_for_model,
    run_tests,
)
from tests.pipeline.sandbox_helpers import (
    CREDENTIALS,
    SECRET_MARK,
    MakeRepo,
    evidence_test,
    needs_bwrap,
    needs_unshare,
    pytest_command,
)

MakeCheckout = Callable[[dict[str, str]], tuple[Path, Path]]


def _everything(report: TestReport) -> str:
    """All a report holds, and all the model is shown of it."""
    return report.model_dump_json() + "\n" + format_for_model(report)


# --- 1. credentials in the environment ----------------------------------------------------
def test_credentials_in_the_environment_never_reach_the_report(
    make_repo: MakeRepo, config: PipelineConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    repo = make_repo(evidence_test("evidence['env'] = dict(os.environ)"))
    report = run_tests(repo, pytest_command(), config=config, artifacts_dir=tmp_path / "art")

    seen = _everything(report)
    assert "EVIDENCE" in seen and "'PATH'" in seen  # the dump reached the report (the control)
    assert SECRET_MARK not in seen, "a credential reached the report the model is shown"
    for name in CREDENTIALS:
        assert f"'{name}'" not in seen
    assert report.isolation is not None and report.isolation.env == "allowlist"
    assert not set(CREDENTIALS) & set(report.isolation.env_names)


def test_the_users_pass_through_list_is_honoured(
    make_repo: MakeRepo, config: PipelineConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MY_TOOL_MODE", "passed-through")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", CREDENTIALS["AWS_SECRET_ACCESS_KEY"])
    repo = make_repo(evidence_test("evidence['env'] = dict(os.environ)"))
    cfg = replace(config, sandbox_env_passthrough=("MY_TOOL_MODE",))
    report = run_tests(repo, pytest_command(), config=cfg, artifacts_dir=tmp_path / "art")

    seen = _everything(report)
    assert "'MY_TOOL_MODE': 'passed-through'" in seen and SECRET_MARK not in seen
    assert report.isolation is not None and "MY_TOOL_MODE" in report.isolation.env_names


# --- 2. the user's home -------------------------------------------------------------------
@needs_bwrap
def test_the_users_home_is_hidden_and_home_is_a_fresh_empty_dir(
    make_repo: MakeRepo, config: PipelineConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_home = tmp_path / "userhome"
    (fake_home / ".ssh").mkdir(parents=True)
    (fake_home / ".ssh" / "id_rsa").write_text(f"-----BEGIN KEY----- home-{SECRET_MARK}\n")
    monkeypatch.setenv("HOME", str(fake_home))
    pw_home = pwd.getpwuid(os.getuid()).pw_dir
    repo = make_repo(
        evidence_test(
            f"""
for p in (os.path.expanduser('~/.ssh/id_rsa'), {str(fake_home / ".ssh" / "id_rsa")!r}):
    try:
        evidence[p] = open(p).read()
    except OSError as exc:
        evidence[p] = type(exc).__name__
evidence['pw_home'] = sorted(os.listdir({pw_home!r})) if os.path.isdir({pw_home!r}) else None
evidence['home_is'] = sorted(os.listdir(os.environ['HOME']))
open(os.path.join(os.environ['HOME'], '.probe'), 'w').write('writable')
evidence['home_writable'] = True
"""
        )
    )
    report = run_tests(repo, pytest_command(), config=config, artifacts_dir=tmp_path / "art")

    seen = _everything(report)
    assert "EVIDENCE" in seen and "'home_writable': True" in seen, report.output
    assert SECRET_MARK not in seen, "the test read a file of the user's home"
    assert "'home_is': []" in seen  # $HOME is a fresh, empty, writable directory
    # the login home's files are not there; only the way to the interpreter, when the
    # project's Python lives in it (a pyenv build under ~/.pyenv, say), is shown read-only
    shown = {
        Path(p).relative_to(pw_home).parts[0]
        for p in (sys.prefix, sys.base_prefix)
        if Path(p).is_relative_to(pw_home) and Path(p) != Path(pw_home)
    }
    inside = report.failed_cases[0].message.split("'pw_home': ")[1].split("]")[0] + "]"
    private = set(os.listdir(pw_home)) - shown
    assert private, "the control: the host's login home has files of its own"
    assert not {name for name in private if repr(name) in inside}, inside
    assert report.isolation is not None and report.isolation.home == "private empty"


# --- 3. host Unix-domain sockets ------------------------------------------------------------
@pytest.fixture
def host_sockets(tmp_path: Path) -> Iterator[list[str]]:
    """Listening Unix sockets on the host: under /tmp, /run and beside the checkout."""
    places = [tmp_path / "agent.sock"]
    run_dir = Path("/run")
    if os.access(run_dir, os.W_OK):
        places.append(run_dir / f"specpilot-attack-{os.getpid()}.sock")
    beside = Path(__file__).resolve().parents[2] / f".attack-{os.getpid()}.sock"
    places.append(beside)
    servers = []
    for path in places:
        path.unlink(missing_ok=True)
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        server.listen(4)
        servers.append(server)
    yield [str(p) for p in places]
    for server, path in zip(servers, places, strict=True):
        server.close()
        path.unlink(missing_ok=True)


@needs_bwrap
def test_host_unix_sockets_are_unreachable(
    make_repo: MakeRepo, config: PipelineConfig, tmp_path: Path, host_sockets: list[str]
) -> None:
    repo = make_repo(
        evidence_test(
            f"""
for path in {host_sockets!r}:
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(path)
        evidence[path] = 'CONN' + 'ECTED'
    except OSError as exc:
        evidence[path] = type(exc).__name__
"""
        )
    )
    report = run_tests(repo, pytest_command(), config=config, artifacts_dir=tmp_path / "art")

    seen = _everything(report)
    assert "EVIDENCE" in seen, report.output
    assert "CONNECTED" not in seen, "a test reached a host Unix socket"
    assert report.isolation is not None and report.isolation.unix_sockets == "hidden"


# --- 4. writing outside the worktree ----------------------------------------------------------
@pytest.fixture
def checkout_and_worktree(
    make_repo: MakeRepo, git: Callable[..., str], tmp_path: Path
) -> MakeCheckout:
    """The user's checkout (hostile test committed) and a linked worktree of it, as a run has."""

    def make(test_files: dict[str, str]) -> tuple[Path, Path]:
        checkout = make_repo({"README.md": "mine\n", **test_files}, git=True, name="checkout")
        wt = tmp_path / "worktrees" / "run-1"
        git(checkout, "worktree", "add", "-q", "--detach", str(wt))
        return checkout, wt

    return make


@needs_bwrap
def test_a_test_cannot_write_the_checkout_its_git_hooks_or_its_worktrees_git_link(
    config: PipelineConfig, tmp_path: Path, checkout_and_worktree: MakeCheckout
) -> None:
    beside = tmp_path / "beside.txt"
    beside.write_text("untouched\n")
    art = tmp_path / "art"
    art.mkdir()
    (art / "report-1.json").write_text("{}\n")
    checkout = tmp_path / "checkout"
    targets = {
        "checkout file": checkout / "README.md",
        "hook": checkout / ".git" / "hooks" / "pre-commit",
        "beside": beside,
        "earlier report": art / "report-1.json",
    }
    body = "\n".join(
        f"try:\n    open({str(p)!r}, 'w').write('pwned')\n    evidence[{k!r}] = 'WRO' + 'TE'\n"
        f"except OSError as exc:\n    evidence[{k!r}] = type(exc).__name__"
        for k, p in targets.items()
    )
    body += (
        "\ntry:\n    open('.git', 'w').write('gitdir: /tmp/evil\\n')\n"
        "    evidence['git link'] = 'WRO' + 'TE'\nexcept OSError as exc:\n"
        "    evidence['git link'] = type(exc).__name__\n"
    )
    _, wt = checkout_and_worktree(evidence_test(body))
    git_link = (wt / ".git").read_text()
    report = run_tests(wt, pytest_command(), config=config, artifacts_dir=art)

    message = report.failed_cases[0].message
    assert "EVIDENCE" in message, report.output
    for key in ("checkout file", "hook", "earlier report", "git link"):
        assert f"'{key}': 'WROTE'" not in message, key
    # the file beside the worktree may be "written" — into the sandbox's private /tmp
    assert (checkout / "README.md").read_text() == "mine\n"
    assert not (checkout / ".git" / "hooks" / "pre-commit").exists()
    assert beside.read_text() == "untouched\n"
    assert (art / "report-1.json").read_text() == "{}\n"
    assert (wt / ".git").read_text() == git_link


@needs_bwrap
@pytest.mark.skipif(os.geteuid() != 0, reason="only root has capabilities to drop")
def test_root_inside_the_sandbox_cannot_remount_the_file_system_writable(
    config: PipelineConfig, tmp_path: Path, checkout_and_worktree: MakeCheckout
) -> None:
    checkout = tmp_path / "checkout"
    body = (
        "evidence['mount'] = subprocess.run(['mount', '-o', 'remount,rw,bind', '/'], "
        "capture_output=True).returncode\n"
        "subprocess.run(['umount', '-l', '/tmp'], capture_output=True)\n"
        f"try:\n    open({str(checkout / 'README.md')!r}, 'w').write('pwned')\n"
        "    evidence['write'] = 'WRO' + 'TE'\nexcept OSError as exc:\n"
        "    evidence['write'] = type(exc).__name__\n"
    )
    _, wt = checkout_and_worktree(evidence_test(body))
    report = run_tests(wt, pytest_command(), config=config, artifacts_dir=tmp_path / "art")

    assert "EVIDENCE" in report.output, report.output
    assert (checkout / "README.md").read_text() == "mine\n"
    assert "WROTE" not in report.output


# --- 6. the network -----------------------------------------------------------------------
@needs_unshare
def test_a_test_cannot_reach_a_listener_on_the_hosts_loopback(
    make_repo: MakeRepo, config: PipelineConfig, tmp_path: Path
) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]
    repo = make_repo(
        evidence_test(
            f"try:\n    socket.create_connection(('127.0.0.1', {port}), timeout=3).close()\n"
            "    evidence['tcp'] = 'CONN' + 'ECTED'\nexcept OSError as exc:\n"
            "    evidence['tcp'] = type(exc).__name__"
        )
    )
    try:
        report = run_tests(repo, pytest_command(), config=config, artifacts_dir=tmp_path / "a")
    finally:
        listener.close()
    assert "EVIDENCE" in report.output and "CONNECTED" not in report.output
    assert report.isolation is not None and report.isolation.network


@needs_bwrap
def test_the_audit_key_file_is_hidden_wherever_it_lives(
    make_repo: MakeRepo, config: PipelineConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a key file outside every hidden place (beside the checkout), named by the environment
    key = Path(__file__).resolve().parents[2] / f".attack-key-{os.getpid()}"
    key.write_text(f"audit-key-{SECRET_MARK}\n")
    monkeypatch.setenv("SPECPILOT_AUDIT_KEY_FILE", str(key))
    repo = make_repo(
        evidence_test(
            f"try:\n    evidence['key'] = open({str(key)!r}).read()\n"
            "except OSError as exc:\n    evidence['key'] = type(exc).__name__"
        )
    )
    try:
        report = run_tests(repo, pytest_command(), config=config, artifacts_dir=tmp_path / "a")
    finally:
        key.unlink()
    assert "EVIDENCE" in report.output, report.output
    assert SECRET_MARK not in _everything(report), "a test read the audit key"
