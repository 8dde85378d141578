"""A file's parse as stored in the ``files`` table's ``parsed`` column (JSON), and back."""

from __future__ import annotations

import json
from dataclasses import asdict

from specpilot.indexer.types import Import, ParsedFile, Reference, Symbol


def parsed_to_json(parsed: ParsedFile) -> str:
    return json.dumps(asdict(parsed), separators=(",", ":"))


def parsed_from_json(text: str, *, inherits_only: bool = False) -> ParsedFile:
    """A stored parse; ``inherits_only`` keeps just the inheritance references (all another
    file's resolution reads of this one), which skips most of the decoding time."""
    d = json.loads(text)
    refs = d.get("references", ())
    return ParsedFile(
        path=d["path"],
        language=d["language"],
        symbols=tuple(Symbol(**s) for s in d.get("symbols", ())),
        imports=tuple(Import(**i) for i in d.get("imports", ())),
        references=tuple(
            Reference(**r) for r in refs if not inherits_only or r["kind"] == "inherit"
        ),
        error_nodes=d.get("error_nodes", 0),
    )
