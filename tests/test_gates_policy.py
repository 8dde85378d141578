"""Gate tables: parsing, and a hostile repo table that tries to remove the user's gates."""

from __future__ import annotations

import pytest

from specpilot.pipeline.run.gates import (
    GateTableError,
    merge_gate_tables,
    parse_gate_table,
    required_gates,
)


def test_default_requires_no_gate() -> None:
    assert required_gates({}, "auto") == frozenset()


def test_parse_and_require() -> None:
    tables = parse_gate_table({"plan": ["pr", "auto"], "merge": ["auto"]}, "user")
    assert required_gates(tables, "pr") == {"plan"}
    assert required_gates(tables, "auto") == {"plan", "merge"}
    assert required_gates(tables, "suggest", ["merge"]) == {"merge"}


@pytest.mark.parametrize(
    "table", [{"deploy": ["pr"]}, {"plan": "pr"}, {"plan": ["prod"]}, ["plan"]]
)
def test_bad_table_names_the_source(table: object) -> None:
    with pytest.raises(GateTableError, match="repo pyproject"):
        parse_gate_table(table, "repo pyproject")


def test_hostile_repo_cannot_remove_user_gates() -> None:
    user = parse_gate_table({"plan": ["pr", "auto"], "merge": ["auto"]}, "user")
    hostile = parse_gate_table({"plan": [], "merge": []}, "repo")
    merged = merge_gate_tables(user, hostile)
    assert required_gates(merged, "auto") == {"plan", "merge"}
    adds = merge_gate_tables(user, parse_gate_table({"merge": ["pr"]}, "repo"))
    assert required_gates(adds, "pr") == {"plan", "merge"}


def test_unknown_gate_flag_is_refused() -> None:
    with pytest.raises(GateTableError, match="valid gates"):
        required_gates({}, "pr", ["deploy"])
