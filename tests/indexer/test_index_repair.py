"""A damaged index, from outside: data files deleted or cut short, a manifest cut short, a table
gone. ``status`` and ``search`` say so in one line (exit 2); the next ``index`` repairs it and
search answers as before.

Before: ``status`` and a no-change ``index`` reported success while ``search`` died with a lance
traceback; a damaged ``meta`` was a traceback everywhere; a damaged manifest was exit 1 with a
Rust source path, and ``index`` could not get past it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from specpilot.flows.commands import app
from tests.cli_checks import HASH, assert_one_line_error

FILES = {
    "shop/cart.py": (
        "from shop.prices import price_of\n\n\n"
        "class Cart:\n"
        "    def __init__(self):\n"
        "        self.items = []\n\n"
        "    def total(self):\n"
        "        return sum(price_of(i) for i in self.items)\n"
    ),
    "shop/prices.py": "PRICES = {'apple': 3}\n\n\ndef price_of(item):\n    return PRICES[item]\n",
    "shop/__init__.py": "",
    "README.md": "# shop\n\nA cart that adds up prices.\n",
}
QUERY = "add up the prices in the cart"


def _delete_data(table: Path) -> None:
    for f in (table / "data").iterdir():
        f.unlink()


def _truncate_data(table: Path) -> None:
    for f in (table / "data").iterdir():
        with f.open("r+b") as fh:
            fh.truncate(f.stat().st_size // 2)


def _truncate_manifest(table: Path) -> None:
    manifests = sorted((table / "_versions").glob("*.manifest"), key=lambda p: int(p.stem))
    # v2 names count down from 2**64 - 1, v1 names count up: the newest version is an end
    newest = manifests[0] if int(manifests[0].stem) > 2**63 else manifests[-1]
    with newest.open("r+b") as fh:
        fh.truncate(newest.stat().st_size // 2)


def _delete_table(table: Path) -> None:
    shutil.rmtree(table)


def _delete_index(table: Path) -> None:
    files = list((table / "_indices").glob("*/*"))
    assert files  # the table has a full-text index
    for f in files:
        shutil.rmtree(f) if f.is_dir() else f.unlink()


DAMAGE: dict[str, Callable[[Path], None]] = {
    "delete-data": _delete_data,
    "truncate-data": _truncate_data,
    "truncate-manifest": _truncate_manifest,
    "delete-table": _delete_table,
    "delete-fts-index": _delete_index,
}
CASES = [
    ("chunks", "delete-data"),
    ("chunks", "truncate-data"),
    ("chunks", "truncate-manifest"),
    ("chunks", "delete-table"),
    ("chunks", "delete-fts-index"),
    ("files", "delete-fts-index"),
    ("files", "delete-data"),
    ("symbols", "truncate-data"),
    ("edges", "delete-data"),
    ("edge_deps", "truncate-manifest"),
    ("meta", "truncate-manifest"),
    ("meta", "delete-data"),
]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, list]]:
    """A repo, its index and the search hits on it (built once for the module)."""
    root = tmp_path_factory.mktemp("repair")
    repo = root / "repo"
    for rel, text in FILES.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SPECPILOT_HOME", str(root / "home"))
        runner = CliRunner()
        db = root / "db"
        assert runner.invoke(app, ["index", str(repo), "--db", str(db), *HASH]).exit_code == 0
        yield repo, db, _hits(runner, repo, db)


def _hits(runner: CliRunner, repo: Path, db: Path) -> list:
    result = runner.invoke(
        app, ["search", QUERY, "--repo", str(repo), "--db", str(db), "--json", *HASH]
    )
    assert result.exit_code == 0, result.output
    return [(h["path"], h["symbol"], h["start_line"]) for h in json.loads(result.stdout)]


@pytest.mark.parametrize(("table", "damage"), CASES, ids=[f"{t}-{d}" for t, d in CASES])
def test_a_damaged_table_is_reported_then_repaired_by_the_next_index(
    pristine: tuple[Path, Path, list],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    table: str,
    damage: str,
) -> None:
    repo, clean, hits = pristine
    db = tmp_path / "db"
    shutil.copytree(clean, db)
    DAMAGE[damage](db / f"{table}.lance")
    runner = CliRunner()
    where = ["--repo", str(repo), "--db", str(db)]

    for args in (["status", *where], ["search", QUERY, *where, *HASH]):
        line = assert_one_line_error(runner.invoke(app, args), str(db), "damaged", table)
        assert "run `specpilot index" in line

    result = runner.invoke(app, ["index", str(repo), "--db", str(db), "--json", *HASH])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    summary = json.loads(result.stdout)
    assert table in summary["repaired"] or (table != "meta" and summary["repaired"] == ["meta"])
    warned = [r for r in caplog.records if r.levelname == "WARNING" and "damaged" in r.message]
    assert warned  # the repair is a warning, not silent
    if table in ("files", "symbols", "edges", "edge_deps") or damage == "delete-fts-index":
        assert summary["chunks_embedded"] == 0  # the vectors survived: nothing re-embedded

    status = runner.invoke(app, ["status", *where, "--json"])
    assert status.exit_code == 0, status.output
    assert json.loads(status.stdout)["up_to_date"] is True
    assert _hits(runner, repo, db) == hits
    again = runner.invoke(app, ["index", str(repo), "--db", str(db), "--json", *HASH])
    assert json.loads(again.stdout)["repaired"] == []


def test_a_repaired_files_table_still_forgets_files_deleted_from_the_repo(
    pristine: tuple[Path, Path, list], tmp_path: Path
) -> None:
    # the files table is rebuilt from the paths the other tables name, so a file deleted
    # while the index was damaged is deleted from every table, not left as orphan rows
    repo_src, clean, _ = pristine
    repo, db = tmp_path / "repo", tmp_path / "db"
    shutil.copytree(repo_src, repo)
    shutil.copytree(clean, db)
    (repo / "shop/prices.py").unlink()
    _delete_data(db / "files.lance")
    runner = CliRunner()
    result = runner.invoke(app, ["index", str(repo), "--db", str(db), "--json", *HASH])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["deleted"] == 1
    found = runner.invoke(
        app, ["search", "price_of", "--repo", str(repo), "--db", str(db), "--json", *HASH]
    )
    assert found.exit_code == 0, found.output
    assert all(h["path"] != "shop/prices.py" for h in json.loads(found.stdout))
