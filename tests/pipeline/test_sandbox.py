"""The sandbox: process group + time limit with kill, no network, secrets out of the env."""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from specpilot.pipeline.workspace.sandbox import clean_env, probe_isolation, run_command
from specpilot.pipeline.workspace.test_isolation import interpreter_paths

needs_unshare = pytest.mark.skipif(
    not probe_isolation().available, reason="unshare cannot make namespaces on this machine"
)
needs_bwrap = pytest.mark.skipif(
    not probe_isolation().filesystem, reason="bubblewrap is not installed or cannot run here"
)


@pytest.fixture
def host_listener() -> Iterator[int]:
    """A TCP listener on the host's loopback; returns its port."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                conn.close()
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(timeout=2)
    server.close()


def _connect_script(port: int) -> str:
    code = (
        "import socket\n"
        f"socket.create_connection(('127.0.0.1', {port}), timeout=3).close()\n"
        "print('CONNECTED')\n"
    )
    return f'{sys.executable} -c "{code}"'


@needs_unshare
def test_no_network_inside_the_sandbox(tmp_path: Path, host_listener: int) -> None:
    open_run = run_command(
        _connect_script(host_listener), cwd=tmp_path, timeout_s=20, isolate_network=False
    )
    assert open_run.returncode == 0 and "CONNECTED" in open_run.output  # the control

    boxed = run_command(
        _connect_script(host_listener), cwd=tmp_path, timeout_s=20, isolate_network=True
    )
    assert boxed.returncode != 0
    assert "CONNECTED" not in boxed.output
    assert "ConnectionRefusedError" in boxed.output or "unreachable" in boxed.output
    assert boxed.network_isolated and "no network" in boxed.note


@needs_unshare
def test_loopback_works_inside_the_sandbox(tmp_path: Path) -> None:
    code = (
        "import socket\ns = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)\n"
        "socket.create_connection(s.getsockname(), timeout=3).close(); print('LOOPBACK OK')\n"
    )
    result = run_command(
        f'{sys.executable} -c "{code}"', cwd=tmp_path, timeout_s=20, isolate_network=True
    )
    assert "LOOPBACK OK" in result.output, result.output


@pytest.mark.parametrize(
    ("isolate", "filesystem"),
    [
        (False, False),
        pytest.param(True, False, marks=needs_unshare),
        pytest.param(True, True, marks=needs_bwrap),
    ],
)
@pytest.mark.timeout(30)
def test_time_limit_kills_the_whole_process_group(
    tmp_path: Path, isolate: bool, filesystem: bool
) -> None:
    marker = tmp_path / "survivor"
    # the child starts a grandchild that would write the marker after 1 s, then hangs itself
    code = (
        "import subprocess, sys, time\n"
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(1); "
        f'open(r\\"{marker}\\", \\"w\\").write(\\"alive\\")\'])\n'
        "time.sleep(60)\n"
    )
    result = run_command(
        f'{sys.executable} -c "{code}"', cwd=tmp_path, timeout_s=0.8, isolate_network=isolate,
        isolate_filesystem=filesystem, readonly=interpreter_paths(sys.executable),
    )  # fmt: skip
    assert result.timed_out and result.returncode is None
    assert "killed after the 0.8 s time limit" in result.output
    time.sleep(1.5)
    assert not marker.exists(), "a grandchild survived the kill"


def test_output_is_captured_with_exit_code(tmp_path: Path) -> None:
    result = run_command(
        "echo out; echo err >&2; exit 3", cwd=tmp_path, timeout_s=10, isolate_network=False
    )
    assert result.returncode == 3 and not result.timed_out
    assert "out" in result.output and "err" in result.output


def test_only_allowlisted_variables_reach_the_test_command(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin", "LC_ALL": "C", "ANTHROPIC_API_KEY": "sk-x", "GITHUB_TOKEN": "t",
        "AWS_SECRET_ACCESS_KEY": "aws-x", "DROP": "1", "KEEP": "2",
    }  # fmt: skip
    assert set(clean_env(env, ("KEEP",), home="/h", tmpdir="/t")) == {
        "PATH", "LC_ALL", "KEEP", "HOME", "TMPDIR", "XDG_CACHE_HOME", "GOCACHE",
        "PYTHONDONTWRITEBYTECODE",
    }  # fmt: skip
    result = run_command(
        "env", cwd=tmp_path, timeout_s=10, isolate_network=False, env=env, env_passthrough=["KEEP"]
    )
    assert "sk-x" not in result.output and "aws-x" not in result.output
    assert "DROP" not in result.output and "KEEP=2" in result.output
    assert result.isolation.env == "allowlist" and "KEEP" in result.isolation.env_names
    home = result.output.split("HOME=")[1].split()[0]  # a fresh scratch HOME, removed after
    assert home != os.environ.get("HOME") and not Path(home).exists()


def test_probe_explains_a_missing_unshare(monkeypatch: pytest.MonkeyPatch) -> None:
    import specpilot.pipeline.workspace.sandbox as sandbox

    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    status = sandbox.probe_isolation()
    assert not status.available and "not installed" in status.reason


@needs_bwrap
def test_the_file_system_outside_the_worktree_is_read_only(tmp_path: Path) -> None:
    worktree, artifacts, outside = tmp_path / "wt", tmp_path / "artifacts", tmp_path / "checkout"
    for d in (worktree, artifacts, outside):
        d.mkdir()
    (outside / "policy.toml").write_text("tier = 3\n")
    script = (
        f"echo inside > inside.txt; echo junit > {artifacts}/junit.xml; "
        f"echo 'tier = 1' > {outside}/policy.toml; echo $?; touch {Path.home()}/specpilot-escape; "
        'echo scratch > "$TMPDIR/scratch" && cat "$TMPDIR/scratch"; echo "tmp=$TMPDIR"'
    )
    result = run_command(
        script, cwd=worktree, timeout_s=20, isolate_network=True, isolate_filesystem=True,
        writable=(artifacts,),
    )  # fmt: skip
    assert result.filesystem_isolated and "file-system sandbox" in result.note
    assert (worktree / "inside.txt").read_text() == "inside\n"
    assert (artifacts / "junit.xml").read_text() == "junit\n"
    assert (outside / "policy.toml").read_text() == "tier = 3\n"  # untouched
    # the checkout beside the worktree is not even there (hidden with the rest of /tmp)
    assert "Directory nonexistent" in result.output or "No such file" in result.output
    assert not (Path.home() / "specpilot-escape").exists()  # the home is a private tmpfs
    assert "scratch" in result.output  # a scratch TMPDIR of its own is writable...
    scratch = result.output.split("tmp=")[1].split()[0]
    assert scratch == "/tmp"  # ...the sandbox's private /tmp, gone with it
    assert not (Path(tempfile.gettempdir()) / "scratch").exists()


def test_probe_without_bubblewrap_falls_back_to_unshare(monkeypatch: pytest.MonkeyPatch) -> None:
    import specpilot.pipeline.workspace.sandbox as sandbox

    real = sandbox.shutil.which
    monkeypatch.setattr(
        sandbox.shutil, "which", lambda name: None if name == "bwrap" else real(name)
    )
    status = sandbox.probe_isolation()
    assert (
        not status.filesystem
        and "bubblewrap (`bwrap`) is not installed" in status.filesystem_reason
    )
    assert status.available == sandbox._probe_unshare().available
