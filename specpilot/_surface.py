"""The lazy public surface every library package's ``__init__`` declares (PEP 562).

A package lists ``_WHERE`` (public name -> defining module) and calls ``lazy(...)``: the name is
imported on first access and cached in the package, so importing one name never imports the
rest. See docs/architecture.md, "Public surfaces".
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy(
    package: str, where: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package`` whose globals are ``namespace``."""
    names = sorted(where)

    def getattr_(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    return getattr_, lambda: names
