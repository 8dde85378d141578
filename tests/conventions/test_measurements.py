"""Per-file measurements: each family on small snippets, through ``observe``."""

from __future__ import annotations

import pytest

from specpilot.conventions.facts import measure_file, observe
from specpilot.conventions.measures.docstyle import python_doc_style
from specpilot.conventions.measures.formatting import length_bucket
from specpilot.conventions.measures.naming import name_style
from specpilot.conventions.measures.tests_layout import (
    is_test_path,
    layout_of_test_file,
    naming_of_test_file,
)
from specpilot.conventions.types import Observation
from specpilot.indexer.parse.extract import parse_source
from specpilot.indexer.plugins import LoadedFile


def seen(path: str, language: str, text: str, family: str) -> list[tuple[str, int]]:
    """(variant, line) of one family's observations in a snippet."""
    return [(o.variant, o.line) for o in observe(path, language, text) if o.family == family]


def variants(path: str, language: str, text: str, family: str) -> list[str]:
    return [v for v, _ in seen(path, language, text, family)]


@pytest.mark.parametrize(
    ("name", "group", "style"),
    [
        ("load_config", "", "snake_case"),
        ("_private_helper", "", "snake_case"),
        ("loadConfig", "", "camelCase"),
        ("LoadConfig", "", "PascalCase"),
        ("MAX_SIZE", "", "UPPER_CASE"),
        ("get", "", "lower"),
        ("URL", "", "upper"),
        ("get_fooBar", "", "mixed"),
        ("visit_FunctionDef", "", None),
        ("test_HTTP_200_OK", "", None),
        ("__", "", None),
        ("loadConfig", "go", "MixedCaps"),
        ("LoadConfig", "go", "MixedCaps"),
        ("load_config", "go", "snake_case"),
    ],
)
def test_name_style(name: str, group: str, style: str | None) -> None:
    assert name_style(name, group) == style


def test_naming_per_kind_skips_dunders_and_unittest_hooks() -> None:
    src = (
        "class Thing:\n"
        "    def __init__(self):\n        pass\n"
        "    def setUp(self):\n        pass\n"
        "    def doWork(self):\n        pass\n\n"
        "def run_all():\n    pass\n"
        "MAX_RETRIES = 3\n"
    )
    obs = [(o.family, o.variant, o.subject) for o in observe("m.py", "python", src)]
    naming = [o for o in obs if o[0].startswith("naming.")]
    assert ("naming.class", "PascalCase", "Thing") in naming
    assert ("naming.method", "camelCase", "doWork") in naming
    assert ("naming.function", "snake_case", "run_all") in naming
    assert ("naming.constant", "UPPER_CASE", "MAX_RETRIES") in naming
    assert not [o for o in naming if o[2] in ("__init__", "setUp")]


def test_decorated_function_is_observed_on_its_def_line() -> None:
    src = "import functools\n\n\n@functools.cache\ndef loadIt():\n    pass\n"
    assert seen("m.py", "python", src, "naming.function") == [("camelCase", 5)]


@pytest.mark.parametrize(
    ("doc", "style"),
    [
        ("Sum.\n\nArgs:\n    a: first.\n\nReturns:\n    The sum.", "google"),
        ("Sum.\n\nParameters\n----------\na : int\n    first.", "numpy"),
        ("Sum.\n\n:param a: first.\n:returns: the sum.", "rest"),
        ("Sum.\n\n@param a: first.", "epytext"),
        ("Sum two numbers.", None),
    ],
)
def test_python_doc_style(doc: str, style: str | None) -> None:
    assert python_doc_style(doc) == style


def test_docstring_presence_only_for_public_non_test_symbols() -> None:
    src = (
        'def public():\n    """Doc."""\n\n'
        "def bare():\n    pass\n\n"
        "def _private():\n    pass\n\n"
        "def outer():\n    def inner():\n        pass\n"
    )
    found = [
        (o.variant, o.subject)
        for o in observe("pkg/m.py", "python", src)
        if o.family == "docs.function"
    ]
    assert found == [("present", "public"), ("missing", "bare"), ("missing", "outer")]
    assert not variants("tests/test_m.py", "python", src, "docs.function")


def test_js_doc_comment_markers() -> None:
    src = (
        "/** Adds. */\nexport function addOne(a) { return a + 1 }\n"
        "// Subtracts.\nexport function subOne(a) { return a - 1 }\n"
        "export function noDoc(a) { return a }\n"
    )
    assert variants("a.js", "javascript", src, "docs.function") == ["present", "present", "missing"]
    assert seen("a.js", "javascript", src, "docs.style") == [("jsdoc", 1), ("line", 3)]


def test_go_doc_comments_start_with_the_name() -> None:
    src = (
        "package p\n\n// Open opens it.\nfunc Open() {}\n\n// opens another.\nfunc Close() {}\n"
        "\nfunc helper() {}\n"
    )
    assert variants("p.go", "go", src, "docs.go_name") == ["name_first", "other"]
    assert variants("p.go", "go", src, "docs.function") == ["present", "present"]


def test_python_type_annotations() -> None:
    src = (
        "def full(a: int, b: str = 'x') -> int:\n    return a\n\n"
        "def half(a: int, b):\n    return a\n\n"
        "def none(a, b=1):\n    return a\n\n"
        "class K:\n"
        "    def __init__(self, a: int):\n        self.a = a\n"
        "    def meth(self) -> int:\n        return 1\n"
    )
    assert variants("m.py", "python", src, "types.function") == [
        "annotated",
        "partial",
        "unannotated",
        "annotated",
        "annotated",
    ]


def test_python_except_and_reraise() -> None:
    src = (
        "def f():\n"
        "    try:\n        pass\n"
        "    except:\n        pass\n"
        "    try:\n        pass\n"
        "    except Exception as exc:\n        raise ValueError('x') from exc\n"
        "    try:\n        pass\n"
        "    except (KeyError, OSError):\n        raise RuntimeError('y')\n"
        "    try:\n        pass\n"
        "    except KeyError:\n        raise\n"
    )
    assert seen("m.py", "python", src, "errors.except") == [
        ("bare", 4),
        ("broad", 8),
        ("specific", 12),
        ("specific", 16),
    ]
    assert variants("m.py", "python", src, "errors.reraise") == ["chained", "unchained"]


def test_python_exception_classes_are_items() -> None:
    src = "class AppError(Exception):\n    pass\n\nclass DbError(AppError):\n    pass\n\nclass Plain:\n    pass\n"
    loaded = LoadedFile("m.py", "python", src, parse_source("m.py", src.encode(), "python"))
    facts = measure_file(loaded)
    assert [(i.subject, i.variant) for i in facts.items] == [
        ("AppError", "Exception"),
        ("DbError", "AppError"),
    ]


def test_python_logging_idioms() -> None:
    src = (
        "import logging\n\nlogger = logging.getLogger(__name__)\n\n"
        "def f():\n    print('x')\n    logger.info('y')\n    logging.warning('z')\n"
    )
    assert seen("app.py", "python", src, "logging.output") == [
        ("print", 6),
        ("logging", 7),
        ("logging", 8),
    ]
    assert variants("app.py", "python", src, "logging.logger_name") == ["logger"]
    assert not variants("tests/test_app.py", "python", src, "logging.output")


def test_structlog_calls() -> None:
    src = "import structlog\n\nlog = structlog.get_logger()\n\ndef f():\n    log.info('y')\n"
    assert variants("app.py", "python", src, "logging.output") == ["structlog"]


def test_js_errors_logging_and_async() -> None:
    src = (
        "async function load(id) {\n"
        "  try {\n    await get(id);\n  } catch (e) {}\n"
        "  try {\n    get(id).then(x => x);\n  } catch (e) {\n    logger.error('x', e);\n  }\n"
        "  console.log('done');\n"
        "  throw 'bad';\n"
        "}\n"
    )
    assert variants("a.js", "javascript", src, "errors.catch") == ["empty", "handled"]
    assert variants("a.js", "javascript", src, "errors.throw") == ["literal"]
    assert variants("a.js", "javascript", src, "logging.output") == ["logger", "console"]
    assert variants("a.js", "javascript", src, "async.style") == ["await", "then"]
    assert variants("a.js", "javascript", src, "async.functions") == ["async"]


def test_go_error_wrapping_and_logging() -> None:
    src = (
        'package p\n\nimport (\n\t"fmt"\n\t"log/slog"\n)\n\n'
        "func F() error {\n"
        "\terr := g()\n"
        '\tif err != nil {\n\t\treturn fmt.Errorf("f: %w", err)\n\t}\n'
        '\tif err != nil {\n\t\treturn fmt.Errorf("f: %v", err)\n\t}\n'
        "\tif err != nil {\n\t\treturn err\n\t}\n"
        '\tslog.Info("ok")\n'
        '\tfmt.Println("ok")\n'
        "\treturn nil\n}\n"
    )
    assert seen("p.go", "go", src, "errors.wrap") == [("w", 11), ("v", 14)]
    assert variants("p.go", "go", src, "errors.return") == ["wrapped", "wrapped", "bare"]
    assert variants("p.go", "go", src, "logging.output") == ["slog", "fmt"]


def test_python_imports() -> None:
    src = (
        "from __future__ import annotations\n\n"
        "import os\nimport sys\n\n"
        "import requests\nfrom pkg.sub import thing\nfrom . import sibling\n\n"
        "def f():\n    pass\n"
    )
    obs = observe("pkg/mod.py", "python", src)
    rel = [(o.variant, o.line) for o in obs if o.family == "imports.relative"]
    assert rel == [("absolute", 7), ("relative", 8)]
    assert [o.variant for o in obs if o.family == "imports.grouping"] == ["grouped"]
    future = [o for o in obs if o.family == "imports.future"]
    assert [(o.variant, o.line, o.file_level) for o in future] == [("present", 1, True)]
    mixed = "import requests\nimport os\n\ndef f():\n    pass\n"
    assert variants("m.py", "python", mixed, "imports.grouping") == ["mixed"]
    assert variants("m.py", "python", mixed, "imports.future") == ["missing"]


def test_js_module_system_and_relative_imports() -> None:
    src = "import a from './a'\nimport b from '@/b'\nimport c from 'lodash'\nconst d = require('./d')\n"
    assert variants("x.js", "javascript", src, "imports.module_system") == [
        "esm",
        "esm",
        "esm",
        "commonjs",
    ]
    assert variants("x.js", "javascript", src, "imports.relative") == [
        "relative",
        "alias",
        "relative",
    ]


def test_formatting_quotes_semicolons_indent() -> None:
    py = 'def f():\n    """Doc with \'quotes\'."""\n    a = "x"\n    b = \'y\'\n    c = "it\'s"\n    return a\n'
    assert variants("m.py", "python", py, "format.quotes") == ["double", "single"]
    assert variants("m.py", "python", py, "format.indent_width") == ["4"]
    js = "const a = 'x';\nconst b = \"y\"\nfor (let i = 0; i < 2; i++) {\n\tgo(i);\n}\n"
    assert variants("a.js", "javascript", js, "format.quotes") == ["single", "double"]
    assert variants("a.js", "javascript", js, "format.semicolons") == ["semi", "nosemi", "semi"]
    assert variants("a.js", "javascript", js, "format.indent") == ["tabs"]


def test_line_length_buckets() -> None:
    assert length_bucket(10) == "short"
    assert length_bucket(88) == "88"
    assert length_bucket(400) == "long"
    text = "x = 1\n" + "y = '" + "a" * 90 + "'\n"
    assert seen("m.py", "python", text, "format.line_length") == [("short", 1), ("96", 2)]


@pytest.mark.parametrize(
    ("path", "is_test", "naming", "layout"),
    [
        ("tests/test_api.py", True, "test_prefix", "separate"),
        ("pkg/api_test.py", True, "test_suffix", "colocated"),
        ("tests/conftest.py", True, None, "separate"),
        ("tests/helpers.py", True, None, "separate"),
        ("pkg/api.py", False, None, "colocated"),
        ("src/api.test.ts", True, "dot_test", "colocated"),
        ("src/__tests__/api.ts", True, "plain", "separate"),
        ("test/api.spec.js", True, "dot_spec", "separate"),
        ("store/store_test.go", True, None, "colocated"),
    ],
)
def test_test_files_naming_and_layout(
    path: str, is_test: bool, naming: str | None, layout: str
) -> None:
    assert is_test_path(path) is is_test
    assert naming_of_test_file(path) == (is_test, naming)
    assert layout_of_test_file(path) == layout


def test_test_framework_and_fixtures() -> None:
    unit = "import unittest\n\nclass T(unittest.TestCase):\n    def setUp(self):\n        pass\n"
    assert variants("pkg/x_test.py", "python", unit, "tests.framework") == ["unittest"]
    assert variants("pkg/x_test.py", "python", unit, "tests.fixtures") == ["setup_method"]
    pyt = "import pytest\n\n@pytest.fixture\ndef db():\n    return 1\n\ndef test_a(db):\n    assert db\n"
    assert variants("tests/test_x.py", "python", pyt, "tests.framework") == ["pytest"]
    assert variants("tests/test_x.py", "python", pyt, "tests.fixtures") == ["pytest_fixture"]
    vit = "import { it, expect } from 'vitest'\nit('a', () => expect(1).toBe(1))\n"
    assert variants("a.test.ts", "typescript", vit, "tests.framework") == ["vitest"]
    jest = "describe('a', () => { it('b', () => {}) })\n"
    assert variants("a.test.js", "javascript", jest, "tests.framework") == ["jest"]


def test_observations_of_a_test_file_are_file_level() -> None:
    obs = observe("tests/test_x.py", "python", "def test_a():\n    assert 1\n")
    framework = [o for o in obs if o.family == "tests.framework"]
    assert framework == [Observation("tests.framework", "pytest", 1, "test_x.py", True)]


def test_non_code_files_have_no_observations() -> None:
    assert observe("README.md", "markdown", "# hi\n") == []
