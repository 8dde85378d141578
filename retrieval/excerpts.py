"""Excerpts of code under a budget: the one packer behind every prompt's code block.

``retrieval.packing`` fills it with the bodies of ranked symbols read from the index (and adds
a file outline after them); the pipeline's ``gather_context`` fills it with the hits of any
``CodeIndex``. Both give the same text: a ``## Relevant code`` section of blocks headed
``--- path:start-end label``, grouped by file in the order files were first packed and by line
within a file, so a model reads each file top to bottom.

The rules, in one place: excerpts are offered best first; an empty one, a repeat (same path
and first line) and one inside an excerpt already packed whole are skipped; one that does not
fit the budget is skipped and the next, maybe smaller, one is tried.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

BODY_HEAD = "## Relevant code\n"


@dataclass(frozen=True, slots=True)
class Excerpt:
    path: str
    start_line: int
    end_line: int
    text: str
    label: str = ""  # what the lines are: "Cart.add (method)", a symbol name, or nothing

    def block(self) -> str:
        head = f"--- {self.path}:{self.start_line}-{self.end_line}"
        if self.label:
            head += f" {self.label}"
        return f"{head}\n{self.text.rstrip()}\n"

    def inside(self, outer: Excerpt) -> bool:
        return (
            self.path == outer.path
            and outer.start_line <= self.start_line
            and self.end_line <= outer.end_line
        )


class ExcerptPacker:
    """Blocks placed under a budget measured by ``cost`` (tokens or characters); ``used``
    starts at what the caller reserves (section headings)."""

    def __init__(self, cost: Callable[[str], int], used: int = 0) -> None:
        self.cost = cost
        self.used = used
        self._blocks: dict[str, list[tuple[int, str]]] = {}  # path -> (line, block)
        self._whole: list[Excerpt] = []  # excerpts packed whole: what they hold is not repeated
        self._starts: set[tuple[str, int]] = set()

    def spend(self, text: str, limit: int) -> int | None:
        """Charge ``text`` if it fits under ``limit``: its cost, or None (nothing charged)."""
        cost = self.cost(text)
        if self.used + cost > limit:
            return None
        self.used += cost
        return cost

    def inside_packed(self, e: Excerpt) -> bool:
        """Inside an excerpt packed whole (its lines are in the prompt already)."""
        return any(e.inside(w) for w in self._whole)

    def place(self, e: Excerpt, block: str, *, whole: bool = True) -> None:
        """Put a block already paid for; ``whole=False`` for a cut-down one (a signature)."""
        self._blocks.setdefault(e.path, []).append((e.start_line, block))
        self._starts.add((e.path, e.start_line))
        if whole:
            self._whole.append(e)

    def offer(self, e: Excerpt, limit: int) -> bool:
        """Pack ``e`` whole if it is new, not empty and fits; True when packed."""
        if not e.text.strip() or (e.path, e.start_line) in self._starts or self.inside_packed(e):
            return False
        block = e.block()
        if self.spend(block, limit) is None:
            return False
        self.place(e, block)
        return True

    def render(self) -> str:
        if not self._blocks:
            return ""
        out = [BODY_HEAD]
        for path in self._blocks:  # first-packed order (dicts keep insertion order)
            out.extend(block for _, block in sorted(self._blocks[path]))
        return "".join(out)


def pack_excerpts(excerpts: Iterable[Excerpt], limit: int, cost: Callable[[str], int]) -> str:
    """``excerpts`` (best first) packed whole while they fit ``limit`` (see the module)."""
    packer = ExcerptPacker(cost, used=cost(BODY_HEAD))
    for e in excerpts:
        packer.offer(e, limit)
    return packer.render()
