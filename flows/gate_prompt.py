"""Gates in an in-process run (``specpilot run``): asked on the terminal, or the run waits.

On a terminal (stdin and stderr are TTYs) the gate shows what is to be decided (the plan, or
the tier decision and the files) and asks y/n and an optional comment. Anywhere else (CI, a
pipe, an editor wrapper) nobody can answer: the hook raises ``AwaitingApproval`` with the
exact commands that continue, and the run ends with status ``awaiting_approval``.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from datetime import datetime
from typing import TextIO

from specpilot.pipeline import AwaitingApproval, Gate, GateDecision, GateHook


def how_to_continue(argv: list[str], gate: Gate) -> str:
    """The commands that continue: this run again on a terminal, or as a flow run that
    waits for ``specpilot approve``."""
    args = [a for a in argv[1:] if a != "--json"]
    again = shlex.join(["specpilot", *args])
    spec = next((a for a in args[1:] if not a.startswith("-")), "SPEC")
    flow = f"specpilot submit {shlex.quote(spec)} --gate {gate} ..."
    return (
        f"no terminal to ask on. Run it on a terminal (`{again}`), or submit it as a flow run "
        f"that waits for you (`{flow}`, then `specpilot approve FLOW_RUN_ID`)."
    )


def terminal_hook(
    actor: str,
    *,
    argv: list[str] | None = None,
    stdin: TextIO | None = None,
    stderr: TextIO | None = None,
    is_tty: Callable[[], bool] | None = None,
) -> GateHook:
    """Ask ``actor`` on the terminal; no terminal → AwaitingApproval naming how to continue."""
    inp, err = stdin or sys.stdin, stderr or sys.stderr
    tty = is_tty or (lambda: inp.isatty() and err.isatty())

    def hook(gate: Gate, summary: str, *, run_id: str) -> GateDecision:
        if not tty():
            raise AwaitingApproval(gate, how_to_continue(argv or sys.argv, gate))
        err.write(f"\n--- {gate} gate of run {run_id} ---\n{summary}\n")
        err.write(f"Approve the {gate}? [y/N] ")
        err.flush()
        approved = inp.readline().strip().lower() in ("y", "yes")
        err.write("Comment (optional, Enter to skip): ")
        err.flush()
        comment = inp.readline().strip() or None
        return GateDecision(
            gate=gate, approved=approved, by=actor, at=datetime.now().astimezone(),
            comment=comment, via="cli",
        )  # fmt: skip

    return hook
