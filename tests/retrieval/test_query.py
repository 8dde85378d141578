"""Query understanding: identifiers, quoted names, messages, module mentions, frames."""

from __future__ import annotations

from retrieval.query import analyse


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
