"""Attacks on the test sandbox from a hostile target repository.

Each test commits a hostile test file to a repository and runs it the way the pipeline does
(``run_tests``, the test stage's function, or a whole ``run_spec``): the test tries to hand
the user's credentials to the model (failing-test output goes back to it), read the user's
home, reach host Unix sockets or the network, write outside its worktree, flood the output,
or hang. The attack's evidence is printed in the failure message, so whatever the test could
see ends up in the report — which is what the assertions read.
"""

from __future__ import annotations

import os
import pwd
import socket
import sys
import tempfile
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.run.drive import run_spec
from specpilot.pipeline.run.spec import parse_spec
from specpilot.pipeline.testing import tool_reply
from specpilot.pipeline.workspace.sandbox import IsolationStatus, probe_isolation
from specpilot.pipeline.workspace.test_runner import (
    TestCommand,
    TestReport,
    format_for_model,
    run_tests,
)
from tests.pipeline.conftest import StartServer
from tests.pipeline.run_helpers import PYTEST, edit, model_for, plan_reply, tool_results

MakeRepo = Callable[..., Path]
MakeCheckout = Callable[[dict[str, str]], tuple[Path, Path]]
needs_bwrap = pytest.mark.skipif(
    not probe_isolation().filesystem, reason="bubblewrap is not installed or cannot run here"
)
needs_unshare = pytest.mark.skipif(
    not probe_isolation().available, reason="unshare cannot make namespaces on this machine"
)

CREDENTIALS = {
    "AWS_SECRET_ACCESS_KEY": "aws-secret-7Qx",
    "AWS_ACCESS_KEY_ID": "AKIA-id-7Qx",
    "SECRET_KEY": "django-secret-7Qx",
    "DATABASE_URL": "postgres://app:dbpass-7Qx@db.internal/app",
    "GOOGLE_APPLICATION_CREDENTIALS": "/srv/creds/gcp-7Qx.json",
    "SSH_AUTH_SOCK": "/tmp/ssh-7Qx/agent.1",
    "ANTHROPIC_API_KEY": "sk-ant-7Qx",
}
SECRET_MARK = "7Qx"


def _pytest() -> TestCommand:
    return TestCommand(PYTEST, "pytest", "config")


def _evidence_test(body: str) -> dict[str, str]:
    """A test file whose test gathers ``evidence`` (a dict) and fails printing it.

    Markers such as 'CONN' + 'ECTED' are built at run time: pytest prints the test's source in
    its traceback, so a literal marker would show up whatever the test could do."""
    lines = "".join(f"    {line}\n" for line in body.strip().splitlines())
    return {
        "test_hostile.py": (
            "import os, socket, subprocess\n\n\ndef test_hostile():\n"
            "    evidence = {}\n" + lines + "    assert False, 'EVIDENCE ' + repr(evidence)\n"
        )
    }


def _everything(report: TestReport) -> str:
    """All a report holds, and all the model is shown of it."""
    return report.model_dump_json() + "\n" + format_for_model(report)


# --- 1. credentials in the environment ----------------------------------------------------
def test_credentials_in_the_environment_never_reach_the_report(
    make_repo: MakeRepo, config: PipelineConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    repo = make_repo(_evidence_test("evidence['env'] = dict(os.environ)"))
    report = run_tests(repo, _pytest(), config=config, artifacts_dir=tmp_path / "art")

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
    repo = make_repo(_evidence_test("evidence['env'] = dict(os.environ)"))
    cfg = replace(config, sandbox_env_passthrough=("MY_TOOL_MODE",))
    report = run_tests(repo, _pytest(), config=cfg, artifacts_dir=tmp_path / "art")

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
        _evidence_test(
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
    report = run_tests(repo, _pytest(), config=config, artifacts_dir=tmp_path / "art")

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
        _evidence_test(
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
    report = run_tests(repo, _pytest(), config=config, artifacts_dir=tmp_path / "art")

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
    _, wt = checkout_and_worktree(_evidence_test(body))
    git_link = (wt / ".git").read_text()
    report = run_tests(wt, _pytest(), config=config, artifacts_dir=art)

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
    _, wt = checkout_and_worktree(_evidence_test(body))
    report = run_tests(wt, _pytest(), config=config, artifacts_dir=tmp_path / "art")

    assert "EVIDENCE" in report.output, report.output
    assert (checkout / "README.md").read_text() == "mine\n"
    assert "WROTE" not in report.output


# --- 5. output floods -------------------------------------------------------------------------
@pytest.fixture
def host_tmp_watch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Point the host's temp files into a folder and record the most bytes it ever held."""
    host_tmp = tmp_path / "host-tmp"
    host_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(host_tmp))
    peak = [0]
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            total = 0
            for dirpath, _dirs, files in os.walk(host_tmp):
                for name in files:
                    try:
                        total += os.lstat(os.path.join(dirpath, name)).st_size
                    except OSError:
                        continue
            for fd_path in Path("/proc/self/fd").iterdir():  # unlinked temp files too
                try:
                    target = os.readlink(fd_path)
                    if target.startswith(str(host_tmp)):
                        total += os.stat(fd_path).st_size
                except OSError:
                    continue
            peak[0] = max(peak[0], total)
            stop.wait(0.02)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    yield peak
    stop.set()
    thread.join(timeout=2)


@pytest.mark.parametrize("flood", ["cat /dev/zero", "yes specpilot"])
@pytest.mark.timeout(60)
def test_an_output_flood_is_cut_while_it_is_produced(
    make_repo: MakeRepo,
    config: PipelineConfig,
    tmp_path: Path,
    host_tmp_watch: list[int],
    flood: str,
) -> None:
    keep, kill = 64_000, 2_000_000
    cfg = replace(
        config, test_timeout_s=6, sandbox_output_bytes=keep, sandbox_kill_output_bytes=kill
    )
    repo = make_repo({"README.md": "x\n"})
    tracemalloc.start()
    try:
        report = run_tests(
            repo, TestCommand(flood, "custom", "spec"), config=cfg, artifacts_dir=tmp_path / "a"
        )
        _, peak_memory = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert not report.passed and report.output_killed and not report.timed_out
    # killed at the output limit, not at the 6 s time limit (``not report.timed_out``): a
    # unit test checks what happened, never how many seconds it took
    assert f"output passed the {kill}-byte limit" in report.output
    assert host_tmp_watch[0] < 4 * keep, f"{host_tmp_watch[0]} bytes buffered on the host disk"
    assert peak_memory < 8 * keep + 2_000_000, f"{peak_memory} bytes buffered in memory"
    assert "KILLED" in format_for_model(report)


def test_long_output_keeps_its_head_and_tail(
    make_repo: MakeRepo, config: PipelineConfig, tmp_path: Path
) -> None:
    cfg = replace(config, sandbox_output_bytes=20_000, sandbox_kill_output_bytes=10_000_000)
    script = "echo FIRST-LINE; i=0; while [ $i -lt 30000 ]; do echo filler-$i; i=$((i+1)); done"
    report = run_tests(
        make_repo({"README.md": "x\n"}),
        TestCommand(script + "; echo LAST-LINE; exit 1", "custom", "spec"),
        config=replace(cfg, test_output_chars=100_000),
        artifacts_dir=tmp_path / "a",
    )
    assert not report.output_killed and report.returncode == 1
    assert report.output.startswith("FIRST-LINE") and "LAST-LINE" in report.output[-200:]
    assert "bytes of output omitted" in report.output and len(report.output) < 21_000


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
        _evidence_test(
            f"try:\n    socket.create_connection(('127.0.0.1', {port}), timeout=3).close()\n"
            "    evidence['tcp'] = 'CONN' + 'ECTED'\nexcept OSError as exc:\n"
            "    evidence['tcp'] = type(exc).__name__"
        )
    )
    try:
        report = run_tests(repo, _pytest(), config=config, artifacts_dir=tmp_path / "a")
    finally:
        listener.close()
    assert "EVIDENCE" in report.output and "CONNECTED" not in report.output
    assert report.isolation is not None and report.isolation.network


# --- 7. suggest mode without a file-system sandbox ----------------------------------------
SPEC = parse_spec(
    "---\ntitle: Add a multiply helper\n---\nAdd `mul` next to `add` in calc/ops.py.\n",
    source="specs/add-mul.md",
)


@pytest.mark.parametrize("why", ["config", "no-bubblewrap"])
@pytest.mark.timeout(60)
def test_suggest_mode_runs_no_tests_without_a_file_system_sandbox(
    make_repo: MakeRepo,
    config: PipelineConfig,
    scripted_server: StartServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    why: str,
) -> None:
    checkout = tmp_path / "repo"
    hostile = (
        "import os\n\n\ndef test_ops():\n"
        f"    open({str(checkout / 'calc' / 'ops.py')!r}, 'w').write('PWNED = 1\\n')\n"
        f"    hook = {str(checkout / '.git' / 'hooks' / 'pre-commit')!r}\n"
        "    open(hook, 'w').write('#!/bin/sh\\necho pwned\\n')\n"
        "    os.chmod(hook, 0o755)\n"
    )
    files = {"calc/__init__.py": "", "calc/ops.py": "def add(a, b):\n    return a + b\n"}
    make_repo({**files, "tests/test_ops.py": hostile}, git=True, name="repo")
    if why == "config":
        config = replace(config, sandbox_filesystem=False)
    else:
        import specpilot.pipeline.workspace.test_runner as test_runner

        monkeypatch.setattr(
            test_runner,
            "probe_isolation",
            lambda: IsolationStatus(True, "unshare", filesystem_reason="bwrap is missing"),
        )
    ops = "def add(a, b):\n    return a + b\n"
    server = scripted_server(
        [
            plan_reply(),
            tool_reply(edit("calc/ops.py", ops, ops + "\n\ndef mul(a, b):\n    return a * b\n")),
            tool_reply(("run_tests", {})),
            tool_reply(("finish", {"summary": "Added mul."})),
        ]
    )
    record = run_spec(
        SPEC, repo=checkout, mode="suggest", config=config, model=model_for(server, config),
        index=None,
    )  # fmt: skip

    assert not (checkout / ".git" / "hooks" / "pre-commit").exists(), "a hook was planted"
    assert (checkout / "calc" / "ops.py").read_text() == ops
    assert record.test_reports == ()
    (tool_result,) = tool_results(server.requests[3].body)
    assert "not run" in tool_result["content"] and "file-system sandbox" in tool_result["content"]
    assert record.status == "suggested"
    assert "untested" in (record.stop_reason or "")
    assert "file-system sandbox" in (record.stop_reason or "")
    report_md = (Path(record.run_dir) / "report.md").read_text()
    assert "not run" in report_md and "file-system sandbox" in report_md


# --- 8. a hung test ---------------------------------------------------------------------------
@pytest.mark.timeout(60)
def test_a_hung_test_leaves_its_stack_trace_in_the_report(
    make_repo: MakeRepo, config: PipelineConfig, tmp_path: Path
) -> None:
    repo = make_repo(
        {"test_hang.py": "import time\n\n\ndef test_hangs_here():\n    time.sleep(120)\n"}
    )
    cfg = replace(config, test_timeout_s=8, test_output_chars=3000)  # the dump gets trimmed
    report = run_tests(repo, _pytest(), config=cfg, artifacts_dir=tmp_path / "a")
    assert report.timed_out and not report.passed
    assert "Timeout" in report.output and "test_hangs_here" in report.output, report.output
    assert "test_hangs_here" in format_for_model(report)


# --- 9. never claim a protection that is not in force ---------------------------------------
@needs_unshare
def test_without_bubblewrap_the_report_claims_no_file_system_or_home_protection(
    make_repo: MakeRepo,
    config: PipelineConfig,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import specpilot.pipeline.workspace.test_runner as test_runner

    monkeypatch.setattr(
        test_runner,
        "probe_isolation",
        lambda: IsolationStatus(True, "unshare", filesystem_reason="bwrap is missing"),
    )
    secret = tmp_path / "userhome" / "notes.txt"
    secret.parent.mkdir()
    secret.write_text(f"home-{SECRET_MARK}\n")
    monkeypatch.setenv("HOME", str(secret.parent))
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", CREDENTIALS["AWS_SECRET_ACCESS_KEY"])
    repo = make_repo(
        _evidence_test(
            f"evidence['file'] = open({str(secret)!r}).read()\n"
            "evidence['aws'] = os.environ.get('AWS_SECRET_ACCESS_KEY')\n"
            "evidence['home'] = os.environ['HOME']"
        )
    )
    report = run_tests(repo, _pytest(), config=config, artifacts_dir=tmp_path / "a")

    assert f"home-{SECRET_MARK}" in report.output  # the control: the home really was readable
    assert "aws-secret" not in report.output  # ...but the environment was still cleared
    assert str(secret.parent) not in report.output.split("'home':")[1]  # and HOME is fresh
    iso = report.isolation
    assert iso is not None
    assert iso.network and iso.filesystem == "none" and iso.home == "host"
    assert iso.env == "allowlist" and iso.unix_sockets == "reachable"
    assert not report.filesystem_isolated and "bwrap is missing" in report.sandbox_note


@needs_bwrap
def test_bubblewrap_runs_state_what_was_in_force(
    make_repo: MakeRepo, config: PipelineConfig, tmp_path: Path
) -> None:
    report = run_tests(
        make_repo({"test_ok.py": "def test_ok():\n    pass\n"}),
        _pytest(),
        config=config,
        artifacts_dir=tmp_path / "a",
    )
    iso = report.isolation
    assert report.passed and iso is not None
    assert iso.network and iso.filesystem.startswith("bubblewrap")
    assert iso.home == "private empty" and iso.env == "allowlist"
    assert report.filesystem_isolated and report.network_isolated


@pytest.mark.parametrize("bubblewrap", [pytest.param(True, marks=needs_bwrap), False])
@pytest.mark.timeout(60)
def test_the_run_report_states_the_protections_in_force_and_no_more(
    demo_repo: Path,
    config: PipelineConfig,
    scripted_server: StartServer,
    monkeypatch: pytest.MonkeyPatch,
    bubblewrap: bool,
) -> None:
    if not bubblewrap:
        import specpilot.pipeline.workspace.test_runner as test_runner

        monkeypatch.setattr(
            test_runner,
            "probe_isolation",
            lambda: IsolationStatus(True, "unshare", filesystem_reason="bwrap is missing"),
        )
    ops = "def sub(a, b):\n    return a - b\n"
    server = scripted_server(
        [
            plan_reply(),
            tool_reply(edit("calc/ops.py", ops, ops + "\n\ndef mul(a, b):\n    return a * b\n")),
            tool_reply(("finish", {"summary": "Added mul."})),
        ]
    )
    record = run_spec(
        SPEC, repo=demo_repo, mode="pr", config=config, model=model_for(server, config),
        index=None,
    )  # fmt: skip
    assert record.status == "green", record.stop_reason
    report_md = (Path(record.run_dir) / "report.md").read_text()
    section = report_md.split("## Test sandbox")[1].split("\n## ")[0]
    assert "- Network: off" in section and "- Environment: allowlist (" in section
    if bubblewrap:
        assert "- File system: bubblewrap: " in section
        assert "- Home: a private empty directory" in section
        assert "- Host Unix sockets: hidden" in section
    else:
        assert "- File system: none: not isolated" in section
        assert "- Home: the user's home was readable" in section
        assert "- Host Unix sockets: reachable" in section and "bwrap is missing" in section
        assert any("without a file-system sandbox" in w for w in record.warnings)


@needs_bwrap
def test_the_audit_key_file_is_hidden_wherever_it_lives(
    make_repo: MakeRepo, config: PipelineConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a key file outside every hidden place (beside the checkout), named by the environment
    key = Path(__file__).resolve().parents[2] / f".attack-key-{os.getpid()}"
    key.write_text(f"audit-key-{SECRET_MARK}\n")
    monkeypatch.setenv("SPECPILOT_AUDIT_KEY_FILE", str(key))
    repo = make_repo(
        _evidence_test(
            f"try:\n    evidence['key'] = open({str(key)!r}).read()\n"
            "except OSError as exc:\n    evidence['key'] = type(exc).__name__"
        )
    )
    try:
        report = run_tests(repo, _pytest(), config=config, artifacts_dir=tmp_path / "a")
    finally:
        key.unlink()
    assert "EVIDENCE" in report.output, report.output
    assert SECRET_MARK not in _everything(report), "a test read the audit key"
