"""Read the bytes a ``GIT binary patch`` adds, so the secret gate scans binary files too.

``git diff --binary`` sends a binary file (one with a NUL byte, or one a ``.gitattributes``
marks binary) as zlib-compressed, base85-encoded blocks: ``literal N`` is the whole new file,
``delta N`` a git delta against the old blob. For a literal we return the new file; for a delta
the bytes its *insert* instructions add (the copied ranges come from the old blob, which is
already in the repository). Each data line starts with a length character (``A``-``Z`` = 1-26,
``a``-``z`` = 27-52 bytes) followed by base85 in git's alphabet, which is RFC 1924's, the one
:func:`base64.b85decode` uses.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from specpilot.pipeline.core.errors import DiffError


@dataclass(frozen=True, slots=True)
class BinaryAdded:
    kind: Literal["literal", "delta"]
    data: bytes  # the new file (literal) or the inserted bytes, one chunk per line (delta)


def added_bytes(block: Sequence[str], path: str) -> BinaryAdded:
    """The bytes the forward block of a binary patch adds (``block[0]`` is its header)."""
    if not block:
        raise DiffError(f"The binary patch of {path} is empty; expected 'literal N' or 'delta N'.")
    kind, _, size = block[0].partition(" ")
    if kind not in ("literal", "delta") or not size.isdigit():
        raise DiffError(
            f"The binary patch of {path} starts with {block[0][:40]!r}; "
            "expected 'literal N' or 'delta N'."
        )
    raw = bytearray()
    for line in block[1:]:
        if not line:
            break
        raw += _line_bytes(line, path)
    try:
        data = zlib.decompress(bytes(raw))
    except zlib.error as err:
        raise DiffError(f"The binary patch of {path} does not inflate: {err}.") from err
    if kind == "literal":
        return BinaryAdded("literal", data)
    return BinaryAdded("delta", b"\n".join(_delta_inserts(data, path)))


def _line_bytes(line: str, path: str) -> bytes:
    head = line[0]
    if "A" <= head <= "Z":
        length = ord(head) - ord("A") + 1
    elif "a" <= head <= "z":
        length = ord(head) - ord("a") + 27
    else:
        raise DiffError(f"A line of the binary patch of {path} has no length character.")
    try:
        return base64.b85decode(line[1:])[:length]
    except ValueError as err:
        raise DiffError(f"A line of the binary patch of {path} is not base85: {err}.") from err


def _varint(data: bytes, i: int) -> int:
    while data[i] & 0x80:
        i += 1
    return i + 1


def _delta_inserts(data: bytes, path: str) -> list[bytes]:
    """The literal data of a git delta's insert instructions (copies are skipped)."""
    try:
        i = _varint(data, _varint(data, 0))  # source size, target size
        inserts: list[bytes] = []
        while i < len(data):
            op = data[i]
            i += 1
            if op & 0x80:  # copy: one byte per set offset (bits 0-3) and size (bits 4-6) flag
                i += bin(op & 0x7F).count("1")
            elif op:
                inserts.append(data[i : i + op])
                i += op
            else:
                raise DiffError(f"The binary delta of {path} has a reserved zero instruction.")
        return inserts
    except IndexError as err:
        raise DiffError(f"The binary delta of {path} ends early.") from err
