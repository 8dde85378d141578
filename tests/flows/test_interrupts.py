"""Ctrl-C where Python itself goes wrong, attacked from outside: a real process runs a command
through ``specpilot.flows.interrupts.run`` (as ``specpilot`` does) and receives a real SIGINT.

Each command is a small module written for the test, run as ``python -m`` the way
``python -m specpilot`` runs: the Ctrl-C lands while the commands load, inside a ``__del__``
(Python prints "Exception ignored" and drops it), inside a library that swallows it, and
inside ``exec`` of a string (after which CPython 3.11 kills a ``-m`` process with SIGINT at
exit, whatever it caught and returned). Every time: exit 130, exactly one line on stderr.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.signals import wait_until_held

pytestmark = pytest.mark.timeout(60)


def _command(tmp_path: Path, body: str) -> subprocess.Popen[str]:
    """``python -m cmd``: ``load`` and ``app`` defined by ``body``, run by interrupts.run."""
    (tmp_path / "cmd.py").write_text(
        "import os, signal, sys, time\n"
        "from specpilot.flows import interrupts\n"
        + textwrap.dedent(body)
        + "\ninterrupts.run(load)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    return subprocess.Popen(
        [sys.executable, "-m", "cmd", "go"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _ended(proc: subprocess.Popen[str], code: int = 130) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=30)
    assert "Traceback" not in err and "Exception ignored" not in err, err
    lines = err.strip().splitlines()
    assert proc.returncode == code and len(lines) == 1, (proc.returncode, err)
    assert lines[0].startswith("error: interrupted"), lines[0]
    return proc.returncode, out, lines[0]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_ctrl_c_while_the_commands_load_waits_for_them_then_says_one_line(
    tmp_path: Path, signum: int
) -> None:
    proc = _command(
        tmp_path,
        """
        def load():
            time.sleep(1.0)  # imports that take a while; a Ctrl-C here would break one
            open("loaded", "w").close()
            return lambda: print("ran")
        """,
    )
    wait_until_held(proc)
    proc.send_signal(signum)
    _, out, line = _ended(proc, 128 + signum)
    assert (tmp_path / "loaded").exists(), "the Ctrl-C broke into the imports"
    assert "before `specpilot go` began; nothing was done" in line and out == ""


def test_a_ctrl_c_dropped_inside_a_callback_is_delivered_again(tmp_path: Path) -> None:
    """As when it lands in the import lock's weakref callback: Python prints "Exception
    ignored" and the command would run on and exit 0."""
    proc = _command(
        tmp_path,
        """
        class Callback:
            def __del__(self):
                os.kill(os.getpid(), signal.SIGINT)
                for _ in range(100_000):  # the KeyboardInterrupt is raised in here
                    pass

        def app():
            Callback()
            time.sleep(5)
            print("ran to the end")
            sys.exit(0)

        def load():
            return app
        """,
    )
    _, out, line = _ended(proc)
    assert "ran to the end" not in out
    assert "`specpilot go` stopped before it finished" in line


def test_a_ctrl_c_a_library_swallowed_is_still_reported(tmp_path: Path) -> None:
    proc = _command(
        tmp_path,
        """
        def app():
            try:
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(5)
            except BaseException:  # a library's catch-all
                pass
            print("ran to the end")
            sys.exit(0)

        def load():
            return app
        """,
    )
    _, out, line = _ended(proc)
    assert out == "ran to the end\n"
    assert "it finished anyway" in line


def test_a_ctrl_c_through_exec_of_a_string_exits_130_not_by_the_signal(tmp_path: Path) -> None:
    """dataclasses and namedtuple ``exec`` strings while modules import; a KeyboardInterrupt
    through one marks the process, and a ``-m`` run is killed by SIGINT at exit (-2)."""
    proc = _command(
        tmp_path,
        """
        def app():
            try:
                exec("os.kill(os.getpid(), signal.SIGINT)\\ntime.sleep(5)")
            except KeyboardInterrupt:  # typer's handling, then the command's own line
                sys.stderr.write("error: interrupted while doing it; this is what is kept\\n")
                interrupts.told()
                sys.exit(130)

        def load():
            return app
        """,
    )
    _, _, line = _ended(proc)
    assert "this is what is kept" in line


def test_the_real_command_line_holds_ctrl_c_while_it_loads(tmp_path: Path) -> None:
    """``python -m specpilot search``, interrupted while its commands are imported."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "specpilot", "search", "anything", "--repo", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "SPECPILOT_HOME": str(tmp_path / "home")},
    )
    wait_until_held(proc)
    proc.send_signal(signal.SIGINT)
    _, out, line = _ended(proc)
    assert "before `specpilot search` began; nothing was done" in line and out == ""
