"""The plug-in through the real indexing path: index_repo(..., plugins=[ConventionsPlugin()])
with the hash embedder; incremental with the index."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from specpilot.conventions import (
    ConventionsConfig,
    ConventionsPlugin,
    NoProfileError,
    extract_profile,
    load_profile,
    render_house_rules,
)
from specpilot.conventions.storage import FACTS_TABLE, read_all_facts
from specpilot.indexer.build import index_repo
from specpilot.indexer.config import EmbedConfig, IndexerConfig
from specpilot.indexer.store.index_store import IndexStore
from tests.conventions.conftest import fixture_files

CFG = IndexerConfig(embed=EmbedConfig(model="hash"))


def fact_rows(store: IndexStore) -> dict[str, str]:
    rows = store.table(FACTS_TABLE).to_arrow().select(["path", "blob_hash"]).to_pylist()
    return {r["path"]: r["blob_hash"] for r in rows if r["path"]}


def test_index_measure_change_delete(make_repo: Callable[..., Path], tmp_path: Path) -> None:
    files = fixture_files("py_google")
    root = make_repo(files, git=False)
    db = str(tmp_path / "db")
    plugin = ConventionsPlugin()

    index_repo(root, db=db, config=CFG, plugins=[plugin])
    assert plugin.last_run is not None and not plugin.last_run.up_to_date
    code_and_config = {p for p in files if p.endswith(".py")} | {"pyproject.toml"}
    assert plugin.last_run.measured == len(code_and_config)
    store = IndexStore.open(db)
    assert set(fact_rows(store)) == code_and_config
    profile = load_profile(store)
    assert profile is not None
    assert profile.get("python.naming.function").value == "snake_case"  # type: ignore[union-attr]
    assert profile.get("python.tooling.line_length").value == "100"  # type: ignore[union-attr]
    assert profile == extract_profile(store)
    assert "snake_case" in render_house_rules(profile, 300)

    # nothing changed: one small read, nothing measured or written
    index_repo(root, db=db, config=CFG, plugins=[plugin])
    assert plugin.last_run.up_to_date

    # one file changed: only it is measured again, and the profile follows
    camel = "".join(f"def loadThing{i}(a: int) -> int:\n    return a\n\n\n" for i in range(200))
    (root / "shop" / "legacy.py").write_text(camel)
    index_repo(root, db=db, config=CFG, plugins=[plugin])
    assert (plugin.last_run.measured, plugin.last_run.deleted) == (1, 0)
    store = IndexStore.open(db)
    changed = load_profile(store)
    assert changed is not None
    naming = changed.get("python.naming.function")
    assert naming is not None and naming.value == "camelCase" and not naming.strong
    assert "shop/legacy.py" in fact_rows(store)

    # deleted: its row goes and the profile is back to what it was
    (root / "shop" / "legacy.py").unlink()
    index_repo(root, db=db, config=CFG, plugins=[plugin])
    assert (plugin.last_run.measured, plugin.last_run.deleted) == (0, 1)
    store = IndexStore.open(db)
    assert "shop/legacy.py" not in fact_rows(store)
    assert load_profile(store) == profile

    # a config file the index does not hold (.editorconfig) is measured from disk
    (root / ".editorconfig").write_text("[*.py]\nindent_style = space\n")
    index_repo(root, db=db, config=CFG, plugins=[plugin])
    assert plugin.last_run.measured == 1
    after = load_profile(IndexStore.open(db))
    assert after is not None and after.get("python.tooling.indent") is not None


def test_other_thresholds_re_aggregate_without_re_measuring(
    make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    root = make_repo(fixture_files("py_camel"))
    db = str(tmp_path / "db")
    index_repo(root, db=db, config=CFG, plugins=[ConventionsPlugin()])
    strict = ConventionsPlugin(ConventionsConfig(min_evidence=1000))
    index_repo(root, db=db, config=CFG, plugins=[strict])
    assert strict.last_run is not None and not strict.last_run.up_to_date
    assert strict.last_run.measured == 0
    profile = load_profile(IndexStore.open(db))
    assert profile is not None and not profile.get("python.naming.function").strong  # type: ignore[union-attr]


def test_an_index_without_the_plugin(make_repo: Callable[..., Path], tmp_path: Path) -> None:
    root = make_repo({"a.py": "def f():\n    pass\n"})
    db = str(tmp_path / "db")
    index_repo(root, db=db, config=CFG)
    store = IndexStore.open(db)
    assert load_profile(store) is None
    assert read_all_facts(store) == []
    with pytest.raises(NoProfileError, match="holds no convention facts"):
        extract_profile(store)


def test_a_run_that_died_before_the_profile_is_finished(
    make_repo: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo(fixture_files("py_numpy"))
    db = str(tmp_path / "db")
    plugin = ConventionsPlugin()

    def die(*args: object) -> None:
        raise RuntimeError("killed")

    monkeypatch.setattr("specpilot.conventions.plugin.write_profile", die)
    with pytest.raises(RuntimeError):
        index_repo(root, db=db, config=CFG, plugins=[plugin])
    monkeypatch.undo()
    assert load_profile(IndexStore.open(db)) is None  # facts were written, the profile not
    index_repo(root, db=db, config=CFG, plugins=[plugin])
    assert plugin.last_run is not None and plugin.last_run.measured == 0
    profile = load_profile(IndexStore.open(db))
    assert profile is not None and profile.get("python.docs.style").value == "numpy"  # type: ignore[union-attr]


def test_a_lost_conventions_table_is_rewritten(
    make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    root = make_repo(fixture_files("py_numpy"))
    db = str(tmp_path / "db")
    plugin = ConventionsPlugin()
    index_repo(root, db=db, config=CFG, plugins=[plugin])
    IndexStore.open(db)._db.drop_table("conventions")
    index_repo(root, db=db, config=CFG, plugins=[plugin])
    assert plugin.last_run is not None and not plugin.last_run.up_to_date
    assert plugin.last_run.measured == 0
    assert load_profile(IndexStore.open(db)) is not None


def test_the_scope_decides_what_is_stored(make_repo: Callable[..., Path], tmp_path: Path) -> None:
    from tests.conventions.test_scope import cachekit_files

    files = cachekit_files()
    root = make_repo(files, git=False)
    db = str(tmp_path / "db")
    plugin = ConventionsPlugin()
    index_repo(root, db=db, config=CFG, plugins=[plugin])
    store = IndexStore.open(db)
    assert set(fact_rows(store)) == {"cachekit/part0.py", "cachekit/part1.py"}
    stored = load_profile(store)
    assert stored is not None and "docs" in stored.exclude_dirs  # check skips what was left out

    # with docs measured too: only the files that entered the scope are measured
    wide = ConventionsPlugin(ConventionsConfig(exclude_dirs=("examples",), exclude_files=()))
    index_repo(root, db=db, config=CFG, plugins=[wide])
    assert wide.last_run is not None
    assert (wide.last_run.measured, wide.last_run.deleted) == (2, 0)  # docs/conf.py, setup.py
    assert "docs/conf.py" in fact_rows(store)
    profile = load_profile(store)
    assert profile is not None and profile.exclude_dirs == ["examples"]
    index_repo(root, db=db, config=CFG, plugins=[plugin])  # back: they leave again
    assert plugin.last_run is not None and plugin.last_run.deleted == 2
