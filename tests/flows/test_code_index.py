"""SearcherCodeIndex (the pipeline's CodeIndex over LanceDB), worktree indexes seeded from the
repository's index, and the retrieve stage with house rules. Hash embedder throughout."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from specpilot.flows import conventions_bridge
from specpilot.flows.code_index import SearcherCodeIndex, WorktreeIndexes, build_context
from specpilot.flows.conventions_bridge import load_conventions
from specpilot.indexer.build import index_repo
from specpilot.indexer.config import EmbedConfig, IndexerConfig
from specpilot.indexer.testing import RecordingEmbedder
from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.run.spec import parse_spec
from specpilot.retrieval.config import RetrievalConfig
from tests.flows.spec_helpers import git

CFG = IndexerConfig(embed=EmbedConfig(model="hash"))
RCFG = RetrievalConfig()

FILES = {
    "calc/ops.py": (
        '"""Arithmetic helpers."""\n\n\n'
        "def add(a, b):\n    return a + b\n\n\n"
        "def twice(x):\n    return add(x, x)\n"
    ),
    "calc/report.py": (
        "from calc.ops import add\n\n\n"
        "def total(values):\n    out = 0\n    for v in values:\n        out = add(out, v)\n"
        "    return out\n"
    ),
    "docs/usage.md": "# Usage\n\nAdd numbers with `add`.\n",
}


@pytest.fixture
def indexed(make_repo: Callable[..., Path], tmp_path: Path) -> tuple[Path, str]:
    repo = make_repo(FILES, git=True)
    db = str(tmp_path / "index")
    index_repo(repo, db=db, config=CFG)
    return repo, db


def test_search_find_symbol_callers_and_refresh(indexed: tuple[Path, str]) -> None:
    repo, db = indexed
    index = SearcherCodeIndex(repo, db, index=CFG, retrieval=RCFG)
    hits = index.search("total of values", 5)
    assert hits and hits[0].path == "calc/report.py"
    assert "def total(values)" in hits[0].snippet and hits[0].start_line >= 1

    (found,) = index.find_symbol("add")
    assert (found.path, found.symbol, found.start_line, found.end_line) == (
        "calc/ops.py",
        "add",
        4,
        5,
    )
    assert found.snippet == "def add(a, b):\n    return a + b"
    callers = {(c.path, c.symbol, c.start_line) for c in index.callers("add")}
    assert callers == {("calc/ops.py", "twice", 9), ("calc/report.py", "total", 7)}
    assert index.find_symbol("nothing_here") == [] and index.callers("") == []

    (repo / "calc/ops.py").write_text(
        FILES["calc/ops.py"] + "\n\ndef mul(a, b):\n    return a * b\n"
    )
    assert index.find_symbol("mul") == []
    index.refresh(["calc/ops.py"])
    (mul,) = index.find_symbol("mul")
    assert mul.path == "calc/ops.py" and "return a * b" in mul.snippet


def test_worktree_index_reembeds_only_the_changed_files(
    indexed: tuple[Path, str], tmp_path: Path
) -> None:
    repo, db = indexed
    wt = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "--detach", str(wt), "HEAD")
    (wt / "calc/report.py").write_text(
        FILES["calc/report.py"] + "\n\ndef mean(values):\n    return total(values) / len(values)\n"
    )
    embedder = RecordingEmbedder()
    with WorktreeIndexes(db, index=CFG, retrieval=RCFG, embedder=embedder) as factory:
        index = factory(wt)
        assert isinstance(index, SearcherCodeIndex) and index.db != db
        copy = Path(index.db)
        embedded_files = {t.split("\n", 1)[0] for t in embedder.texts}
        assert embedder.texts and all("report.py" in f for f in embedded_files), embedded_files
        assert not any("def add(a, b)" in t for t in embedder.texts)
        (mean,) = index.find_symbol("mean")
        assert mean.path == "calc/report.py"
        # the repository's own index is untouched
        assert SearcherCodeIndex(repo, db, index=CFG, retrieval=RCFG).find_symbol("mean") == []
        embedder.calls.clear()
        (wt / "docs/usage.md").write_text(
            "# Usage\n\nAdd numbers with `add`; average with `mean`.\n"
        )
        index.refresh(["docs/usage.md"])
        assert embedder.texts and all("docs/usage.md" in t or "Usage" in t for t in embedder.texts)
    assert not copy.exists()


def test_build_context_with_and_without_house_rules(
    indexed: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, db = indexed
    index = SearcherCodeIndex(repo, db, index=CFG, retrieval=RCFG)
    spec = parse_spec("# Add a mean\n\nAdd `mean` next to `total`.\n", source="specs/mean.md")
    config = PipelineConfig(runs_dir=repo / "runs")
    seen: dict[str, Any] = {}

    def load(store: Any) -> object | None:
        seen["store"] = store
        return None

    def render(profile: object, budget: int) -> str:
        seen["budget"] = budget
        return "- Functions use snake_case."

    monkeypatch.setattr(conventions_bridge, "load_profile", load)
    monkeypatch.setattr(conventions_bridge, "render_house_rules", render)
    conventions = load_conventions(index.store)
    context = build_context(
        spec, index, config=config, conventions=conventions, house_rules_tokens=300
    )
    assert context.house_rules == "" and seen["store"] is index.store
    assert any("No conventions profile" in n for n in context.notes)
    assert context.files[0].path == "calc/report.py" and "def total" in context.packed_text

    monkeypatch.setattr(conventions_bridge, "load_profile", lambda store: object())
    conventions = load_conventions(index.store)
    context = build_context(
        spec, index, config=config, conventions=conventions, house_rules_tokens=300
    )
    assert context.house_rules == "- Functions use snake_case." and seen["budget"] == 300
    assert not context.notes
