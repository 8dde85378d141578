"""The registry of measured families: what each ``family=variant`` observation means.

A *family* is one question asked of the code ("how are functions named?"); its *variants*
are the answers seen ("snake_case", "camelCase"). Aggregation turns a family's distribution
into conventions:

- the **dominant** variant (``values`` lists the variants that may be one; an observed
  variant also satisfies the values ``compatible`` maps it to — a one-word ``lower`` name is
  both snake_case and camelCase);
- an **avoid** rule for each variant in ``avoid`` that the repo (almost) never uses.

``check`` flags an added observation that is incompatible with a strong dominant convention
or that is an avoided variant; ``checkable=False`` families are reported, never enforced, and
``file_level`` observations are enforced on new files only.
"""

from __future__ import annotations

from dataclasses import replace

from specpilot.conventions.families_layout import LAYOUT_FAMILIES
from specpilot.conventions.family import Family

_STYLES = {
    "snake_case": "snake_case",
    "camelCase": "camelCase",
    "PascalCase": "PascalCase",
    "UPPER_CASE": "UPPER_CASE",
    "MixedCaps": "MixedCaps",
    "lower": "single lowercase word",
    "upper": "single uppercase word",
    "mixed": "mixed style",
    "idiom": "a name the language dictates (Go `TestX_y`, JSX components)",
}
_STYLE_VALUES = frozenset({"snake_case", "camelCase", "PascalCase", "UPPER_CASE", "MixedCaps"})
_STYLE_COMPAT = {
    "lower": frozenset({"snake_case", "camelCase", "MixedCaps"}),
    "upper": frozenset({"UPPER_CASE", "PascalCase", "MixedCaps"}),
    "camelCase": frozenset({"MixedCaps"}),
    "PascalCase": frozenset({"MixedCaps"}),
    "idiom": _STYLE_VALUES,  # conforms to whatever the repo's style is
}


def _naming(key: str, noun: str, one: str) -> Family:
    return Family(
        key,
        "naming",
        noun,
        one,
        _STYLES,
        values=_STYLE_VALUES,
        compatible=_STYLE_COMPAT,
        statement="Name {noun} in {label}.",
    )


def _docs(key: str, noun: str, one: str) -> Family:
    return Family(
        key,
        "docstrings",
        noun,
        one,
        {"present": "documented", "missing": "undocumented"},
        check_values=frozenset({"present"}),
        statement="{Noun} are {label}.",
        value_statements={
            "present": f"Document every {one} (docstring / doc comment).",
            "missing": f"{noun[:1].upper()}{noun[1:]} are left undocumented.",
        },
    )


_LOG_LABELS = {
    "print": "`print()`",
    "logging": "the `logging` module",
    "structlog": "structlog",
    "console": "`console.*`",
    "logger": "a logger object",
    "fmt": "`fmt.Print*`",
    "log": "the standard `log` package",
    "slog": "`log/slog`",
    "zap": "zap",
    "logrus": "logrus",
    "zerolog": "zerolog",
}

# evidence phrasing where "<label> <noun>: k/n" reads badly
_EVIDENCE: dict[str, str] = {
    "errors.except": "except clauses with {label}: {k}/{n}",
    "errors.reraise": "raises inside except blocks using {label}: {k}/{n}",
    "errors.exception_base": "exception classes deriving from {label}: {k}/{n}",
    "errors.catch": "catch blocks with {label}: {k}/{n}",
    "errors.throw": "throw statements of {label}: {k}/{n}",
    "errors.wrap": "fmt.Errorf calls on errors using {label}: {k}/{n}",
    "errors.return": "error returns in `if err != nil` {label}: {k}/{n}",
    "logging.output": "log/output calls via {label}: {k}/{n}",
    "logging.logger_name": "module loggers named {label}: {k}/{n}",
    "tests.framework": "test files using {label}: {k}/{n}",
    "tests.naming": "test files named {label}: {k}/{n}",
    "tests.layout": "test files in {label}: {k}/{n}",
    "imports.relative": "own-module imports using {label}: {k}/{n}",
    "imports.from": "import statements of the form {label}: {k}/{n}",
    "imports.future": "modules with {label}: {k}/{n}",
    "imports.grouping": "import blocks with {label}: {k}/{n}",
    "imports.module_system": "imports using {label}: {k}/{n}",
    "format.quotes": "string literals in {label}: {k}/{n}",
    "format.semicolons": "statements ending with {label}: {k}/{n}",
    "format.indent": "indented lines using {label}: {k}/{n}",
    "format.indent_width": "files indented with {label}: {k}/{n}",
    "async.style": "promise uses with {label}: {k}/{n}",
    "docs.go_name": "doc comments {label}: {k}/{n}",
}

FAMILIES: dict[str, Family] = {
    f.key: replace(f, evidence_format=_EVIDENCE.get(f.key, f.evidence_format))
    for f in (
        _naming("naming.function", "functions", "function"),
        _naming("naming.method", "methods", "method"),
        _naming("naming.class", "types and classes", "type"),
        _naming("naming.constant", "module-level constants", "constant"),
        _docs("docs.function", "public functions", "public function"),
        _docs("docs.method", "public methods", "public method"),
        _docs("docs.class", "public classes and types", "public class"),
        Family(
            "docs.style",
            "docstrings",
            "structured docstrings",
            "docstring",
            {
                "google": "Google-style (Args:/Returns:)",
                "numpy": "NumPy-style (Parameters/-----)",
                "rest": "reST-style (:param x:)",
                "epytext": "Epytext-style (@param)",
                "jsdoc": "`/** */` (JSDoc/Javadoc)",
                "block": "`/* */` block",
                "line": "`//` line",
                "doc_line": "`///` doc",
            },
            statement="Docstrings: {label}.",
        ),
        Family(
            "docs.go_name",
            "docstrings",
            "doc comments",
            "doc comment",
            {"name_first": "starting with the symbol's name", "other": "free-form"},
            statement="Doc comments start with the symbol's name (godoc).",
        ),
        Family(
            "types.function",
            "types",
            "functions",
            "function",
            {
                "annotated": "fully annotated",
                "partial": "partly annotated",
                "unannotated": "unannotated",
            },
            check_values=frozenset({"annotated"}),
            statement="Type annotations: {noun} are {label}.",
            value_statements={
                "annotated": "Annotate every function fully (parameters and return type).",
                "unannotated": "Functions carry no type annotations.",
            },
        ),
        Family(
            "errors.except",
            "errors",
            "except clauses",
            "except clause",
            {
                "bare": "bare `except:`",
                "broad": "`except Exception`",
                "specific": "specific exception types",
            },
            avoid=frozenset({"bare", "broad"}),
            statement="Catch {label}.",
        ),
        Family(
            "errors.reraise",
            "errors",
            "raises inside except blocks",
            "raise inside an except block",
            {"chained": "`raise ... from err`", "unchained": "`raise` without `from`"},
            check_values=frozenset({"chained"}),
            statement="Inside `except`, new errors are raised with {label}.",
        ),
        Family(
            "errors.exception_base",
            "errors",
            "exception classes",
            "exception class",
            {},
            statement="Custom exceptions derive from {label}.",
            mostly_statement="Custom exceptions mostly derive from {label} ({pct}).",
        ),
        Family(
            "errors.catch",
            "errors",
            "catch blocks",
            "catch block",
            {"handled": "a handled error", "empty": "an empty `catch {}`"},
            avoid=frozenset({"empty"}),
        ),
        Family(
            "errors.throw",
            "errors",
            "throw statements",
            "throw statement",
            {"error": "Error objects", "literal": "non-Error values"},
            avoid=frozenset({"literal"}),
            statement="Throw {label}.",
            avoid_statement="Never throw {label}.",
        ),
        Family(
            "errors.wrap",
            "errors",
            "fmt.Errorf calls on errors",
            "fmt.Errorf call",
            {"w": "`%w`-wrapping", "v": "`%v`/`%s` (the error chain is lost)"},
            avoid=frozenset({"v"}),
            statement='Wrap errors with `fmt.Errorf("...: %w", err)`.',
            mostly_statement="fmt.Errorf calls on errors mostly use {label} ({pct}).",
        ),
        Family(
            "errors.return",
            "errors",
            "error returns in `if err != nil`",
            "error return",
            {"wrapped": "wrapped with context", "bare": "returned as is"},
            statement="In `if err != nil`, errors are {label}.",
        ),
        Family(
            "logging.output",
            "logging",
            "log/output calls",
            "log/output call",
            _LOG_LABELS,
            avoid=frozenset({"print", "console", "fmt"}),
            avoid_in={
                "print": frozenset({"python"}),
                "console": frozenset({"javascript"}),
                "fmt": frozenset({"go"}),
            },
            statement="Log with {label}.",
        ),
        Family(
            "logging.logger_name",
            "logging",
            "module loggers",
            "module logger",
            {},
            statement="Module loggers are named {label} (`= logging.getLogger(...)`).",
            mostly_statement="Module loggers are mostly named {label} ({pct}).",
        ),
        *LAYOUT_FAMILIES,
    )
}

# the order categories are listed in (house rules, Markdown)
CATEGORY_ORDER: tuple[str, ...] = (
    "tooling",
    "naming",
    "docstrings",
    "types",
    "errors",
    "logging",
    "imports",
    "formatting",
    "tests",
    "async",
)


def family(key: str) -> Family:
    """The family registered under ``key`` (a KeyError names the valid keys)."""
    try:
        return FAMILIES[key]
    except KeyError:
        raise KeyError(
            f"unknown convention family {key!r}; known: {', '.join(sorted(FAMILIES))}"
        ) from None
