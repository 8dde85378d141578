"""The registry of code languages: language id → grammar loader and extraction settings.

Adding a language = a grammar dependency, a ``LanguageSpec`` entry here, query files under
``indexer/parse/queries/<id>/`` (``tags.scm``, ``imports.scm``) and a fixture with golden symbols.
A language joins several folders' queries: ``ecma`` holds what JavaScript and TypeScript share,
``javascript``/``typescript`` their own patterns, ``jsx`` the JSX ones (JavaScript and tsx).

The spec holds the few facts the extractor cannot read from the queries: which node types wrap
a definition (``export``, decorators), which preceding siblings belong to it (Rust attributes,
TS member decorators) and how its documentation is written. Nothing here touches py-tree-sitter:
``grammar`` returns the grammar package's language pointer, which ``indexer.parse.treesitter`` wraps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import tree_sitter_go
import tree_sitter_java
import tree_sitter_javascript
import tree_sitter_python
import tree_sitter_rust
import tree_sitter_typescript

from specpilot.indexer.errors import ParseError


@dataclass(frozen=True, slots=True)
class LanguageSpec:
    """How to parse and read one language."""

    id: str
    grammar: Callable[[], object]  # the grammar package's `language()` pointer
    # folders under indexer/parse/queries whose <purpose>.scm files are joined, in order
    queries: tuple[str, ...]
    # "python": a string first in the body; "comments": the comment block right above
    docstring_style: str = "comments"
    # parents that wrap a definition; start_line and the doc comment anchor move out to them
    wrappers: frozenset[str] = frozenset()
    # preceding siblings that belong to the definition (start_line moves up to them)
    attributes: frozenset[str] = frozenset()
    # child types of a wrapper that are not part of the signature
    decorators: frozenset[str] = frozenset()
    # names a method uses for its own instance / class
    self_names: frozenset[str] = frozenset()


def _ecma(id: str, grammar: Callable[[], object], queries: tuple[str, ...]) -> LanguageSpec:
    """JavaScript and its TypeScript dialects: the same wrappers, decorators and ``this``."""
    return LanguageSpec(
        id=id,
        grammar=grammar,
        queries=queries,
        wrappers=frozenset({"export_statement", "lexical_declaration", "variable_declaration"}),
        attributes=frozenset({"decorator"}),
        decorators=frozenset({"decorator", "comment"}),
        self_names=frozenset({"this"}),
    )


_SPECS: dict[str, LanguageSpec] = {
    spec.id: spec
    for spec in (
        LanguageSpec(
            id="python",
            grammar=tree_sitter_python.language,
            queries=("python",),
            docstring_style="python",
            wrappers=frozenset({"decorated_definition"}),
            decorators=frozenset({"decorator", "comment"}),
            self_names=frozenset({"self", "cls"}),
        ),
        _ecma("javascript", tree_sitter_javascript.language, ("ecma", "javascript", "jsx")),
        _ecma("typescript", tree_sitter_typescript.language_typescript, ("ecma", "typescript")),
        _ecma("tsx", tree_sitter_typescript.language_tsx, ("ecma", "typescript", "jsx")),
        LanguageSpec(
            id="go",
            grammar=tree_sitter_go.language,
            queries=("go",),
            wrappers=frozenset(
                {"type_declaration", "const_declaration", "var_declaration", "var_spec_list"}
            ),
        ),
        LanguageSpec(
            id="java",
            grammar=tree_sitter_java.language,
            queries=("java",),
            self_names=frozenset({"this"}),
        ),
        LanguageSpec(
            id="rust",
            grammar=tree_sitter_rust.language,
            queries=("rust",),
            attributes=frozenset({"attribute_item"}),
            self_names=frozenset({"self", "Self"}),
        ),
    )
}


def available() -> tuple[str, ...]:
    """The ids of every registered language, sorted."""
    return tuple(sorted(_SPECS))


def get_spec(language: str) -> LanguageSpec:
    """The spec of a language id; ``ParseError`` naming the valid ids when it is unknown."""
    try:
        return _SPECS[language]
    except KeyError:
        raise ParseError(
            f"unknown language {language!r}; available: {', '.join(available())}"
        ) from None
