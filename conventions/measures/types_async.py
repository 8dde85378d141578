"""Type-annotation coverage (Python: ``types.function``) and async usage (``async.*``).

A Python function is ``annotated`` when every parameter (``self``/``cls`` of methods aside)
and its return are annotated (``__init__`` needs no return annotation), ``unannotated`` when
none is, ``partial`` otherwise; test files and type stubs (``.pyi``) are not measured.
``async.functions`` counts ``async`` against plain functions; in JavaScript/TypeScript
``async.style`` counts ``await`` against ``.then()`` chains.
"""

from __future__ import annotations

from specpilot.conventions.measures.collect import Collector
from specpilot.conventions.measures.syntax import Source, node_line, node_text
from specpilot.conventions.scope import is_stub
from specpilot.indexer import Node

_UNTYPED = frozenset(
    {"identifier", "default_parameter", "list_splat_pattern", "dictionary_splat_pattern"}
)
_TYPED = frozenset({"typed_parameter", "typed_default_parameter"})


def python_annotation(function: Node) -> tuple[str, str, int] | None:
    """(variant, name, line of the name) of a Python function definition node."""
    name_node = function.child_by_field_name("name")
    params = function.child_by_field_name("parameters")
    if name_node is None or params is None:
        return None
    name = node_text(name_node)
    typed = untyped = 0
    first = True
    in_class = _in_class(function)
    for param in params.named_children:
        if param.type in _TYPED:
            typed += 1
        elif param.type in _UNTYPED:
            if first and in_class and node_text(param) in ("self", "cls"):
                first = False
                continue
            untyped += 1
        first = False
    returns = function.child_by_field_name("return_type") is not None
    if returns or name == "__init__":
        typed += 1 if returns else 0
    else:
        untyped += 1
    if untyped == 0 and (typed > 0 or name == "__init__"):
        variant = "annotated"
    elif typed == 0:
        variant = "unannotated"
    else:
        variant = "partial"
    return variant, name, node_line(name_node)


def _in_class(function: Node) -> bool:
    parent = function.parent
    if parent is not None and parent.type == "decorated_definition":
        parent = parent.parent
    return parent is not None and parent.type == "block" and _owner(parent) == "class_definition"


def _owner(block: Node) -> str:
    return block.parent.type if block.parent is not None else ""


def measure_types_async(src: Source, out: Collector) -> None:
    if src.group == "python":
        for function in src.nodes.get("function", ()):
            found = python_annotation(function)
            if found is None:
                continue
            variant, name, line = found
            if not src.is_test and not is_stub(src.path):  # a stub is annotated by design
                out.add("types.function", variant, line, name)
            is_async = function.children[0].type == "async" if function.children else False
            out.add("async.functions", "async" if is_async else "sync", line, name)
    elif src.group == "javascript":
        for symbol in src.parsed.symbols:
            if symbol.kind in ("function", "method"):
                is_async = "async " in symbol.signature.split("(")[0] + " "
                out.add(
                    "async.functions",
                    "async" if is_async else "sync",
                    src.name_line(symbol),
                    symbol.name,
                )
        for node in src.nodes.get("await", ()):
            out.add("async.style", "await", node_line(node), "await")
        for ref in src.parsed.references:
            if ref.kind == "call" and ref.name == "then" and ref.qualifier:
                out.add("async.style", "then", ref.line, f"{ref.qualifier}.then()")
