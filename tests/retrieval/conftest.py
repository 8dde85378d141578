"""A small indexed repository (hash embedder, no model weights), built once per module."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from specpilot.indexer.build import index_repo
from specpilot.indexer.config import EmbedConfig, IndexerConfig
from specpilot.retrieval.config import RetrievalConfig
from specpilot.retrieval.open import open_searcher
from specpilot.retrieval.search import Searcher
from tests.conftest import write_files

EMBED = EmbedConfig(model="hash")

SHOP = {
    "shop/__init__.py": "from shop.cart import Cart\nfrom shop.pricing import apply_discount\n",
    "shop/cart.py": (
        "from shop.pricing import apply_discount, round_price\n\n\n"
        "class Cart:\n"
        '    """A shopping cart holding line items."""\n\n'
        "    def __init__(self):\n"
        "        self.items = []\n\n"
        "    def add_item(self, name, price, qty=1):\n"
        "        if qty <= 0:\n"
        '            raise ValueError("quantity must be a positive number of items")\n'
        "        self.items.append((name, price, qty))\n\n"
        "    def total(self, code=None):\n"
        "        subtotal = sum(price * qty for _, price, qty in self.items)\n"
        "        return round_price(apply_discount(subtotal, code))\n"
    ),
    "shop/pricing.py": (
        'DISCOUNTS = {"SPRING": 0.1}\n\n\n'
        "def apply_discount(amount, code):\n"
        '    """Reduce an amount by the discount a coupon code grants."""\n'
        "    rate = DISCOUNTS.get(code, 0.0)\n"
        "    return amount * (1 - rate)\n\n\n"
        "def round_price(amount):\n"
        "    return round(amount, 2)\n"
    ),
    "shop/pricing.pyi": (
        "def apply_discount(amount: float, code: str | None) -> float: ...\n"
        "def round_price(amount: float) -> float: ...\n"
    ),
    "shop/shipping.py": (
        "from shop.cart import Cart\n\n\n"
        "def shipping_cost(cart: Cart, country):\n"
        '    """Flat rate shipping by country."""\n'
        '    base = 5.0 if country == "NL" else 12.0\n'
        "    return base if cart.total() < 50 else 0.0\n"
    ),
    "tests/test_cart.py": (
        "from shop.cart import Cart\n\n\n"
        "def test_total_with_discount():\n"
        "    cart = Cart()\n"
        '    cart.add_item("pen", 2.0, 3)\n'
        '    assert cart.total("SPRING") == 5.4\n'
    ),
    "README.md": "# shop\n\nA tiny shop with carts, pricing and shipping.\n",
}


@dataclass(frozen=True)
class Indexed:
    root: Path
    db: str

    def searcher(self, config: RetrievalConfig | None = None) -> Searcher:
        return open_searcher(self.db, EMBED, config or RetrievalConfig())


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Indexed]:
    base = tmp_path_factory.mktemp("shop")
    root = base / "repo"
    write_files(root, SHOP)
    db = str(base / "db")
    index_repo(root, db=db, config=IndexerConfig(embed=EMBED))
    yield Indexed(root, db)


@pytest.fixture(scope="module")
def searcher(shop: Indexed) -> Searcher:
    return shop.searcher()
