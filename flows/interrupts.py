"""Ctrl-C in the command line: wherever it lands, one line on stderr and exit code 130.

SIGTERM (what cron, systemd, a CI job's timeout or a Prefect worker's cancellation send) is
taken the same way, with exit code 143: the nightly index stopped by its scheduler says what
the index holds, a stopped run is recorded and audited.

Python turns SIGINT into ``KeyboardInterrupt`` wherever the main thread happens to be, and
three places go wrong unless the command line takes care of them:

- **while modules are imported** (the first 0.3 to 1 s of every command, longer on a loaded
  machine): a traceback out of importlib. The commands are imported with SIGINT *held*
  (blocked); a Ctrl-C pressed meanwhile is delivered the moment the imports end, inside the
  handler below.
- **inside a callback that cannot raise** (a weakref callback of the import lock, a
  ``__del__``): Python prints "Exception ignored … KeyboardInterrupt" and the Ctrl-C is lost —
  the command ran on and exited 0. The unraisable hook below marks it pending again, so it
  is raised at the next place an exception can travel.
- **typer** turns a ``KeyboardInterrupt`` into a silent exit 130. A command that knows what
  its interruption left behind says so itself (``specpilot index``: what the index holds);
  every other gets the generic line here.

A command that was interrupted leaves through ``_end``: streams flushed, ``atexit`` handlers
run, then ``os._exit``, skipping the interpreter's teardown. Not only for speed: when a
``KeyboardInterrupt`` has passed through ``exec`` of a string (dataclasses, namedtuple and
typing build code that way while modules are imported), CPython 3.11 marks it unhandled for
good, and the interpreter kills itself with SIGINT at exit even after the exception was
caught: exit status -2 and no word, whatever the command printed and returned.

A command that finished uninterrupted exits the usual way; a Ctrl-C in the fraction of a second
of teardown after its output is complete ends the process by the signal (a shell shows 130).

Only the standard library, and no ``typing``: this runs before anything else is imported, and
every millisecond before ``install`` is a window where a Ctrl-C prints a traceback.
"""

from __future__ import annotations

import _thread
import atexit
import os
import signal
import sys
import time
from contextlib import suppress

from specpilot._surface import HELD as SIGNALS
from specpilot._surface import held_signals

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractContextManager
    from types import FrameType
    from typing import Any, NoReturn

EXIT = 130  # 128 + SIGINT, what shells report for a Ctrl-C; commands exit with it when
# interrupted, and a SIGTERM turns it into 143 on the way out


class _State:
    seen = False  # a SIGINT or SIGTERM arrived during this command
    signum: signal.Signals = signal.SIGINT  # the first that arrived
    told = False  # a line saying what the interruption left has been printed
    in_hook = False  # the unraisable hook is running


_state = _State()


def _on_signal(signum: int, frame: FrameType | None) -> None:
    if not _state.seen:
        _state.seen, _state.signum = True, signal.Signals(signum)
    raise KeyboardInterrupt


def _unraisable(args: Any) -> None:
    """A ``KeyboardInterrupt`` raised where it cannot travel: raise it again at the next place
    that can, and print nothing. Anything else: Python's own hook."""
    if isinstance(args.exc_value, KeyboardInterrupt) and signal.getsignal(_state.signum) is (
        _on_signal
    ):
        _state.in_hook = True
        try:  # a thread marks it pending once this hook has returned (marked from inside, the
            _thread.start_new_thread(_send_again, ())  # handler would raise it right here)
        finally:
            _state.in_hook = False
        return
    sys.__unraisablehook__(args)


def _send_again() -> None:
    while _state.in_hook:
        time.sleep(0.001)
    _thread.interrupt_main(_state.signum)


def install() -> None:
    """Take over SIGINT and SIGTERM for this process (the command line's main thread only)."""
    for signum in SIGNALS:
        signal.signal(signum, _on_signal)
    sys.unraisablehook = _unraisable


def held() -> AbstractContextManager[None]:
    """SIGINT and SIGTERM are blocked in the calling (main) thread inside; one sent meanwhile
    is delivered as the block ends. Threads started inside inherit the block; whichever thread
    the kernel hands a later signal to, Python runs the handler in the main thread."""
    return held_signals()


def told() -> None:
    """The command printed its own line on what the interruption left (exit 130 follows)."""
    _state.told = True


def _command() -> str:
    words = [a for a in sys.argv[1:] if not a.startswith("-")][:1]
    return " ".join(["specpilot", *words])


def _end(code: int) -> NoReturn:
    """Leave an interrupted command now (see the module docstring); a second Ctrl-C while the
    ``atexit`` handlers run leaves at once."""
    for signum in SIGNALS:
        signal.signal(signum, lambda signum, frame: os._exit(code))
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):  # a closed pipe: nothing more can be said on it
            stream.flush()
    atexit._run_exitfuncs()
    os._exit(code)


def _stop(line: str) -> NoReturn:
    sys.stderr.write(f"error: {line}\n")
    _end(_code(EXIT))


def _code(code: int) -> int:
    """An interrupted command's exit code: 143 instead of 130 when SIGTERM stopped it."""
    return 128 + _state.signum if code == EXIT else code


def run(load: Callable[[], Callable[[], object]]) -> NoReturn:
    """Load the command line with SIGINT held, run it, and end every Ctrl-C the same way."""
    install()
    loaded = False
    try:
        with held():
            app = load()
        loaded = True
        app()  # typer in standalone mode: always ends in SystemExit
    except KeyboardInterrupt:  # while loading, or outside typer's own handling
        if not loaded:
            _stop(f"interrupted before `{_command()}` began; nothing was done.")
        _stop(f"interrupted: `{_command()}` stopped before it finished.")
    except SystemExit as end:
        code = end.code if isinstance(end.code, int) else (0 if end.code is None else 1)
        if code == EXIT and not _state.told:
            _stop(f"interrupted: `{_command()}` stopped before it finished.")
        if _state.seen and code == 0:  # caught by a library and not raised again
            _stop(f"interrupted while `{_command()}` ran; it finished anyway (output complete).")
        if _state.seen:  # the command said its line (or failed on the way out): its code
            if isinstance(end.code, str):
                sys.stderr.write(f"{end.code}\n")
            _end(_code(code))
        raise
    raise SystemExit(0)  # an app that returned instead of exiting
