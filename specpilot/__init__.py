"""specpilot: make a codebase known to a coding agent; turn a written spec into a tested change.

One import package. Its sub-packages are the folders at the repository root that the product
card lays out (``indexer``, ``retrieval``, ``pipeline``, ``flows``, ``conventions``); in a source
checkout ``specpilot/<name>`` is a relative symlink to ``../<name>`` and a built wheel holds
the files themselves (docs/architecture.md, "One namespace").
"""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """``__version__`` on first use: importlib.metadata costs 40 ms a CLI start-up needs not."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        value = version("specpilot")
    except PackageNotFoundError:  # a source tree that was never installed
        value = "0+unknown"
    globals()["__version__"] = value
    return value
