"""Query understanding: identifiers, quoted names, messages, module mentions, frames."""

from __future__ import annotations

import re

import pytest

from specpilot.retrieval.config import RetrievalConfig
from specpilot.retrieval.errors import RetrievalConfigError
from specpilot.retrieval.query import analyse


def test_quoted_single_words_are_code_names() -> None:
    q = analyse("Rename 'linetable' and `charset` in the docs")
    assert q.quoted == ("linetable", "charset")
    assert {"linetable", "charset"} <= set(q.identifiers)


def test_error_lines_and_quoted_phrases_are_messages() -> None:
    q = analyse('ValueError: quantity must be a positive number\nand "the router would match"')
    assert q.messages == ("quantity must be a positive number", "the router would match")


def test_host_names_and_urls_are_not_modules() -> None:
    q = analyse(
        "see https://github.com/a/b and api.example.com, e.g. this; "
        "fix werkzeug.routing and attrs.validators.or_ (changelog.d)"
    )
    assert q.modules == ("werkzeug.routing", "attrs.validators.or_")


def test_stack_frames() -> None:
    q = analyse('Traceback:\n  File "shop/cart.py", line 12, in add_item\n    raise')
    assert q.frames == (("shop/cart.py", 12, "add_item"),)
    assert q.paths == ("shop/cart.py",)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"weight_graph": -1.0}, "retrieval.weight_graph is -1.0; it must be zero or more."),
        ({"graph_damping": 1.0}, "between 0 and 1 (exclusive)"),
        ({"rrf_k": 0}, "retrieval.rrf_k is 0; it must be 1 or more."),
    ],
)
def test_config_values_are_checked(change: dict[str, float], needle: str) -> None:
    with pytest.raises(RetrievalConfigError, match=re.escape(needle)):
        RetrievalConfig(**change)  # type: ignore[arg-type]
