"""``specpilot mcp``: the MCP server over stdio, driven by the official SDK's client."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from typer.testing import CliRunner

from specpilot.flows.commands import app
from specpilot.flows.mcp_server import NO_CONVENTIONS, conventions_text
from specpilot.indexer.build import index_repo
from specpilot.indexer.config import EmbedConfig, IndexerConfig
from specpilot.retrieval.config import RetrievalConfig
from specpilot.retrieval.open import open_searcher
from tests.retrieval.conftest import SHOP

HASH = ["--set", "index.embed.model='hash'"]
TOOLS = {"search_code", "find_symbol", "callers", "conventions"}


@pytest.fixture
def indexed(make_repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SPECPILOT_HOME", str(tmp_path / "home"))
    repo = make_repo(SHOP)
    db = str(tmp_path / "db")
    result = CliRunner().invoke(app, ["index", str(repo), "--db", db, *HASH])
    assert result.exit_code == 0, result.output
    return repo, db


def _payload(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content
    return json.loads(result.content[0].text)


async def _session_calls(repo: Path, db: str, home: str) -> dict[str, Any]:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "specpilot", "mcp", "--repo", str(repo), "--db", db, *HASH],
        env={"SPECPILOT_HOME": home, "LANCEDB_LOG": "error", "PYTHONPATH": os.getcwd()},
        cwd=os.getcwd(),
    )
    out: dict[str, Any] = {}
    with anyio.fail_after(60):
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            out["tools"] = {t.name for t in (await session.list_tools()).tools}
            out["search"] = await session.call_tool(
                "search_code", {"query": "where is apply_discount computed", "top_k": 3}
            )
            out["files"] = await session.call_tool(
                "search_code", {"query": "shipping cost by country", "files": True}
            )
            out["find"] = await session.call_tool("find_symbol", {"name": "Cart.total"})
            out["callers"] = await session.call_tool("callers", {"name": "round_price"})
            out["conventions"] = await session.call_tool("conventions", {})
            out["empty"] = await session.call_tool("search_code", {"query": "  "})
            out["format"] = await session.call_tool("conventions", {"format": "yaml"})
            # the repository is re-indexed while the server runs: the next call sees it
            (repo / "shop" / "wrapping.py").write_text(
                "def wrapping_fee(parcel):\n"
                '    """Gift wrapping fee for a wrapped parcel."""\n'
                "    return 2.5\n"
            )
            index_repo(repo, db=db, config=IndexerConfig(embed=EmbedConfig(model="hash")))
            out["after_reindex"] = await session.call_tool(
                "search_code", {"query": "gift wrapping fee", "files": True, "top_k": 1}
            )
    return out


def test_tools_over_stdio(indexed: tuple[Path, str], tmp_path: Path) -> None:
    repo, db = indexed
    out = anyio.run(_session_calls, repo, db, str(tmp_path / "home"))
    assert out["tools"] == TOOLS
    top = _payload(out["search"])["results"][0]
    assert (top["path"], top["symbol"], top["start_line"]) == (
        "shop/pricing.py",
        "apply_discount",
        4,
    )
    assert _payload(out["files"])["results"][0]["path"] == "shop/shipping.py"
    assert _payload(out["find"])["results"][0]["symbol"] == "Cart.total"
    sites = _payload(out["callers"])["results"]
    assert ("shop/cart.py", "Cart.total", "call") in [
        (u["path"], u["symbol"], u["kind"]) for u in sites
    ]
    rules = _payload(out["conventions"])["text"]
    assert rules and rules != NO_CONVENTIONS
    assert out["empty"].is_error and "query is empty" in out["empty"].content[0].text
    assert (
        out["format"].is_error
        and "valid formats: house_rules, markdown" in out["format"].content[0].text
    )
    assert _payload(out["after_reindex"])["results"][0]["path"] == "shop/wrapping.py"


def test_an_index_without_conventions_says_so(make_repo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo(SHOP)
    embed = EmbedConfig(model="hash")
    index_repo(repo, db=str(tmp_path / "db"), config=IndexerConfig(embed=embed))
    searcher = open_searcher(str(tmp_path / "db"), embed, RetrievalConfig())
    assert conventions_text(searcher, "house_rules") == NO_CONVENTIONS
    assert "conventions not extracted for this index" in NO_CONVENTIONS
