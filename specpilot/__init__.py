"""specpilot: make a codebase known to a coding agent; turn a written spec into a tested change.

One import package. Its sub-packages are the folders at the repository root that the product
card lays out (``indexer``, ``retrieval``, ``pipeline``, ``flows``, ``conventions``); in a source
checkout ``specpilot/<name>`` is a relative symlink to ``../<name>`` and a built wheel holds
the files themselves (docs/architecture.md, "One namespace").
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("specpilot")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
