"""Context packing: budget, order, determinism, and the index fallback for changed files."""

from __future__ import annotations

import pytest

from specpilot.retrieval.errors import QueryError
from specpilot.retrieval.packing import estimate_tokens, pack_context
from specpilot.retrieval.search import Searcher
from tests.retrieval.conftest import Indexed

QUERY = "Cart.total applies the coupon discount and rounds the price"


def test_bodies_then_outline_within_budget(searcher: Searcher) -> None:
    pc = pack_context(searcher, QUERY, 400)
    assert 0 < pc.used_tokens <= 400
    assert pc.used_tokens == estimate_tokens(pc.text, 4.0)
    assert pc.text.startswith("## Relevant code\n")
    body, _, outline = pc.text.partition("## Outline of related files\n")
    assert "def total(self, code=None):" in body  # a body, from the working tree
    assert "shop/pricing.py:\n│def apply_discount(amount, code):" in outline
    modes = [i.mode for i in pc.items]
    assert modes.index("outline") > max(i for i, m in enumerate(modes) if m != "outline")
    assert pc.notes == ()


def test_packing_is_deterministic(searcher: Searcher) -> None:
    assert pack_context(searcher, QUERY, 300).text == pack_context(searcher, QUERY, 300).text


def test_a_small_budget_keeps_signatures_or_the_outline(searcher: Searcher) -> None:
    pc = pack_context(searcher, QUERY, 60)
    assert pc.used_tokens <= 60
    assert all(i.mode in ("signature", "outline", "header", "body") for i in pc.items)
    assert sum(i.tokens for i in pc.items) <= 60


def test_a_class_is_packed_as_its_header(searcher: Searcher) -> None:
    pc = pack_context(searcher, "class Cart shopping cart holding line items", 2000)
    header = next(i for i in pc.items if i.symbol == "Cart")
    assert header.mode == "header"
    assert "def add_item(self, name, price, qty=1):  # lines 10-13" in pc.text


def test_nested_symbols_are_not_packed_twice(searcher: Searcher) -> None:
    pc = pack_context(searcher, QUERY, 4000)
    bodies = [i for i in pc.items if i.mode == "body"]
    for a in bodies:
        for b in bodies:
            if a is not b and a.path == b.path:
                assert not (a.start_line <= b.start_line and b.end_line <= a.end_line)


def test_budget_must_be_positive(searcher: Searcher) -> None:
    with pytest.raises(QueryError, match="token budget must be positive"):
        pack_context(searcher, QUERY, 0)


def test_changed_files_are_read_from_the_index(shop: Indexed, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # another root where cart.py is missing: its text comes from the stored chunks
    pc = pack_context(shop.searcher(), QUERY, 400, root=tmp_path)
    assert "def total(self, code=None):" in pc.text
    assert any("shop/cart.py" in n for n in pc.notes)
