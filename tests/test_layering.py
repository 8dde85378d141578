"""The package layering of DESIGN.md: imports only go down the table.

    indexer      → nothing of ours
    conventions  → indexer
    retrieval    → indexer
    pipeline     → indexer, retrieval, conventions
    flows        → everything (the composition root; the only package importing prefect)

Some third-party libraries are confined to one module each (an adapter seam).
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = ("indexer", "conventions", "retrieval", "pipeline", "flows")
ALLOWED = {
    "indexer": set(),
    "conventions": {"indexer"},
    "retrieval": {"indexer"},
    "pipeline": {"indexer", "retrieval", "conventions"},
    "flows": set(OURS),
}
# third-party package -> the only modules allowed to import it
CONFINED = {
    "prefect": ("flows/",),
    "anthropic": ("pipeline/model/anthropic.py",),
    "tree_sitter": ("indexer/parse/treesitter.py",),
    "llama_index": ("retrieval/llama.py",),
    "typer": ("flows/",),
    "mcp": ("flows/",),
}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _modules() -> list[Path]:
    return sorted(p for pkg in OURS for p in (ROOT / pkg).rglob("*.py"))


def _ours(name: str) -> str | None:
    """The package of ours that ``name`` imports (``specpilot.pipeline.x`` -> ``pipeline``)."""
    parts = name.split(".")
    if parts[0] == "specpilot" and len(parts) > 1 and parts[1] in OURS:
        return parts[1]
    return None


def _violations(path: Path, pkg: str, rel: str) -> list[str]:
    found = []
    for name in _imports(path):
        top = name.split(".")[0]
        if top in OURS:
            found.append(f"{rel} imports {name}: our packages import as specpilot.{name}")
        ours = _ours(name)
        if ours is not None and ours != pkg and ours not in ALLOWED[pkg]:
            found.append(f"{rel} imports {name}: {pkg} may not import {ours}")
        if top in CONFINED and not rel.startswith(CONFINED[top]):
            found.append(f"{rel} imports {top}; only {CONFINED[top]} may")
    return found


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_follow_the_layering(path: Path) -> None:
    rel = path.relative_to(ROOT).as_posix()
    assert _violations(path, rel.split("/")[0], rel) == []


def test_tests_and_benchmarks_import_the_one_namespace() -> None:
    """A bare ``import indexer`` works from a checkout but not from the installed wheel."""
    files = [*sorted((ROOT / "tests").rglob("*.py")), *sorted((ROOT / "bench").rglob("*.py"))]
    bad = [
        f"{f.relative_to(ROOT)}: {name}"
        for f in files
        for name in _imports(f)
        if name.split(".")[0] in OURS
    ]
    assert bad == []


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import specpilot.flows.cli\nfrom retrieval.search import Searcher\n")
    assert _imports(bad) == ["specpilot.flows.cli", "retrieval.search"]
    found = _violations(bad, "indexer", "indexer/bad.py")
    assert any("indexer may not import flows" in v for v in found)
    assert any("import as specpilot.retrieval.search" in v for v in found)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return "specpilot." + ".".join(parts)


def _import_graph() -> dict[str, set[str]]:
    """Module -> the modules of ours it imports, ``TYPE_CHECKING`` imports included."""
    modules = {_module_name(p): p for p in _modules()}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            found: list[str] = []
            if isinstance(node, ast.Import):
                found = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            graph[name] |= {f for f in found if f in modules and f != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (iterative Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            nxt = next(edges, None)
            if nxt is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    comp = []
                    while True:
                        top = stack.pop()
                        on_stack.discard(top)
                        comp.append(top)
                        if top == node:
                            break
                    if len(comp) > 1:
                        found.append(sorted(comp))
            elif nxt not in index:
                index[nxt] = low[nxt] = len(index)
                stack.append(nxt)
                on_stack.add(nxt)
                work.append((nxt, iter(sorted(graph[nxt]))))
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
    return found


def test_no_import_cycles_even_type_only_ones() -> None:
    assert _cycles(_import_graph()) == []


def test_the_cycle_finder_sees_a_type_only_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


# --- one public surface per package ------------------------------------------------------
SURFACES = ("indexer", "conventions", "retrieval", "pipeline")  # flows exports nothing


def _surface(pkg: str) -> dict[str, str]:
    """The ``_WHERE`` map of ``pkg/__init__.py``: public name -> defining module."""
    tree = ast.parse((ROOT / pkg / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "_WHERE":
            assert isinstance(node.value, ast.Dict)
            return {
                ast.literal_eval(k): ast.literal_eval(v)
                for k, v in zip(node.value.keys, node.value.values, strict=True)
                if k is not None
            }
    return {}


def _surface_violations(
    path: Path, pkg: str, rel: str, surfaces: dict[str, dict[str, str]]
) -> list[str]:
    """Imports of another package of ours that bypass its ``__init__`` or use a private name."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                ours = _ours(alias.name)
                if ours and ours != pkg:
                    found.append(f"{rel}: import {alias.name}: import names from specpilot.{ours}")
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            ours = _ours(node.module)
            if ours is None or ours == pkg:
                continue
            if node.module != f"specpilot.{ours}":
                found.append(
                    f"{rel}: from {node.module}: import from specpilot.{ours}, its surface"
                )
                continue
            for alias in node.names:
                if alias.name not in surfaces.get(ours, {}):
                    found.append(f"{rel}: {alias.name} is not in specpilot.{ours}.__all__")
    return found


def test_cross_package_imports_go_through_the_public_surface() -> None:
    surfaces = {pkg: _surface(pkg) for pkg in SURFACES}
    found = []
    for path in _modules():
        rel = path.relative_to(ROOT).as_posix()
        found += _surface_violations(path, rel.split("/")[0], rel, surfaces)
    assert found == []


@pytest.mark.parametrize("pkg", SURFACES)
def test_each_surface_name_resolves_and_is_typed(pkg: str) -> None:
    """Every public name imports from where ``_WHERE`` says (never a same-named submodule
    that shadows it), and mypy sees the same names through the ``TYPE_CHECKING`` imports."""
    surface = _surface(pkg)
    module = importlib.import_module(f"specpilot.{pkg}")
    assert sorted(module.__all__) == sorted(surface)
    for name, where in surface.items():
        assert getattr(module, name) is getattr(importlib.import_module(where), name), name
    children = {p.stem for p in (ROOT / pkg).glob("*.py")} | {
        p.name for p in (ROOT / pkg).iterdir() if p.is_dir()
    }
    assert set(surface) & children == set()  # importing the submodule would shadow the name
    typed = set()
    tree = ast.parse((ROOT / pkg / "__init__.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            for sub in node.body:
                if isinstance(sub, ast.ImportFrom):
                    typed |= {a.asname or a.name for a in sub.names}
    assert typed == set(surface)


def test_the_surface_checker_sees_a_bypass(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from specpilot.indexer.store.index_store import IndexStore\n"
        "from specpilot.indexer import _private\n"
        "from specpilot.indexer import IndexStore\n"
    )
    found = _surface_violations(bad, "flows", "flows/bad.py", {"indexer": {"IndexStore": "x"}})
    assert len(found) == 2
    assert "import from specpilot.indexer, its surface" in found[0]
    assert "_private is not in specpilot.indexer.__all__" in found[1]
