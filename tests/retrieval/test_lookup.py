"""find_symbol, callers and callees by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from specpilot.indexer.build import index_repo
from specpilot.indexer.config import IndexerConfig
from specpilot.retrieval.config import RetrievalConfig
from specpilot.retrieval.errors import QueryError
from specpilot.retrieval.open import open_searcher
from specpilot.retrieval.search import Searcher
from tests.conftest import write_files
from tests.retrieval.conftest import EMBED


@pytest.mark.parametrize(
    "name", ["apply_discount", "shop.pricing.apply_discount", "shop/pricing.py::apply_discount"]
)
def test_find_symbol_forms(searcher: Searcher, name: str) -> None:
    top = searcher.find_symbol(name)[0]
    assert (top.path, top.symbol) == ("shop/pricing.py", "apply_discount")


def test_code_definitions_come_before_stubs(searcher: Searcher) -> None:
    paths = [h.path for h in searcher.find_symbol("round_price")]
    assert paths == ["shop/pricing.py", "shop/pricing.pyi"]


def test_qualified_and_case_insensitive(searcher: Searcher) -> None:
    assert searcher.find_symbol("Cart.total")[0].symbol == "Cart.total"
    assert searcher.find_symbol("ROUND_PRICE")[0].symbol == "round_price"
    assert searcher.find_symbol("no_such_thing") == []


def test_callers_and_callees(searcher: Searcher) -> None:
    sites = searcher.callers("round_price")
    assert [(u.path, u.symbol, u.kind) for u in sites if u.kind == "call"] == [
        ("shop/cart.py", "Cart.total", "call")
    ]
    assert any(u.kind == "import" and u.path == "shop/cart.py" for u in sites)
    used = searcher.callees("Cart.total")
    assert {u.symbol for u in used} == {"apply_discount", "round_price"}
    assert {u.target for u in used} == {"shop/cart.py::Cart.total"}


def test_empty_name_is_a_query_error(searcher: Searcher) -> None:
    with pytest.raises(QueryError, match="symbol name is empty"):
        searcher.find_symbol("  ")


OVERLOADS = {
    "signer.py": (
        "from typing import overload\n\n\n"
        "class Signer:\n"
        "    @overload\n"
        "    def unsign(self, value: str) -> str: ...\n\n"
        "    @overload\n"
        "    def unsign(self, value: bytes) -> bytes: ...\n\n"
        "    def unsign(self, value):\n"
        '        """Check the signature and return the value."""\n'
        '        sig = value.rsplit(".", 1)\n'
        "        if len(sig) != 2:\n"
        '            raise ValueError("no signature")\n'
        "        return sig[0]\n"
    ),
    "src/com/ex/Fmt.java": (
        "package com.ex;\n\n"
        "public class Fmt {\n"
        "    public String format(int x) { return Integer.toString(x); }\n"
        "    public String format(long x) { return Long.toString(x); }\n"
        "    public String format(String s, Object... args) { return String.format(s, args); }\n"
        "}\n"
    ),
}


def test_overloads_stay_reachable_and_the_implementation_comes_first(tmp_path: Path) -> None:
    """Python ``@overload`` stubs and Java overloads share a qualified name: every definition
    is a hit, the implementation (not the ``...`` stub) first."""
    write_files(tmp_path / "repo", OVERLOADS)
    index_repo(tmp_path / "repo", db=str(tmp_path / "db"), config=IndexerConfig(embed=EMBED))
    searcher = open_searcher(str(tmp_path / "db"), EMBED, RetrievalConfig())
    found = searcher.find_symbol("Signer.unsign")
    assert [(h.start_line, h.end_line) for h in found] == [(11, 16), (5, 6), (8, 9)]
    top = searcher.search("Signer.unsign", 5)[0]
    assert (top.symbol, top.start_line, top.end_line) == ("Signer.unsign", 11, 16)
    java = sorted((h.symbol, h.start_line) for h in searcher.find_symbol("Fmt.format"))
    assert java == [("Fmt.format", 4), ("Fmt.format", 5), ("Fmt.format", 6)]
    hits = searcher.search("Fmt.format", 10)
    assert {h.start_line for h in hits if h.symbol == "Fmt.format"} == {4, 5, 6}
