"""Code-aware tokenization shared by the full-text index and the query side.

Identifiers are split on snake_case and camelCase and also kept whole, lower-cased:
``send_file`` → ``send file send_file``; ``getAdapter`` → ``get adapter getadapter``.
The same function runs on chunk text at index time and on the query at search time, so the
full-text index (LanceDB FTS, whitespace tokenizer) sees identical tokens on both sides.
"""

from __future__ import annotations

import re

_WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CAMEL_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")

_STOPWORD_TEXT = """
a an and are as at be been but by can could did do does for from had has have how i if in into
is it its of on or our should so such than that the their then there these they this those to
too was we were what when where which while who why will with would you your not no yes also
only all any each more most other some just very own same both few now new use used using via
per self cls none true false return def class import from pass
"""
STOPWORDS: frozenset[str] = frozenset(_STOPWORD_TEXT.split())


def identifier_parts(word: str) -> list[str]:
    """``getHTTPAdapter_v2`` → ``['get', 'http', 'adapter', 'v2']`` (lower-cased)."""
    return [p.lower() for w in word.split("_") if w for p in _CAMEL_RE.findall(w)]


def code_tokens(text: str, *, min_len: int = 2) -> list[str]:
    """Tokens of ``text`` in order: identifier parts, then the whole compound identifier."""
    out: list[str] = []
    for word in _WORD_RE.findall(text):
        parts = identifier_parts(word)
        for p in parts:
            if len(p) >= min_len and not p.isdigit() and p not in STOPWORDS:
                out.append(p)
        if len(parts) > 1:
            whole = word.strip("_").lower()
            if len(whole) >= min_len:
                out.append(whole)
    return out


def search_text(text: str) -> str:
    """The text stored in the full-text column: code tokens joined by spaces."""
    return " ".join(code_tokens(text))


def identifiers(text: str) -> list[str]:
    """Identifier-looking words of a query: compounds (snake/camel/dotted) and CamelCase names.

    Plain English words are not returned; ``Session.get_adapter`` yields
    ``Session.get_adapter``, ``Session`` and ``get_adapter``.
    """
    found: list[str] = []
    for m in re.finditer(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*", text):
        word = m.group(0)
        pieces = word.split(".")
        for piece in ([word] if len(pieces) > 1 else []) + pieces:
            if _looks_like_identifier(piece) and piece not in found:
                found.append(piece)
    return found


def _looks_like_identifier(word: str) -> bool:
    if "." in word:
        return all(_WORD_RE.fullmatch(p) for p in word.split("."))
    if "_" in word.strip("_") or word.startswith("__"):
        return True
    # camelCase / PascalCase with an inner capital: getAdapter, HTTPAdapter, Session? (no)
    return bool(re.search(r"[a-z][A-Z]|[A-Z]{2,}[a-z]", word))
