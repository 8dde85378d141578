"""Checks for attacks on the CLI from outside: one-line errors, no tracebacks, no hangs.

The standard: bad input gets one line on stderr naming the input and what would be valid,
exit code 2, no traceback anywhere; nothing hangs (a subprocess run has a hard timeout and a
memory cap, so a regression fails the test instead of wedging CI or the machine).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from typer.testing import Result

HASH = ["--set", "index.embed.model='hash'"]
MEMORY_CAP = 3 << 30  # bytes of address space a CLI subprocess may map (a bomb hits it)


@dataclass(frozen=True, slots=True)
class Outcome:
    code: int
    stdout: str
    stderr: str


def assert_one_line_error(result: Result | Outcome, *needles: str, code: int = 2) -> str:
    """Exit ``code``, exactly one line on stderr holding every needle, no traceback."""
    out = result.stdout + result.stderr
    assert "Traceback" not in out, out[-3000:]
    if isinstance(result, Result):
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(
            result.exception
        )
        got = result.exit_code
    else:
        got = result.code
    assert got == code, out[-3000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def run_cli(
    args: Sequence[str],
    *,
    timeout: float = 30,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    prefix: Sequence[str] = (),
) -> Outcome:
    """``python -m specpilot *args`` in a subprocess; a run past ``timeout`` fails the test.

    ``prefix`` runs it under another command (``bwrap ...``). PYTHONPATH is inherited, so the
    subprocess imports the checkout under test.
    """
    cmd = [*prefix, sys.executable, "-m", "specpilot", *args]
    try:
        done = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, **(env or {})},
            cwd=cwd,
            preexec_fn=_cap_memory,
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"`specpilot {' '.join(args)}` hung for over {timeout} s") from exc
    return Outcome(done.returncode, done.stdout, done.stderr)
