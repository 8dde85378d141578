"""``specpilot search`` without ``--files`` prints symbols (the JSON contract plus signatures)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from specpilot.flows.commands import app
from tests.retrieval.conftest import SHOP

HASH = ["--set", "index.embed.model='hash'"]


def test_search_prints_symbols(make_repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SPECPILOT_HOME", str(tmp_path / "home"))
    repo = make_repo(SHOP)
    runner = CliRunner()
    assert runner.invoke(app, ["index", str(repo), *HASH]).exit_code == 0
    result = runner.invoke(
        app, ["search", "where is apply_discount computed", "--repo", str(repo), "--json", *HASH]
    )
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert {"path", "score", "symbol", "start_line", "end_line", "kind", "signature"} <= set(
        hits[0]
    )
    assert (hits[0]["symbol"], hits[0]["kind"]) == ("apply_discount", "function")
    table = runner.invoke(app, ["search", "Cart.add_item", "--repo", str(repo), *HASH])
    assert table.exit_code == 0 and "shop/cart.py:10-13" in table.stdout
