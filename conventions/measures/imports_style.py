"""Import style.

Python: ``imports.relative`` (relative against absolute imports of the project's own
modules — an absolute import is "own" when its first segment names a directory on the
file's path), ``imports.from`` (``from x import y`` against ``import x``, per statement),
``imports.future`` (``from __future__ import annotations`` in modules that define
something; a property of the whole file) and ``imports.grouping`` (standard-library imports
first, in a block of their own). JavaScript/TypeScript: ``imports.module_system`` (ES
``import`` against CommonJS ``require``) and ``imports.relative`` (``./x`` against path
aliases such as ``@/x``). Go: ``imports.grouping``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import PurePosixPath

from specpilot.conventions.measures.collect import Collector
from specpilot.conventions.measures.syntax import Source, node_text

_STDLIB: frozenset[str] = frozenset(sys.stdlib_module_names)
_JS_ALIASES = ("@/", "~/", "#", "src/", "$lib/")


def measure_imports(src: Source, out: Collector) -> None:
    if src.group == "python":
        _python(src, out)
    elif src.group == "javascript":
        _javascript(src, out)
    elif src.group == "go":
        _grouping(src, out, lambda m: "." not in m.split("/")[0])


def _python(src: Source, out: Collector) -> None:
    parts = set(PurePosixPath(src.path).parent.parts)
    seen: set[int] = set()
    for imp in src.parsed.imports:
        if imp.line in seen or imp.module == "__future__":
            continue
        seen.add(imp.line)
        text = src.line(imp.line).strip()
        if imp.module.startswith("."):
            out.add("imports.relative", "relative", imp.line, text)
        elif imp.module.split(".")[0] in parts:
            out.add("imports.relative", "absolute", imp.line, text)
        out.add("imports.from", "from_import" if imp.name else "module_import", imp.line, text)
    defines = any(s.kind in ("function", "class", "method") for s in src.parsed.symbols)
    if defines and not src.path.endswith("__init__.py"):
        future = any("annotations" in node_text(n) for n in src.nodes.get("future", ()))
        out.add(
            "imports.future",
            "present" if future else "missing",
            1,
            PurePosixPath(src.path).name,
            file_level=True,
        )
    _grouping(src, out, lambda m: m.split(".")[0] in _STDLIB)


def _grouping(src: Source, out: Collector, is_stdlib: Callable[[str], bool]) -> None:
    """grouped: the top import block lists stdlib imports first, then a blank line."""
    first_def = min((s.start_line for s in src.parsed.symbols), default=len(src.lines) + 1)
    lines: dict[int, bool] = {}
    for imp in src.parsed.imports:
        if imp.line < first_def and imp.module != "__future__":
            std = is_stdlib(imp.module) and not imp.module.startswith(".")
            lines.setdefault(imp.line, std)
    if not lines or all(lines.values()) or not any(lines.values()):
        return
    order = sorted(lines)
    kinds = [lines[n] for n in order]
    last_std = max(n for n in order if lines[n])
    first_other = min(n for n in order if not lines[n])
    blank = any(not src.line(n).strip() for n in range(last_std + 1, first_other))
    grouped = kinds == sorted(kinds, reverse=True) and blank
    out.add("imports.grouping", "grouped" if grouped else "mixed", order[0], "imports")


def _javascript(src: Source, out: Collector) -> None:
    requires = {r.line for r in src.parsed.references if r.name == "require" and not r.qualifier}
    seen: set[int] = set()
    for imp in src.parsed.imports:
        if imp.line in seen:
            continue
        seen.add(imp.line)
        text = src.line(imp.line).strip()
        system = "commonjs" if imp.line in requires else "esm"
        out.add("imports.module_system", system, imp.line, text)
        if imp.module.startswith(("./", "../")) or imp.module in (".", ".."):
            out.add("imports.relative", "relative", imp.line, text)
        elif imp.module.startswith(_JS_ALIASES):
            out.add("imports.relative", "alias", imp.line, text)
