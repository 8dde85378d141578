"""The lazy public surface every library package's ``__init__`` declares (PEP 562).

A package lists ``_WHERE`` (public name -> defining module) and calls ``lazy(...)``: the name is
imported on first access and cached in the package, so importing one name never imports the
rest. See docs/architecture.md, "Public surfaces".

The import runs with SIGINT and SIGTERM held (``held_signals``): a Ctrl-C that lands inside a
lazy import (numpy, LanceDB: up to a second) waits for it to finish instead of leaving a C
extension half-loaded, which no later import in the process can repair — so whatever handles
the interruption can still import what it needs to say what was kept.
"""

from __future__ import annotations

import importlib
import signal
from contextlib import contextmanager

TYPE_CHECKING = False  # no typing import: the command line imports this before anything else
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from typing import Any

HELD = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def held_signals() -> Iterator[None]:
    """SIGINT and SIGTERM are blocked in the calling thread inside; one sent meanwhile is
    delivered as the block ends (blocks nest: the outermost restores the mask)."""
    before = signal.pthread_sigmask(signal.SIG_BLOCK, set(HELD))
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def lazy(
    package: str, where: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package`` whose globals are ``namespace``."""
    names = sorted(where)

    def getattr_(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        with held_signals():
            value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    return getattr_, lambda: names
