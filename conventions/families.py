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

from collections.abc import Mapping
from dataclasses import dataclass, field, replace


@dataclass(frozen=True, slots=True)
class Family:
    key: str
    category: str
    noun: str  # plural, for evidence: "snake_case functions: 412/415"
    one: str  # singular, for violation messages
    labels: Mapping[str, str]
    values: frozenset[str] | None = None  # None: any variant may be the convention
    compatible: Mapping[str, frozenset[str]] = field(default_factory=dict)
    avoid: frozenset[str] = frozenset()
    avoid_in: Mapping[str, frozenset[str]] = field(default_factory=dict)  # variant -> groups
    checkable: bool = True
    check_values: frozenset[str] | None = None  # conventions ``check`` enforces (None: all)
    statement: str = "{Noun}: {label}."  # dominant convention
    evidence_format: str = "{label} {noun}: {k}/{n}"
    value_statements: Mapping[str, str] = field(default_factory=dict)  # value -> statement
    avoid_statement: str = "Avoid {label}."

    def label(self, variant: str) -> str:
        return self.labels.get(variant, f"`{variant}`")

    def avoids(self, variant: str, group: str) -> bool:
        """Whether ``variant`` is one this family can advise against in ``group``."""
        return variant in self.avoid and group in self.avoid_in.get(variant, frozenset({group}))

    def enforces(self, value: str) -> bool:
        """Whether ``check`` enforces a strong dominant convention of this value."""
        return self.checkable and (self.check_values is None or value in self.check_values)

    def satisfies(self, variant: str, value: str) -> bool:
        return variant == value or value in self.compatible.get(variant, frozenset())

    def dominant_statement(self, value: str) -> str:
        if value in self.value_statements:
            return self.value_statements[value]
        return self.statement.format(
            label=self.label(value), noun=self.noun, Noun=self.noun[:1].upper() + self.noun[1:]
        )

    def evidence(self, value: str, numerator: int, denominator: int, *, avoid: bool) -> str:
        template = "{noun} without {label}: {k}/{n}" if avoid else self.evidence_format
        return template.format(label=self.label(value), noun=self.noun, k=numerator, n=denominator)


_STYLES = {
    "snake_case": "snake_case",
    "camelCase": "camelCase",
    "PascalCase": "PascalCase",
    "UPPER_CASE": "UPPER_CASE",
    "MixedCaps": "MixedCaps",
    "lower": "single lowercase word",
    "upper": "single uppercase word",
    "mixed": "mixed style",
}
_STYLE_VALUES = frozenset({"snake_case", "camelCase", "PascalCase", "UPPER_CASE", "MixedCaps"})
_STYLE_COMPAT = {
    "lower": frozenset({"snake_case", "camelCase", "MixedCaps"}),
    "upper": frozenset({"UPPER_CASE", "PascalCase", "MixedCaps"}),
    "camelCase": frozenset({"MixedCaps"}),
    "PascalCase": frozenset({"MixedCaps"}),
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
            "missing": f"{noun[:1].upper()}{noun[1:]} are usually left undocumented.",
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
        ),
        Family(
            "tests.framework",
            "tests",
            "test files",
            "test file",
            {
                "pytest": "pytest",
                "unittest": "unittest",
                "jest": "Jest",
                "vitest": "Vitest",
                "mocha": "Mocha",
                "node_test": "node:test",
                "testing": "the standard `testing` package",
                "testify": "testify",
            },
            statement="Tests use {label}.",
        ),
        Family(
            "tests.naming",
            "tests",
            "test files",
            "test file",
            {
                "test_prefix": "`test_*.py`",
                "test_suffix": "`*_test.py`",
                "dot_test": "`*.test.*`",
                "dot_spec": "`*.spec.*`",
                "plain": "plain names (under `__tests__/`)",
            },
            statement="Test files are named {label}.",
        ),
        Family(
            "tests.layout",
            "tests",
            "test files",
            "test file",
            {"separate": "a separate tests directory", "colocated": "next to the code"},
            statement="Test files live in {label}.",
        ),
        Family(
            "tests.fixtures",
            "tests",
            "test fixtures",
            "fixture",
            {
                "pytest_fixture": "`@pytest.fixture`",
                "setup_method": "`setUp`/`setup_method` methods",
                "table_driven": "table-driven test cases",
                "plain": "one case per test function",
            },
            checkable=False,
            statement="Fixtures: {label}.",
        ),
        Family(
            "imports.relative",
            "imports",
            "own-module imports",
            "import",
            {
                "relative": "relative imports",
                "absolute": "absolute imports",
                "alias": "path aliases",
            },
            statement="Own modules are imported with {label}.",
        ),
        Family(
            "imports.from",
            "imports",
            "import statements",
            "import",
            {"from_import": "`from x import y`", "module_import": "`import x`"},
            checkable=False,
            statement="Imports are mostly {label}.",
        ),
        Family(
            "imports.future",
            "imports",
            "modules",
            "module",
            {
                "present": "`from __future__ import annotations`",
                "missing": "no `from __future__ import annotations`",
            },
            check_values=frozenset({"present"}),
            statement="Modules: {label}.",
            value_statements={
                "present": "Start modules with `from __future__ import annotations`.",
                "missing": "Modules do not use `from __future__ import annotations`.",
            },
        ),
        Family(
            "imports.grouping",
            "imports",
            "import blocks",
            "import block",
            {"grouped": "standard library first, in its own group", "mixed": "mixed"},
            checkable=False,
            statement="Import blocks: {label}.",
        ),
        Family(
            "imports.module_system",
            "imports",
            "imports",
            "import",
            {"esm": "ES modules (`import`)", "commonjs": "CommonJS (`require`)"},
            statement="Modules: {label}.",
        ),
        Family(
            "format.quotes",
            "formatting",
            "string literals",
            "string literal",
            {"single": "single quotes", "double": "double quotes"},
            statement="Strings use {label}.",
        ),
        Family(
            "format.semicolons",
            "formatting",
            "statements",
            "statement",
            {"semi": "semicolons", "nosemi": "no semicolons"},
            statement="Statements end with {label}.",
        ),
        Family(
            "format.indent",
            "formatting",
            "indented lines",
            "indented line",
            {"spaces": "spaces", "tabs": "tabs"},
            statement="Indent with {label}.",
        ),
        Family(
            "format.indent_width",
            "formatting",
            "files",
            "file",
            {"2": "2 spaces", "4": "4 spaces", "8": "8 spaces", "3": "3 spaces"},
            checkable=False,
            statement="Indentation width: {label}.",
        ),
        Family(
            "format.line_length",
            "formatting",
            "lines",
            "line",
            {},
            statement="Keep lines within {label} characters.",
        ),
        Family(
            "async.functions",
            "async",
            "functions",
            "function",
            {"async": "`async`", "sync": "synchronous"},
            checkable=False,
            statement="{Noun} are mostly {label}.",
            value_statements={
                "sync": "Code is synchronous (`async` functions are rare).",
                "async": "Functions are mostly `async` (async/await).",
            },
        ),
        Family(
            "async.style",
            "async",
            "promise uses",
            "promise use",
            {"await": "`await`", "then": "`.then()` chains"},
            avoid=frozenset({"then"}),
            statement="Use {label} for promises.",
        ),
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
