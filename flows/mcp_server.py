"""The specpilot index over the Model Context Protocol (official ``mcp`` SDK, stdio transport).

Tools (each returns a JSON object; errors come back as tool errors with a one-line message):

* ``search_code(query, top_k=10, files=False)`` — hybrid search: symbols (path, qualified
  name, lines, signature, score) or, with ``files``, files (path, score, best symbols);
* ``find_symbol(name, limit=20)`` — definitions of ``Session.mount`` / ``mount`` / a dotted path;
* ``callers(name, limit=50)`` — where those definitions are used (call, import, inherit, ...);
* ``conventions(format="house_rules")`` — the repository's coding conventions measured at
  index time (``house_rules``: a short prompt section; ``markdown``: every convention).

One ``Searcher`` is opened when the server starts and serves every call (warm queries);
before each call it picks up a re-index that completed meanwhile (``Searcher.refresh``), so
a server left running across the nightly index answers from the new index.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from specpilot.indexer import IndexerError
from specpilot.retrieval import RetrievalError, Searcher

log = logging.getLogger(__name__)

INSTRUCTIONS = (
    "Search the indexed repository: search_code for code relevant to a task or question, "
    "find_symbol for a definition by name, callers for its use sites, conventions for the "
    "house rules new code should follow. Paths are relative to the repository root; "
    "lines are 1-based and inclusive."
)
NO_CONVENTIONS = (
    "conventions not extracted for this index: re-index the repository with "
    "`specpilot index` (the conventions plug-in measures them)."
)
_FORMATS = ("house_rules", "markdown")


def build_server(searcher: Searcher, *, name: str = "specpilot") -> MCPServer:
    server: MCPServer = MCPServer(name=name, instructions=INSTRUCTIONS)

    def guard(fn: Callable[[], Any]) -> Any:
        """Run a lookup on the newest completed index; the packages' errors become tool
        errors with their one-line message."""
        try:
            if searcher.refresh():
                log.info("the index was re-written; reloaded it")
            return fn()
        except (RetrievalError, IndexerError) as exc:
            raise ToolError(str(exc)) from exc

    @server.tool(description="Hybrid code search: the symbols (or files) most relevant to a query.")
    def search_code(query: str, top_k: int = 10, files: bool = False) -> dict[str, Any]:
        top_k = max(1, min(top_k, 100))
        if files:
            hits = guard(lambda: [h.to_dict() for h in searcher.search_files(query, top_k)])
        else:
            hits = guard(lambda: [h.to_dict() for h in searcher.search(query, top_k)])
        return {"query": query, "results": hits}

    @server.tool(description="Definitions of a symbol: Session.mount, mount, or pkg.mod.Class.")
    def find_symbol(name: str, limit: int = 20) -> dict[str, Any]:
        hits = guard(lambda: [h.to_dict() for h in searcher.find_symbol(name, max(1, limit))])
        return {"name": name, "results": hits}

    @server.tool(description="Use sites (calls, imports, inheritance) of a symbol's definitions.")
    def callers(name: str, limit: int = 50) -> dict[str, Any]:
        sites = guard(lambda: [u.to_dict() for u in searcher.callers(name, max(1, limit))])
        return {"name": name, "results": sites}

    @server.tool(description="The repository's coding conventions (house_rules or markdown).")
    def conventions(format: str = "house_rules") -> dict[str, Any]:
        if format not in _FORMATS:
            raise ToolError(f"unknown format {format!r}; valid formats: {', '.join(_FORMATS)}.")
        return {"format": format, "text": guard(lambda: conventions_text(searcher, format))}

    return server


def conventions_text(searcher: Searcher, fmt: str) -> str:
    """The stored convention profile rendered as ``fmt``, or the reason there is none."""
    try:
        from specpilot.conventions import (
            ConventionsError,
            load_profile,
            render_house_rules,
            render_markdown,
        )
    except ImportError as exc:  # the conventions package is optional for the index
        log.warning("conventions cannot be loaded (%s); the tool says so.", exc)
        return NO_CONVENTIONS
    try:
        profile = load_profile(searcher.store)
    except ConventionsError as exc:
        raise ToolError(str(exc)) from exc
    if profile is None:
        return NO_CONVENTIONS
    text = render_markdown(profile) if fmt == "markdown" else render_house_rules(profile)
    return text or "no convention is strong enough in this repository to state as a rule."
