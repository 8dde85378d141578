"""Which module-level names are constants (``naming.constant`` measures only those).

The indexer records every module-level assignment as a ``constant`` symbol. Most are not
constants: ``logger = logging.getLogger(__name__)``, ``app = Flask(__name__)``,
``T = TypeVar("T")``, ``_cache = {}`` that a function fills later, aliases (``get = _get``).
Counting them states "constants are snake_case" in a repo whose constants are all
``DEFAULT_MAX_AGE = 3600``. A module constant here is a public name assigned once at module
level (Python: never augmented nor declared ``global``; JavaScript/TypeScript: ``const``)
whose value is a literal — a number, string, boolean, or a tuple/list/set/dict/array/object
of literals (Python ``frozenset({...})`` too). Go's ``const`` declarations are constants by
definition and are not filtered.
"""

from __future__ import annotations

from collections import Counter

from specpilot.conventions.measures.syntax import Source, node_text
from specpilot.indexer import Node

_PY_ATOMS = frozenset({"integer", "float", "string", "concatenated_string", "true", "false"})
_PY_CONTAINERS = frozenset(
    {"tuple", "list", "set", "dictionary", "pair", "parenthesized_expression", "unary_operator"}
)
_PY_WRAPPERS = frozenset({"frozenset", "tuple", "set", "dict"})  # frozenset({...}) and co.
_JS_ATOMS = frozenset({"number", "string", "true", "false"})
_JS_CONTAINERS = frozenset(
    {
        "array",
        "object",
        "pair",
        "parenthesized_expression",
        "unary_expression",
        "binary_expression",
        "as_expression",  # `[...] as const`
        "satisfies_expression",
    }
)
_SKIP = frozenset({"comment", "property_identifier", "type", "predefined_type"})


def module_constants(src: Source) -> frozenset[str]:
    """The names of the module constants a Python or JavaScript/TypeScript file defines."""
    if src.group == "python":
        return _python_constants(src)
    if src.group == "javascript":
        return _js_constants(src)
    return frozenset()


def _python_constants(src: Source) -> frozenset[str]:
    assigned: Counter[str] = Counter()
    literal: set[str] = set()
    for node in src.nodes.get("module_assignment", ()):
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or left.type != "identifier":
            continue
        name = node_text(left)
        assigned[name] += 1
        if node.type == "assignment" and right is not None and _py_literal(right):
            literal.add(name)
    declared_global = {
        node_text(child)
        for node in src.nodes.get("global", ())
        for child in node.named_children
        if child.type == "identifier"
    }
    return frozenset(
        n for n in literal if assigned[n] == 1 and n not in declared_global and _public(n)
    )


def _py_literal(node: Node, inside: bool = False) -> bool:
    """A literal value; ``None`` only inside a container (alone it is a placeholder)."""
    if node.type in _PY_ATOMS or (inside and node.type == "none"):
        return True
    if node.type == "binary_operator":
        return all(_py_literal(c, inside) for c in node.named_children)
    if node.type in _PY_CONTAINERS:
        return all(_py_literal(c, True) for c in node.named_children if c.type not in _SKIP)
    if node.type == "call":
        function, arguments = (
            node.child_by_field_name("function"),
            node.child_by_field_name("arguments"),
        )
        return (
            function is not None
            and node_text(function) in _PY_WRAPPERS
            and arguments is not None
            and all(_py_literal(c, True) for c in arguments.named_children if c.type not in _SKIP)
        )
    return False


def _js_constants(src: Source) -> frozenset[str]:
    found: set[str] = set()
    for node in src.nodes.get("module_declaration", ()):
        if not node.children or node.children[0].type != "const":
            continue
        for declarator in node.named_children:
            if declarator.type != "variable_declarator":
                continue
            name, value = (
                declarator.child_by_field_name("name"),
                declarator.child_by_field_name("value"),
            )
            if name is None or name.type != "identifier" or value is None:
                continue
            if _js_literal(value) and _public(node_text(name)):
                found.add(node_text(name))
    return frozenset(found)


def _js_literal(node: Node) -> bool:
    if node.type in _JS_ATOMS:
        return True
    if node.type == "template_string":
        return not any(c.type == "template_substitution" for c in node.named_children)
    if node.type in _JS_CONTAINERS:
        values = [c for c in node.named_children if c.type not in _SKIP]
        if node.type == "pair":
            values = [v for v in (node.child_by_field_name("value"),) if v is not None]
        return all(_js_literal(c) for c in values)
    return False


def _public(name: str) -> bool:
    """Module-private names (``_cache``, ``__all__``) follow no constant convention."""
    return not name.startswith(("_", "$"))
