"""Parse and chunk the files a refresh must (re)index, in batches a caller may spread out.

``prepare`` cuts the paths into batches of PARSE_BATCH_FILES and applies ``parse_batch`` to
each through ``map_parse`` — plain ``map`` in process, a task runner's map in a flow.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from specpilot.indexer.config import IndexerConfig
from specpilot.indexer.parse.chunking import Chunk, chunk_file
from specpilot.indexer.parse.extract import parse_source
from specpilot.indexer.parse.tokens import search_text
from specpilot.indexer.source.filetypes import is_code
from specpilot.indexer.source.refresh import blob_hash
from specpilot.indexer.types import ParsedFile, SourceFile

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


@dataclass(slots=True)
class Prepared:
    source: SourceFile
    blob: str
    parsed: ParsedFile | None
    chunks: list[Chunk]
    lines: int
    search_text: str  # tokens of the path and the whole file (file-level full text)


@dataclass(slots=True)
class ParsedBatch:
    """Parsed and chunked files of one batch (what a ``MapParse`` returns per batch)."""

    files: list[Prepared]
    errors: int  # files with tree-sitter error nodes
    lossy: int  # files that were not valid UTF-8


# ``map_parse(parse_batch, batches)``: apply ``parse_batch`` to every batch of paths and yield
# the results in order — ``map`` in process by default, a task runner's map in a flow.
ParseBatch = Callable[[Sequence[str]], ParsedBatch]
MapParse = Callable[[ParseBatch, Sequence[Sequence[str]]], Iterable[ParsedBatch]]
PARSE_BATCH_FILES = 64


def prepare(
    paths: Sequence[str],
    sources: dict[str, SourceFile],
    contents: dict[str, bytes],
    cfg: IndexerConfig,
    report: Progress,
    map_parse: MapParse | None,
) -> tuple[list[Prepared], int, int]:
    """Parse and chunk ``paths`` in batches of PARSE_BATCH_FILES, through ``map_parse`` (e.g.
    a task runner's map) when given, else one after the other in this process."""

    def parse_batch(batch: Sequence[str]) -> ParsedBatch:
        return _parse_batch(batch, sources, contents, cfg)

    batches = [paths[i : i + PARSE_BATCH_FILES] for i in range(0, len(paths), PARSE_BATCH_FILES)]
    results = map_parse(parse_batch, batches) if map_parse else map(parse_batch, batches)
    out: list[Prepared] = []
    errors = lossy = 0
    report("parse", 0, len(paths))
    for result in results:
        out.extend(result.files)
        errors, lossy = errors + result.errors, lossy + result.lossy
        report("parse", len(out), len(paths))
    return out, errors, lossy


def _parse_batch(
    paths: Sequence[str],
    sources: dict[str, SourceFile],
    contents: dict[str, bytes],
    cfg: IndexerConfig,
) -> ParsedBatch:
    out: list[Prepared] = []
    errors = lossy = 0
    for path in paths:
        sf, data = sources[path], contents[path]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            log.warning("%s is not valid UTF-8; indexed with replacement characters", path)
            text = data.decode("utf-8", errors="replace")
            lossy += 1
        parsed: ParsedFile | None = None
        if is_code(sf.language):
            parsed = parse_source(path, text.encode("utf-8"), sf.language)
            if parsed.error_nodes:
                errors += 1
        chunks = chunk_file(path, sf.language, text, parsed, cfg.chunk)
        tokens = search_text(f"{path}\n{text}")
        out.append(Prepared(sf, blob_hash(data), parsed, chunks, text.count("\n") + 1, tokens))
    return ParsedBatch(out, errors, lossy)
