"""Import ``lancedb`` without paying for its REST namespace client at start-up.

``lancedb.db`` imports ``lance_namespace``, which imports the models of
``lance_namespace_urllib3_client``; that package's ``__init__`` also imports its REST API
classes, whose ~370 pydantic ``validate_call`` wrappers take about 0.4 s to build — 40 % of
``import lancedb`` and a fifth of a one-shot ``specpilot search``. An embedded index never
talks REST, so the package's own ``__init__`` is deferred: its submodules (the models) import
as usual, and the first use of a name from the package itself (a remote namespace) runs the
real ``__init__`` then. If the package is missing, already imported or laid out differently,
nothing is changed and lancedb imports the usual way.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from types import ModuleType
from typing import Any

_DEFERRED = "lance_namespace_urllib3_client"
_RUST_LOCATION = re.compile(r",?\s*/\S+\.rs:\d+:\d+")


def import_lancedb() -> ModuleType:
    """``import lancedb``, with the REST namespace client's package ``__init__`` deferred."""
    if "lancedb" not in sys.modules:
        _defer_package_init(_DEFERRED)
    import lancedb

    return lancedb


def _defer_package_init(name: str) -> None:
    if name in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return
    module = importlib.util.module_from_spec(spec)  # __path__ set, __init__ not run
    loader = spec.loader

    def __getattr__(attr: str) -> Any:  # PEP 562: only names the module does not have yet
        if attr.startswith("__"):
            raise AttributeError(attr)
        module.__dict__.pop("__getattr__", None)
        loader.exec_module(module)  # the real __init__, into the same module object
        return getattr(module, attr)

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    sys.modules[name] = module


def lance_reason(exc: BaseException) -> str:
    """A lance error's message on one line, without the Rust source locations it carries."""
    text = _RUST_LOCATION.sub("", str(exc))
    for noise in ("lance error: ", "LanceError(IO): ", "External error: "):
        text = text.replace(noise, "")
    text = " ".join(text.split())
    return text if len(text) <= 240 else text[:237] + "..."
