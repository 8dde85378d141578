"""The one excerpt packer (``retrieval.excerpts``), which both a LanceDB index's context and
any other ``CodeIndex``'s context go through."""

from __future__ import annotations

from specpilot.retrieval import Excerpt, pack_excerpts


def _blocks(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("--- ")]


def test_blocks_are_grouped_by_file_in_packing_order_and_by_line_within_a_file() -> None:
    text = pack_excerpts(
        [
            Excerpt("b.py", 20, 22, "def late():\n    pass", "late"),
            Excerpt("a.py", 1, 2, "import os"),
            Excerpt("b.py", 3, 4, "def early():\n    pass", "early"),
        ],
        10_000,
        len,
    )
    assert text.startswith("## Relevant code\n")
    assert _blocks(text) == ["--- b.py:3-4 early", "--- b.py:20-22 late", "--- a.py:1-2"]


def test_repeats_empty_ones_and_lines_already_packed_are_skipped() -> None:
    text = pack_excerpts(
        [
            Excerpt("m.py", 1, 30, "class C:\n    def f(self): ...\n    def g(self): ..."),
            Excerpt("m.py", 2, 2, "    def f(self): ...", "C.f"),  # inside the class: skipped
            Excerpt("m.py", 1, 5, "class C:"),  # the same first line: a repeat
            Excerpt("n.py", 1, 1, "   \n"),  # nothing to show
            Excerpt("n.py", 4, 9, "def h():\n    return 1", "h"),
        ],
        10_000,
        len,
    )
    assert _blocks(text) == ["--- m.py:1-30", "--- n.py:4-9 h"]


def test_one_that_does_not_fit_is_skipped_and_a_smaller_next_one_is_packed() -> None:
    big = Excerpt("big.py", 1, 400, "x = 1\n" * 400, "big")
    small = Excerpt("small.py", 1, 1, "y = 2", "small")
    text = pack_excerpts([big, small], 200, len)
    assert _blocks(text) == ["--- small.py:1-1 small"]
    assert len(text) <= 200
    assert pack_excerpts([big], 200, len) == ""  # nothing fits: no heading either
