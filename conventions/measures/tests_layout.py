"""Tests: which files are tests, how they are named and laid out, the framework, fixtures.

A *test module* has a test name (``test_x.py``, ``x_test.py``, ``x.test.ts``, ``x.spec.js``,
``x_test.go``, ``XTest.java``) or sits in ``__tests__/``; other files under a test directory
(``tests/``, ``test/``, ``__tests__/``, ``spec/``, ``testing/``), ``conftest.py`` and Rust's
``tests/`` are test *support*: both count as test files, which the docstring, typing and
logging measurements skip. Per test module (properties of the whole file): ``tests.naming``,
``tests.layout`` (a separate test tree or next to the code) and ``tests.framework`` (pytest or
unittest; Jest, Vitest, Mocha or node:test — a file that only uses the global
``describe``/``it``/``test`` counts as Jest; Go ``testing`` or testify). ``tests.fixtures``:
``@pytest.fixture`` against ``setUp`` methods; Go table-driven against one-case tests.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from specpilot.conventions.measures.collect import Collector
from specpilot.conventions.measures.syntax import Source

TEST_DIRS = frozenset({"tests", "test", "__tests__", "testing", "spec", "specs"})
_JS_TEST = re.compile(r"\.(test|spec)\.[cm]?[jt]sx?$")
_JS_SUFFIX = re.compile(r"\.[cm]?[jt]sx?$")
_FIXTURE = re.compile(r"^\s*@pytest\.fixture\b")
_SETUP = frozenset({"setUp", "setUpClass", "setup_method", "setup_class", "setup"})
_JS_FRAMEWORKS = {
    "vitest": "vitest",
    "@jest/globals": "jest",
    "mocha": "mocha",
    "chai": "mocha",
    "node:test": "node_test",
}


def naming_of_test_file(path: str) -> tuple[bool, str | None]:
    """(is a test file, naming variant of a test module or None)."""
    p = PurePosixPath(path)
    name, dirs = p.name, set(p.parent.parts)
    in_test_dir = bool(dirs & TEST_DIRS)
    if name.endswith((".py", ".pyi")):
        if name.startswith("test_"):
            return True, "test_prefix"
        if name.endswith("_test.py"):
            return True, "test_suffix"
        return in_test_dir or name == "conftest.py", None
    if _JS_SUFFIX.search(name):
        found = _JS_TEST.search(name)
        if found:
            return True, "dot_test" if found.group(1) == "test" else "dot_spec"
        if "__tests__" in dirs:
            return True, "plain"
        return in_test_dir, None
    if name.endswith(".go"):
        return name.endswith("_test.go"), None
    if name.endswith(".java"):
        return name.endswith(("Test.java", "Tests.java")) or "src/test/" in path, None
    if name.endswith(".rs"):
        return p.parts[0] == "tests" if p.parts else False, None
    return in_test_dir, None


def is_test_path(path: str) -> bool:
    return naming_of_test_file(path)[0]


def layout_of_test_file(path: str) -> str:
    return "separate" if set(PurePosixPath(path).parent.parts) & TEST_DIRS else "colocated"


def is_test_module(path: str) -> bool:
    is_test, naming = naming_of_test_file(path)
    return is_test and (naming is not None or path.endswith(("_test.go", "Test.java")))


def measure_tests(src: Source, out: Collector) -> None:
    if not src.is_test:
        return
    _fixtures(src, out)
    if not is_test_module(src.path):
        return
    name = PurePosixPath(src.path).name
    _, naming = naming_of_test_file(src.path)
    if naming is not None:
        out.add("tests.naming", naming, 1, name, file_level=True)
        out.add("tests.layout", layout_of_test_file(src.path), 1, src.path, file_level=True)
    framework = _framework(src)
    if framework is not None:
        out.add("tests.framework", framework, 1, name, file_level=True)


def _framework(src: Source) -> str | None:
    modules = {i.module for i in src.parsed.imports}
    refs = src.parsed.references
    if src.group == "python":
        if "unittest" in modules or any(
            r.kind == "inherit" and r.name in ("TestCase", "IsolatedAsyncioTestCase") for r in refs
        ):
            return "unittest"
        tests = any(s.name.startswith("test") for s in src.parsed.symbols)
        return "pytest" if "pytest" in modules or tests else None
    if src.group == "javascript":
        for module, framework in _JS_FRAMEWORKS.items():
            if module in modules:
                return framework
        qualifiers = {r.qualifier for r in refs}
        if "vi" in qualifiers:
            return "vitest"
        calls = {r.name for r in refs if r.qualifier is None}
        return "jest" if "jest" in qualifiers or calls & {"describe", "it", "test"} else None
    if src.group == "go":
        return "testify" if any("stretchr/testify" in m for m in modules) else "testing"
    return None


def _fixtures(src: Source, out: Collector) -> None:
    if src.group == "python":
        for number, text in enumerate(src.lines, 1):
            if _FIXTURE.match(text):
                out.add("tests.fixtures", "pytest_fixture", number, "@pytest.fixture")
        for symbol in src.parsed.symbols:
            if symbol.kind == "method" and symbol.name in _SETUP:
                out.add("tests.fixtures", "setup_method", symbol.start_line, symbol.name)
    elif src.group == "go":
        for symbol in src.parsed.symbols:
            if symbol.kind == "function" and symbol.name.startswith("Test"):
                body = "\n".join(src.lines[symbol.start_line - 1 : symbol.end_line])
                table = "[]struct" in body and "range" in body
                out.add(
                    "tests.fixtures",
                    "table_driven" if table else "plain",
                    symbol.start_line,
                    symbol.name,
                )
