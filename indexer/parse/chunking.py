"""Cut a file into chunks: one per symbol, aligned to the syntax tree.

* A function or method is one chunk; one longer than ``max_lines`` is split at statement
  boundaries (blank-line / dedent points) with its signature repeated at the top of each part.
* A class (struct, trait, impl, ...) contributes a *header* chunk: its own lines without the
  bodies of its methods, which are chunks of their own.
* Adjacent small siblings (under ``merge_below_lines``) are merged up to ``max_lines`` so that a
  file of one-line getters does not become a hundred tiny chunks.
* Module-level code between symbols forms ``module`` chunks.
* Markdown, TOML, YAML and other text are cut in overlapping line windows.

A chunk's ``embed_text`` starts with its path and qualified symbol, then the code; its
``content_hash`` is the hash of the code alone, so a moved chunk keeps its cached vector.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from specpilot.indexer.config import ChunkConfig
from specpilot.indexer.types import ParsedFile, Symbol

# kinds that do not start a chunk of their own: they stay with the code around them
LOOSE_KINDS = frozenset({"constant"})
CONTAINER_KINDS = frozenset({"class", "struct", "interface", "trait", "impl", "enum", "module"})


@dataclass(frozen=True, slots=True)
class Chunk:
    id: str
    path: str
    language: str
    kind: str  # function | method | class | module | text | ... (the symbol kind, or module/text)
    symbol: str  # qualified name(s), comma-separated when siblings were merged; "" if none
    start_line: int
    end_line: int
    text: str  # the source lines (class headers: with method bodies elided)
    content_hash: str

    @property
    def embed_text(self) -> str:
        head = f"{self.path}" + (f" :: {self.symbol}" if self.symbol else "")
        return f"{head}\n{self.text}"


def content_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def _make(
    path: str, language: str, kind: str, symbol: str, start: int, end: int, text: str
) -> Chunk:
    h = content_hash(text)
    cid = hashlib.sha1(f"{path}\0{start}\0{end}\0{h}".encode()).hexdigest()[:20]
    return Chunk(cid, path, language, kind, symbol, start, end, text, h)


def chunk_file(
    path: str, language: str, text: str, parsed: ParsedFile | None, config: ChunkConfig
) -> list[Chunk]:
    """Chunks of one file, in line order. ``parsed`` is None for text files."""
    lines = text.splitlines()
    if not lines:
        return []
    if parsed is None or not parsed.symbols:
        if parsed is None:
            return _windows(path, language, lines, config)
        return _module_chunks(path, language, lines, 1, len(lines), config)
    return _CodeChunker(path, language, lines, parsed.symbols, config).run()


def _windows(path: str, language: str, lines: list[str], config: ChunkConfig) -> list[Chunk]:
    size = max(1, config.text_window_lines)
    step = max(1, size - config.text_window_overlap)
    out = []
    for start in range(0, len(lines), step):
        part = lines[start : start + size]
        if any(s.strip() for s in part):
            end = start + len(part)
            out.append(_make(path, language, "text", "", start + 1, end, "\n".join(part)))
        if start + size >= len(lines):
            break
    return out


def _module_chunks(
    path: str, language: str, lines: list[str], first: int, last: int, config: ChunkConfig
) -> list[Chunk]:
    """Module-level lines first..last (1-based, inclusive) in chunks of at most max_lines."""
    out = []
    start = first
    while start <= last:
        end = min(last, start + config.max_lines - 1)
        if end < last:
            end = _cut_point(lines, start, end)
        part = lines[start - 1 : end]
        if any(s.strip() for s in part):
            lo, hi = _trim(lines, start, end)
            out.append(_make(path, language, "module", "", lo, hi, "\n".join(lines[lo - 1 : hi])))
        start = end + 1
    return out


def _trim(lines: list[str], start: int, end: int) -> tuple[int, int]:
    while start < end and not lines[start - 1].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return start, end


def _cut_point(lines: list[str], start: int, end: int) -> int:
    """A good line to end a part at: the last blank line or dedent in the second half."""
    floor = start + (end - start) // 2
    for ln in range(end, floor, -1):
        cur = lines[ln - 1]
        nxt = lines[ln] if ln < len(lines) else ""
        if not cur.strip():
            return ln
        if nxt.strip() and _indent(nxt) < _indent(cur):
            return ln
    return end


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


class _CodeChunker:
    """Chunks of one parsed file.

    The symbols form a tree by *position*: a symbol is a child of the innermost symbol that
    is named by its ``parent`` and contains its lines. A parent named but not containing it
    (a Go method beside its struct, a Rust ``impl Foo`` beside ``struct Foo``, the second of
    two same-named classes in ``try``/``except``) does not adopt it: the symbol is chunked
    where it stands, so every range is covered once and no chunk id repeats in a file. The
    tree is walked with a work list, not recursion, so 400 nested classes are fine.
    """

    def __init__(
        self,
        path: str,
        language: str,
        lines: list[str],
        symbols: tuple[Symbol, ...],
        config: ChunkConfig,
    ) -> None:
        self.path, self.language, self.lines, self.config = path, language, lines, config
        n = len(lines)
        self.symbols = sorted(
            (
                s
                for s in symbols
                if 1 <= s.start_line <= s.end_line <= n and s.kind not in LOOSE_KINDS
            ),
            key=lambda s: (s.start_line, -s.end_line),
        )
        # children by the index of their parent in self.symbols (None: the top level)
        self.children: dict[int | None, list[int]] = {}
        open_by_name: dict[str, list[int]] = {}  # symbols that may still contain the next
        for i, s in enumerate(self.symbols):
            parent = self._container_of(s, open_by_name.get(s.parent or ""))
            self.children.setdefault(parent, []).append(i)
            open_by_name.setdefault(s.qualified_name, []).append(i)

    def _container_of(self, sym: Symbol, named: list[int] | None) -> int | None:
        """The innermost earlier symbol named ``sym.parent`` whose lines contain ``sym``."""
        if sym.parent is None or not named:
            return None
        while named and self.symbols[named[-1]].end_line < sym.start_line:
            named.pop()  # ended before this symbol starts: contains no later symbol either
        for j in reversed(named):
            if self.symbols[j].end_line >= sym.end_line:
                return j
        return None

    def run(self) -> list[Chunk]:
        out: list[Chunk] = []
        todo: list[tuple[int | None, int, int]] = [(None, 1, len(self.lines))]
        while todo:  # a work list of regions: a container's region is queued, not recursed
            parent, first, last = todo.pop()
            for container in self._region(parent, first, last, out):
                sym = self.symbols[container]
                out.append(self._header(container))
                todo.append((container, sym.start_line, sym.end_line))
        out.sort(key=lambda c: (c.start_line, c.end_line))
        return out

    def _region(self, parent: int | None, first: int, last: int, out: list[Chunk]) -> list[int]:
        """Chunk lines first..last whose direct children are those of ``parent``; return the
        containers met, whose own regions the caller chunks next.

        At the top level, the module code between symbols joins the units being grouped.
        """
        kids = self._top_level(self.children.get(parent, []))
        units: list[tuple[Symbol, int | None]] = []
        cursor = first
        for k in kids:
            sym = self.symbols[k]
            if parent is None and sym.start_line > cursor:
                units.extend((g, None) for g in self._gap(cursor, sym.start_line - 1))
            units.append((sym, k))
            cursor = max(cursor, sym.end_line + 1)
        if parent is None and cursor <= last:
            units.extend((g, None) for g in self._gap(cursor, last))
        containers: list[int] = []
        pending: list[Symbol] = []
        for unit, index in units:
            container = index is not None and self._has_children(index)
            alone = container or self._size(unit) > self.config.max_lines
            if pending and (
                alone
                or self._size(unit) >= self.config.merge_below_lines
                or unit.end_line - pending[0].start_line + 1 > self.config.max_lines
                or any(self._size(p) >= self.config.merge_below_lines for p in pending)
            ):
                self._flush(pending, out)
                pending = []
            if container and index is not None:
                containers.append(index)
            elif alone:
                self._leaf(unit, out)
            else:
                pending.append(unit)
        self._flush(pending, out)
        return containers

    def _gap(self, first: int, last: int) -> list[Symbol]:
        """Module code between symbols, as pseudo-symbols of kind "module" (blank gaps: none)."""
        lo, hi = _trim(self.lines, first, last)
        if not any(ln.strip() for ln in self.lines[lo - 1 : hi]):
            return []
        return [Symbol("", "", "module", lo, hi, "")]

    def _top_level(self, kids: list[int]) -> list[int]:
        """Drop symbols nested in an earlier sibling's range (defensive against odd parents)."""
        out: list[int] = []
        for k in kids:
            if out and self.symbols[k].start_line <= self.symbols[out[-1]].end_line:
                continue
            out.append(k)
        return out

    def _has_children(self, index: int) -> bool:
        return self.symbols[index].kind in CONTAINER_KINDS and bool(self.children.get(index))

    @staticmethod
    def _size(sym: Symbol) -> int:
        return sym.end_line - sym.start_line + 1

    def _flush(self, group: list[Symbol], out: list[Chunk]) -> None:
        if not group:
            return
        start, end = group[0].start_line, group[-1].end_line
        kind = group[0].kind if len(group) == 1 else "group"
        names = ", ".join(s.qualified_name for s in group if s.qualified_name)
        out.append(self._chunk(kind, names, start, end, self.lines[start - 1 : end]))

    def _chunk(self, kind: str, symbol: str, start: int, end: int, body: list[str]) -> Chunk:
        return _make(self.path, self.language, kind, symbol, start, end, "\n".join(body))

    def _leaf(self, sym: Symbol, out: list[Chunk]) -> None:
        if sym.kind == "module" and not sym.qualified_name:
            out.extend(
                _module_chunks(
                    self.path, self.language, self.lines, sym.start_line, sym.end_line, self.config
                )
            )
        else:
            self._split(sym, out)

    def _header(self, index: int) -> Chunk:
        """A container's own lines, its children elided (their chunks are made separately)."""
        sym = self.symbols[index]
        header: list[str] = []
        cursor = sym.start_line
        for k in self._top_level(self.children.get(index, [])):
            kid = self.symbols[k]
            header.extend(self.lines[cursor - 1 : kid.start_line - 1])
            header.append(self._elision(kid))
            cursor = kid.end_line + 1
        header.extend(self.lines[cursor - 1 : sym.end_line])
        if len(header) > self.config.max_lines:
            header = [*header[: self.config.max_lines - 1], self._indent_of(sym) + "    ..."]
        return self._chunk(sym.kind, sym.qualified_name, sym.start_line, sym.end_line, header)

    def _elision(self, kid: Symbol) -> str:
        first = self.lines[kid.start_line - 1]
        sig = kid.signature or first.strip()
        return f"{self._indent_of(kid)}{sig} ..."

    def _indent_of(self, sym: Symbol) -> str:
        line = self.lines[sym.start_line - 1]
        return line[: _indent(line)]

    def _split(self, sym: Symbol, out: list[Chunk]) -> None:
        """A function: one chunk, or parts of at most max_lines with the signature repeated."""
        start, end = sym.start_line, sym.end_line
        if end - start + 1 <= self.config.max_lines:
            out.append(
                self._chunk(sym.kind, sym.qualified_name, start, end, self.lines[start - 1 : end])
            )
            return
        body_start = sym.body_start_line or start + 1
        head = self.lines[start - 1 : min(body_start, end) - 1] or [self.lines[start - 1]]
        head_len = len(head)
        part_start = start
        while part_start <= end:
            budget = self.config.max_lines - (0 if part_start == start else head_len)
            part_end = min(end, part_start + max(budget, 8) - 1)
            if part_end < end:
                part_end = _cut_point(self.lines, part_start, part_end)
            body = self.lines[part_start - 1 : part_end]
            if part_start != start:
                body = [*head, self._indent_of(sym) + "    ...", *body]
            out.append(self._chunk(sym.kind, sym.qualified_name, part_start, part_end, body))
            part_start = part_end + 1
