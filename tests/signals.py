"""What a test can see of a process's signals from outside: /proc/PID/status (Linux)."""

from __future__ import annotations

import signal
import subprocess
import time


def _mask(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1], 16)
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def sigint_held(pid: int) -> bool:
    """The process's main thread blocks SIGINT (and SIGTERM with it): specpilot is loading
    its commands."""
    try:
        return bool(_mask(pid, "SigBlk") & (1 << (signal.SIGINT - 1)))
    except (OSError, AssertionError):  # the process is gone
        return False


def wait_until_held(proc: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not sigint_held(proc.pid):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            _, err = proc.communicate()
            raise AssertionError(f"SIGINT was never held while the commands loaded: {err[-2000:]}")
        time.sleep(0.002)
