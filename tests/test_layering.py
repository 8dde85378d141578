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
    "anthropic": ("pipeline/anthropic_model.py",),
    "tree_sitter": ("indexer/treesitter.py",),
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


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_follow_the_layering(path: Path) -> None:
    rel = path.relative_to(ROOT).as_posix()
    pkg = rel.split("/")[0]
    for name in _imports(path):
        top = name.split(".")[0]
        if top in OURS and top != pkg:
            assert top in ALLOWED[pkg], f"{rel} imports {name}: {pkg} may not import {top}"
        if top in CONFINED:
            assert rel.startswith(CONFINED[top]), f"{rel} imports {top}; only {CONFINED[top]} may"


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import flows.cli\nfrom retrieval.search import Searcher\n")
    assert _imports(bad) == ["flows.cli", "retrieval.search"]
