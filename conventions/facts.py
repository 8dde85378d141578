"""Per-file measurements: ``LoadedFile`` → ``FileFacts`` (pure; no store, no file system).

Every measurement module adds ``family=variant`` observations to one ``Collector``; the
families are described in ``conventions.families``. Root config files contribute tooling
``Setting`` records instead (``conventions.tooling``).
"""

from __future__ import annotations

from collections.abc import Callable

from specpilot.conventions.measures.collect import Collector
from specpilot.conventions.measures.docstyle import measure_docs
from specpilot.conventions.measures.error_idioms import measure_errors, measure_logging
from specpilot.conventions.measures.formatting import measure_formatting
from specpilot.conventions.measures.imports_style import measure_imports
from specpilot.conventions.measures.naming import measure_naming
from specpilot.conventions.measures.syntax import Source, language_group, make_source
from specpilot.conventions.measures.tests_layout import is_test_path, measure_tests
from specpilot.conventions.measures.types_async import measure_types_async
from specpilot.conventions.tooling.configs import is_config_name, read_settings
from specpilot.conventions.types import FileFacts, Observation
from specpilot.indexer import LoadedFile, parse_source

Measure = Callable[[Source, Collector], None]
MEASURES: tuple[Measure, ...] = (
    measure_naming,
    measure_docs,
    measure_types_async,
    measure_errors,
    measure_logging,
    measure_imports,
    measure_tests,
    measure_formatting,
)


def _collect(loaded: LoadedFile, out: Collector) -> bool:
    """Run every measurement of a code file into ``out``; False when it is not code."""
    if language_group(loaded.language) is None or loaded.parsed is None:
        return False
    src = make_source(
        loaded.path,
        loaded.language,
        loaded.text,
        loaded.parsed,
        is_test=is_test_path(loaded.path),
    )
    for measure in MEASURES:
        measure(src, out)
    return True


def measure_file(loaded: LoadedFile, *, max_examples: int = 3) -> FileFacts:
    """The facts of one indexed file (a root config file contributes its settings)."""
    settings = read_settings(loaded.path, loaded.text) if is_config_name(loaded.path) else ()
    out = Collector(max_examples=max_examples)
    language = loaded.language if _collect(loaded, out) else "config"
    return out.facts(loaded.path, language, settings)


def measure_config(path: str, text: str) -> FileFacts:
    """The facts of a root config file that is not code (``.prettierrc``, ``go.mod``, ...)."""
    return FileFacts(path=path, language="config", settings=read_settings(path, text))


def observe(path: str, language: str, text: str) -> list[Observation]:
    """Every observation in one file's text, with subjects (``check`` uses these)."""
    if language_group(language) is None:
        return []
    parsed = parse_source(path, text.encode("utf-8"), language)
    out = Collector(max_examples=1, keep=True)
    _collect(LoadedFile(path, language, text, parsed), out)
    return out.observations
