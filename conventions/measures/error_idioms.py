"""Error handling and logging idioms.

Errors
    Python: ``errors.except`` (bare / broad ``Exception`` / specific), ``errors.reraise``
    (a new exception raised inside ``except`` with or without ``from``) and the exception
    classes with their base (``errors.exception_base``, aggregated into a hierarchy).
    JavaScript/TypeScript: ``errors.catch`` (empty or handled), ``errors.throw`` (an Error
    object or a literal) and ``class XError extends Y``. Go: ``errors.wrap`` (``fmt.Errorf``
    on an error with ``%w`` or with ``%v``/``%s``) and ``errors.return`` (inside
    ``if err != nil``: the error returned as is or wrapped).
Logging (``logging.output``, test files excluded)
    Python ``print()`` / ``logging`` / structlog; JS ``console.*`` / a logger object; Go
    ``fmt.Print*`` / ``log`` / ``slog`` / zap / logrus / zerolog. Python module loggers are
    also measured by their variable name (``logging.logger_name``).
"""

from __future__ import annotations

import builtins
import re

from specpilot.conventions.measures.collect import Collector
from specpilot.conventions.measures.syntax import Source, node_line, node_text
from specpilot.indexer import Node

PY_BUILTIN_EXCEPTIONS: frozenset[str] = frozenset(
    name
    for name in dir(builtins)
    if isinstance(getattr(builtins, name), type)
    and issubclass(getattr(builtins, name), BaseException)
)
JS_BUILTIN_ERRORS: frozenset[str] = frozenset(
    {"Error", "TypeError", "RangeError", "SyntaxError", "ReferenceError", "EvalError", "URIError"}
)
_EXCEPTION_NAME = re.compile(r"(Error|Exception|Exit|Interrupt|Failure)$")
_CLASS_BASES = re.compile(r"^class\s+\w+\s*(?:\[[^\]]*\])?\s*\((.*)\)\s*:?\s*$")

_PY_LEVELS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"}
)
_PY_LOGGERS = frozenset(
    {"logger", "log", "LOG", "LOGGER", "_logger", "_log", "logging", "self.logger", "self.log"}
    | {"self._logger", "self._log", "cls.logger", "cls.log"}
)
_JS_CONSOLE = frozenset({"log", "info", "warn", "error", "debug", "trace"})
_JS_LEVELS = frozenset({"log", "info", "warn", "error", "debug", "trace", "fatal", "warning"})
_JS_LOGGERS = frozenset(
    {"logger", "log", "LOGGER", "this.logger", "this.log", "this._logger", "ctx.logger"}
)
_GO_PRINT = frozenset({"Print", "Println", "Printf"})
_GO_LIBS = {
    "go.uber.org/zap": "zap",
    "github.com/sirupsen/logrus": "logrus",
    "github.com/rs/zerolog": "zerolog",
    "github.com/rs/zerolog/log": "zerolog",
}
_GO_LEVEL = re.compile(r"^(Debug|Info|Warn|Warning|Error|Fatal|Panic|Trace)f?w?$")
_LOGGER_ASSIGN = re.compile(
    r"^(\w+)\s*(?::\s*[\w.\[\]]+\s*)?=\s*(?:logging|structlog)\.get_?[lL]ogger\("
)


def measure_errors(src: Source, out: Collector) -> None:
    if src.group == "python":
        _python_errors(src, out)
    elif src.group == "javascript":
        _js_errors(src, out)
    elif src.group == "go":
        _go_errors(src, out)


def measure_logging(src: Source, out: Collector) -> None:
    if src.group == "python":
        for number, text in enumerate(src.lines, 1):
            found = _LOGGER_ASSIGN.match(text)
            if found:
                out.add("logging.logger_name", found.group(1), number, found.group(1))
    if src.is_test:
        return
    if src.group == "python":
        structlog = any(i.module.split(".")[0] == "structlog" for i in src.parsed.imports)
        for ref in src.parsed.references:
            if ref.kind != "call":
                continue
            if ref.name == "print" and ref.qualifier is None:
                out.add("logging.output", "print", ref.line, "print()")
            elif ref.name in _PY_LEVELS and _py_logger(ref.qualifier):
                kind = "structlog" if structlog and ref.qualifier != "logging" else "logging"
                out.add("logging.output", kind, ref.line, f"{ref.qualifier}.{ref.name}()")
    elif src.group == "javascript":
        for ref in src.parsed.references:
            if ref.kind != "call" or not ref.qualifier:
                continue
            if ref.qualifier == "console" and ref.name in _JS_CONSOLE:
                out.add("logging.output", "console", ref.line, f"console.{ref.name}()")
            elif ref.qualifier in _JS_LOGGERS and ref.name in _JS_LEVELS:
                out.add("logging.output", "logger", ref.line, f"{ref.qualifier}.{ref.name}()")
    elif src.group == "go":
        _go_logging(src, out)


def _py_logger(qualifier: str | None) -> bool:
    if qualifier is None:
        return False
    return qualifier in _PY_LOGGERS or qualifier.startswith(("logging.getLogger", "structlog."))


def _go_logging(src: Source, out: Collector) -> None:
    modules = {i.module for i in src.parsed.imports}
    lib = next((name for path, name in _GO_LIBS.items() if path in modules), None)
    for ref in src.parsed.references:
        if ref.kind != "call":
            continue
        subject = f"{ref.qualifier}.{ref.name}()" if ref.qualifier else f"{ref.name}()"
        if (ref.qualifier == "fmt" and ref.name in _GO_PRINT) or (
            ref.qualifier is None and ref.name in ("println", "print")
        ):
            out.add("logging.output", "fmt", ref.line, subject)
        elif ref.qualifier == "slog":
            out.add("logging.output", "slog", ref.line, subject)
        elif ref.qualifier == "log" and lib is None and "log" in modules:
            out.add("logging.output", "log", ref.line, subject)
        elif ref.qualifier and _GO_LEVEL.match(ref.name):
            tail = ref.qualifier.split(".")[-1].lower()
            if tail in ("log", "logger", "l", "zap", "logrus", "zerolog", "sugar"):
                out.add("logging.output", lib or "logger", ref.line, subject)


# -- Python -------------------------------------------------------------------------------
def except_variant(clause: Node) -> str:
    """bare | broad | specific for a Python ``except_clause`` node."""
    parts = [c for c in clause.named_children if c.type not in ("block", "comment")]
    if not parts:
        return "bare"
    expr = parts[0]
    if expr.type == "as_pattern" and expr.named_children:
        expr = expr.named_children[0]
    names = {n.strip(" ()").split(".")[-1] for n in node_text(expr).split(",")}
    return "broad" if names & {"Exception", "BaseException"} else "specific"


def _python_errors(src: Source, out: Collector) -> None:
    for clause in src.nodes.get("except", ()):
        header = node_text(clause).split("\n", 1)[0].strip()
        out.add("errors.except", except_variant(clause), node_line(clause), header)
    for statement in src.nodes.get("raise", ()):
        found = _reraise(statement)
        if found is not None:
            out.add("errors.reraise", found, node_line(statement), node_text(statement)[:60])
    for symbol in src.parsed.symbols:
        if symbol.kind != "class":
            continue
        bases = _CLASS_BASES.match(symbol.signature)
        names = [b.strip().split(".")[-1] for b in bases.group(1).split(",")] if bases else []
        names = [n for n in names if n and "=" not in n]
        base = next((n for n in names if _exceptionish(n)), None)
        if base is not None or (names and _EXCEPTION_NAME.search(symbol.name)):
            out.item("errors.exception_base", base or names[0], symbol.name, src.name_line(symbol))


def _exceptionish(name: str) -> bool:
    return name in PY_BUILTIN_EXCEPTIONS or bool(_EXCEPTION_NAME.search(name))


def _reraise(statement: Node) -> str | None:
    """chained | unchained for ``raise X(...)`` inside an except block; None otherwise."""
    values = [c for c in statement.named_children if c.type != "comment"]
    if not values or values[0].type != "call":
        return None
    node = statement.parent
    while node is not None and node.type not in ("function_definition", "class_definition"):
        if node.type == "except_clause":
            has_from = any(c.type == "from" for c in statement.children)
            return "chained" if has_from else "unchained"
        node = node.parent
    return None


# -- JavaScript / TypeScript ----------------------------------------------------------------
def _js_errors(src: Source, out: Collector) -> None:
    for clause in src.nodes.get("catch", ()):
        body = clause.child_by_field_name("body")
        stmts = [c for c in body.named_children if c.type != "comment"] if body else []
        header = node_text(clause).split("\n", 1)[0].strip()[:60]
        out.add("errors.catch", "handled" if stmts else "empty", node_line(clause), header)
    for statement in src.nodes.get("throw", ()):
        values = [c for c in statement.named_children if c.type != "comment"]
        if values:
            literal = values[0].type in ("string", "template_string", "number", "object", "true")
            out.add(
                "errors.throw",
                "literal" if literal else "error",
                node_line(statement),
                node_text(statement)[:60],
            )
    for symbol in src.parsed.symbols:
        if symbol.kind != "class" or " extends " not in symbol.signature:
            continue
        base = symbol.signature.split(" extends ", 1)[1].split()[0].split("<")[0].split(".")[-1]
        if base in JS_BUILTIN_ERRORS or _EXCEPTION_NAME.search(base):
            out.item("errors.exception_base", base, symbol.name, src.name_line(symbol))


# -- Go -------------------------------------------------------------------------------------
_GO_WRAPPERS = frozenset({"Errorf", "Wrap", "Wrapf", "WithMessage", "WithMessagef", "Join"})


def _go_errors(src: Source, out: Collector) -> None:
    for call in src.nodes.get("errorf", ()):
        args = call.child_by_field_name("arguments")
        if args is None or not args.named_children:
            continue
        fmt, *rest = args.named_children
        if not any(_errorish(node_text(a)) for a in rest):
            continue
        variant = "w" if "%w" in node_text(fmt) else "v"
        out.add("errors.wrap", variant, node_line(call), node_text(call)[:60])
    for statement in src.nodes.get("if_err", ()):
        body = statement.child_by_field_name("consequence")
        for ret in _returns(body):
            values = [c for c in ret.named_children if c.type != "comment"]
            if not values:
                continue
            last = values[0]
            if last.type == "expression_list" and last.named_children:
                last = last.named_children[-1]
            if last.type == "identifier" and node_text(last) == "err":
                out.add("errors.return", "bare", node_line(ret), node_text(ret)[:60])
            elif last.type == "call_expression":
                fn = node_text(last.child_by_field_name("function")).split(".")[-1]
                if fn in _GO_WRAPPERS:
                    out.add("errors.return", "wrapped", node_line(ret), node_text(ret)[:60])


def _errorish(text: str) -> bool:
    return text == "err" or (text.endswith(("Err", ".err", "err")) and text.isidentifier())


def _returns(block: Node | None) -> list[Node]:
    if block is None:
        return []
    found: list[Node] = []
    for child in block.named_children:
        if child.type == "return_statement":
            found.append(child)
        elif child.type == "statement_list":
            found.extend(c for c in child.named_children if c.type == "return_statement")
    return found
