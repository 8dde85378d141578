"""A sandboxed command's output, capped while it is produced.

The command writes into a pipe that is read here as it comes: the first half of
``keep_bytes`` and the last half stay in memory, everything between is counted and dropped,
and past ``kill_bytes`` the caller is told to kill the command. Nothing is buffered on disk,
so ``cat /dev/zero`` in a test costs a bounded amount of memory and ends at the kill limit
instead of filling the host's disk until the time limit.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

_CHUNK = 65_536
_POLL_S = 0.2  # how often a silent pipe is checked for its process having exited
_DRAIN_S = 2.0  # how long to read on after the process is gone (buffered output)


class CappedOutput:
    """Keeps the head and the tail of a byte stream, never more than ``keep_bytes`` of it."""

    def __init__(self, keep_bytes: int) -> None:
        self._head_max = keep_bytes // 2
        self._tail_max = keep_bytes - self._head_max
        self._head = bytearray()
        self._tail = bytearray()
        self.total = 0  # bytes seen

    def feed(self, data: bytes) -> None:
        self.total += len(data)
        room = self._head_max - len(self._head)
        if room > 0:
            self._head += data[:room]
            data = data[room:]
        if not data:
            return
        if len(data) >= self._tail_max:
            self._tail = bytearray(data[len(data) - self._tail_max :])
            return
        self._tail += data
        extra = len(self._tail) - self._tail_max
        if extra > 0:
            del self._tail[:extra]

    @property
    def kept(self) -> int:
        return len(self._head) + len(self._tail)

    def text(self) -> str:
        omitted = self.total - self.kept
        head = self._head.decode("utf-8", errors="replace")
        tail = self._tail.decode("utf-8", errors="replace")
        if omitted <= 0:
            return head + tail
        return f"{head}\n[specpilot: {omitted} bytes of output omitted]\n{tail}"


@dataclass(frozen=True, slots=True)
class PumpResult:
    timed_out: bool
    over_limit: bool  # more output than the kill limit


def pump(
    proc: subprocess.Popen[bytes],
    out: CappedOutput,
    *,
    timeout_s: float,
    kill_bytes: int,
    kill: Callable[[str], None],
) -> PumpResult:
    """Read ``proc.stdout`` into ``out`` until it ends; ``kill(why)`` at the time limit
    (``"time"``), past ``kill_bytes`` (``"output"``), or when the process has exited while
    something it started still holds the pipe open (``"leftovers"``: the command is over).
    """
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    deadline = time.monotonic() + timeout_s
    why: str | None = None
    drain_until = float("inf")

    def stop(reason: str) -> None:
        nonlocal why, drain_until
        why = reason
        kill(reason)
        drain_until = time.monotonic() + _DRAIN_S

    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while time.monotonic() < drain_until:
            if why is None and time.monotonic() >= deadline:
                stop("time")
                continue
            wait = _POLL_S if why else min(_POLL_S, max(0.0, deadline - time.monotonic()))
            if sel.select(timeout=wait):
                data = os.read(fd, _CHUNK)
                if not data:
                    break  # every writer closed the pipe
                out.feed(data)
                if why is None and out.total > kill_bytes:
                    stop("output")
            elif why is None and proc.poll() is not None:
                stop("leftovers")
    if why is None:  # the pipe closed; the process may still run (it closed its output)
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            why = "time"
            kill(why)
    return PumpResult(timed_out=why == "time", over_limit=why == "output")
