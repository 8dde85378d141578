"""The CLI contract of index / search / status (JSON shapes, exit codes, one-line errors)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from specpilot.flows.commands import app

HASH = ["--set", "index.embed.model='hash'"]

FILES = {
    "app/retry.py": (
        "def backoff_delay(attempt, base=0.5):\n"
        '    """Seconds to wait before retry number ``attempt``."""\n'
        "    return base * 2 ** attempt\n\n\n"
        "class RetryPolicy:\n"
        "    def __init__(self, retries=3):\n"
        "        self.retries = retries\n"
    ),
    "app/render.py": "def render_html(page):\n    return '<html>' + page + '</html>'\n",
    "tests/test_retry.py": (
        "from app.retry import backoff_delay\n\n\n"
        "def test_backoff():\n    assert backoff_delay(1) == 1.0\n"
    ),
}


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SPECPILOT_HOME", str(tmp_path / "home"))
    return CliRunner()


def _json(result) -> object:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_index_search_status_json(runner: CliRunner, make_repo) -> None:
    repo = make_repo(FILES, git=True)
    summary = _json(runner.invoke(app, ["index", str(repo), "--json", *HASH]))
    assert summary["files"] == 3 and summary["added"] == 3
    assert summary["languages"] == {"python": 3}
    assert summary["model_id"] == "hash:256"
    assert str(Path(summary["db"]).parent).endswith("indexes")

    files = _json(
        runner.invoke(
            app,
            [
                "search",
                "how long to wait between retries",
                "--repo",
                str(repo),
                "--files",
                "--json",
                *HASH,
            ],
        )
    )
    assert [set(f) >= {"path", "score"} for f in files] == [True] * len(files)
    assert files[0]["path"] == "app/retry.py"
    assert files[0]["score"] >= files[-1]["score"]

    chunks = _json(
        runner.invoke(
            app, ["search", "backoff_delay", "--repo", str(repo), "--json", "--top-k", "3", *HASH]
        )
    )
    assert len(chunks) <= 3
    top = chunks[0]
    assert {"path", "score", "symbol", "start_line", "end_line"} <= set(top)
    assert top["path"] == "app/retry.py" and "backoff_delay" in top["symbol"]

    status = _json(runner.invoke(app, ["status", "--repo", str(repo), "--json", *HASH]))
    assert status["up_to_date"] is True and status["model"] == "hash:256"
    # one commit of all three files: pairs changed together once are not kept
    assert status["history"] == {"commit": status["head"], "pairs": 0}
    assert status["indexed_commit"] == status["head"]
    (repo / "app/render.py").write_text("def render_text(page):\n    return page\n")
    status = _json(runner.invoke(app, ["status", "--repo", str(repo), "--json", *HASH]))
    assert status["up_to_date"] is False and status["stale_files"]["changed"] == 1


def test_query_file_and_positional_file(runner: CliRunner, make_repo, tmp_path: Path) -> None:
    repo = make_repo(FILES)
    assert runner.invoke(app, ["index", str(repo), "--json", *HASH]).exit_code == 0
    q = tmp_path / "issue.txt"
    q.write_text("render the page as html")
    for args in (["--query-file", str(q)], [str(q)]):
        hits = _json(
            runner.invoke(app, ["search", *args, "--repo", str(repo), "--files", "--json", *HASH])
        )
        assert hits[0]["path"] == "app/render.py"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["index", "/no/such/dir"], "does not exist"),
        (["search", "x", "--repo", "/no/such/dir"], "does not exist"),
        (["search", "--repo", "."], "QUERY or --query-file"),
        (["index", ".", "--set", "index.embed.nope=1"], "unknown key index.embed.nope"),
        (["index", ".", "--set", "index.chunk.max_lines='many'"], "must be of type int"),
        (["search", "x", "--repo", ".", "--set", "retrieval.rrf_k=0"], "rrf_k"),
    ],
)
def test_usage_errors_are_one_line_with_exit_2(
    runner: CliRunner, args: list[str], needle: str
) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert needle in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_search_before_index_and_with_another_model(runner: CliRunner, make_repo) -> None:
    repo = make_repo(FILES)
    result = runner.invoke(app, ["search", "retry", "--repo", str(repo), *HASH])
    assert result.exit_code == 2 and "specpilot index" in result.stderr
    assert runner.invoke(app, ["index", str(repo), *HASH]).exit_code == 0
    result = runner.invoke(
        app, ["search", "retry", "--repo", str(repo), "--set", "index.embed.model='hash:64'"]
    )
    assert result.exit_code == 2 and "--rebuild" in result.stderr
    result = runner.invoke(app, ["index", str(repo), "--set", "index.embed.model='hash:64'"])
    assert result.exit_code == 2 and "hash:256" in result.stderr
    assert (
        runner.invoke(
            app, ["index", str(repo), "--rebuild", "--set", "index.embed.model='hash:64'"]
        ).exit_code
        == 0
    )


def test_corrupt_db_and_empty_repo(runner: CliRunner, make_repo, tmp_path: Path) -> None:
    repo = make_repo(FILES)
    bogus = tmp_path / "bogus"
    bogus.mkdir()
    (bogus / "junk.txt").write_text("not an index")
    result = runner.invoke(app, ["search", "x", "--repo", str(repo), "--db", str(bogus), *HASH])
    assert result.exit_code == 2 and "not a specpilot index" in result.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(app, ["index", str(empty), *HASH])
    assert result.exit_code == 2 and "no files to index" in result.stderr


def test_index_summary_table(runner: CliRunner, make_repo) -> None:
    repo = make_repo(
        {**FILES, "node_modules/x/index.js": "module.exports = 1;\n", "logo.png": b"\x89PNG\0"}
    )
    result = runner.invoke(app, ["index", str(repo), *HASH])
    assert result.exit_code == 0, result.output
    for needle in (
        "Files by language",
        "python",
        "Skipped files",
        "skip_dir",
        "binary",
        "chunks/s",
    ):
        assert needle in result.stdout


@pytest.mark.parametrize("query", ["fails on py2.7", "py3.8 and py2 differ", "Python 3.13+ only"])
def test_search_answers_a_query_that_names_a_version(
    runner: CliRunner, make_repo, query: str
) -> None:
    """Two version patterns matching at one offset once crashed every such query."""
    repo = make_repo(FILES, git=True)
    _json(runner.invoke(app, ["index", str(repo), "--json", *HASH]))
    hits = _json(
        runner.invoke(app, ["search", query, "--repo", str(repo), "--files", "--json", *HASH])
    )
    assert isinstance(hits, list) and hits


def test_piped_search_and_status_print_whole_lines(runner: CliRunner, make_repo) -> None:
    """Not a terminal (CI logs, ``| head``): no table fitted to 80 columns, nothing cut."""
    deep = "src/main/java/com/example/codegen/internal/templates/" + "x" * 60 + "/retry_policy.py"
    repo = make_repo({**FILES, deep: FILES["app/retry.py"]}, git=True)
    assert runner.invoke(app, ["index", str(repo), *HASH]).exit_code == 0
    args = ["search", "retry backoff delay", "--repo", str(repo), *HASH]
    files = runner.invoke(app, [*args, "--files"]).stdout.splitlines()
    assert any(line.startswith(f"{deep}: ") and "backoff_delay" in line for line in files)
    chunks = runner.invoke(app, args).stdout.splitlines()
    assert any(
        line.startswith(f"{deep}:1-3: ") and line.endswith("backoff_delay") for line in chunks
    )
    status = runner.invoke(app, ["status", "--repo", str(repo), *HASH]).stdout.splitlines()
    assert status[0].startswith("Index of ") and any(line.startswith("model: ") for line in status)
    assert all("│" not in line and "…" not in line for line in files + chunks + status)


@pytest.mark.parametrize(
    ("override", "needle"),
    [
        ("index.walk.skip_dirs=[1, 2]", "index.walk.skip_dirs[0] must be of type str, got 1"),
        (
            "index.embed.backend='onxx'",
            "index.embed.backend is 'onxx'; use one of auto, onnx, onnx-int8, torch",
        ),
        ("index.embed.batch_size=0", "index.embed.batch_size is 0; use 1 or more"),
    ],
)
def test_config_values_are_checked_strictly_before_any_work(
    runner: CliRunner, make_repo, override: str, needle: str
) -> None:
    repo = make_repo(FILES, git=True)
    result = runner.invoke(app, ["index", str(repo), "--set", override])
    assert result.exit_code == 2 and needle in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_query_file_dash_reads_standard_input(runner: CliRunner, make_repo) -> None:
    repo = make_repo(FILES, git=True)
    assert runner.invoke(app, ["index", str(repo), *HASH]).exit_code == 0
    args = ["search", "--query-file", "-", "--repo", str(repo), "--files", "--json", *HASH]
    hits = _json(runner.invoke(app, args, input="how long to wait between retries\n"))
    assert hits[0]["path"] == "app/retry.py"


def test_search_says_when_the_index_is_behind_or_unfinished(
    runner: CliRunner, make_repo, tmp_path: Path
) -> None:
    """An honest answer: results from an old or half-written index say so (stderr and JSON)."""
    from specpilot.indexer.store.index_store import IndexStore
    from tests.conftest import run_git

    repo = make_repo(FILES, git=True)
    summary = _json(runner.invoke(app, ["index", str(repo), "--json", *HASH]))
    args = ["search", "retry delay", "--repo", str(repo), "--files", "--json", *HASH]
    fresh = runner.invoke(app, args)
    assert fresh.exit_code == 0 and "warning" not in fresh.stderr
    assert all("index_warning" not in h for h in json.loads(fresh.stdout))

    (repo / "app" / "retry.py").write_text("def backoff_delay(attempt):\n    return attempt\n")
    run_git(repo, "commit", "-qam", "change")
    behind = runner.invoke(app, args)
    assert behind.exit_code == 0 and "1 commit(s) behind HEAD" in behind.stderr
    assert all("behind HEAD" in h["index_warning"] for h in json.loads(behind.stdout))

    store = IndexStore.open(summary["db"])
    store.write_meta(store.meta.with_(state="in_progress"))
    unfinished = runner.invoke(app, args)
    assert "did not finish (state in_progress)" in unfinished.stderr


_NO_OP_PROBE = """
import json, sys
from specpilot.flows.commands import app
try:
    app(["index", sys.argv[1], "--json", "--set", "index.embed.model='hash'"])
except SystemExit as stop:
    assert not stop.code, stop.code
print(json.dumps(sorted(m for m in ("lancedb", "pyarrow") if m in sys.modules)))
"""


def test_a_nothing_changed_index_does_not_open_lancedb(
    make_repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import subprocess
    import sys

    repo = make_repo(FILES, git=True)
    env = {**os.environ, "SPECPILOT_HOME": str(tmp_path / "home")}

    def run() -> tuple[dict, list[str]]:
        done = subprocess.run(
            [sys.executable, "-c", _NO_OP_PROBE, str(repo)],
            env=env, capture_output=True, text=True, check=True, timeout=300,
        )  # fmt: skip
        summary_text, _, loaded = done.stdout.rstrip().rpartition("\n")
        return json.loads(summary_text), json.loads(loaded)

    first, loaded = run()
    assert first["added"] == 3 and "lancedb" in loaded
    for written in (tmp_path / "home" / "indexes").glob("*.manifest.json"):
        written.unlink()  # written by the first run
    second, loaded = run()  # the normal no-op run, which writes it again
    assert second["unchanged"] == 3 and "lancedb" in loaded
    third, loaded = run()
    assert loaded == []  # answered from the manifest
    assert third.keys() == second.keys()
    volatile = ("seconds", "stage_seconds", "chunks_per_s")
    assert {k: v for k, v in third.items() if k not in volatile} == {
        k: v for k, v in second.items() if k not in volatile
    }
    # an edit is seen: the normal run indexes it and opens the store
    (repo / "app" / "render.py").write_text("def render_html(page):\n    return page\n")
    fourth, loaded = run()
    assert fourth["changed"] == 1 and "lancedb" in loaded


def test_status_and_search_say_when_vectors_are_partial(
    runner: CliRunner, make_repo, tmp_path: Path
) -> None:
    """Lexical first: a run killed while embedding left every file searchable; status shows
    how far embedding got, search answers and says it ran with partial vectors."""
    from specpilot.indexer import IndexerConfig, index_repo
    from specpilot.indexer.config import EmbedConfig
    from specpilot.indexer.testing import RecordingEmbedder

    files = {**FILES, **{f"app/m{i}.py": f"def m{i}():\n    return {i}\n" for i in range(97)}}
    repo, db = make_repo(files, git=True), str(tmp_path / "db")
    cfg = IndexerConfig(embed=EmbedConfig(model="hash"))
    with pytest.raises(RuntimeError, match="killed"):
        index_repo(repo, db=db, config=cfg, embedder=RecordingEmbedder(fail_after=64))
    st = _json(runner.invoke(app, ["status", "--repo", str(repo), "--db", db, "--json", *HASH]))
    chunks = st["counts"]["chunks"]
    assert st["vectors_embedded"] == 64 and st["vectors"] == f"{6400 // chunks} % embedded"
    plain = runner.invoke(app, ["status", "--repo", str(repo), "--db", db, *HASH])
    assert f"{6400 // chunks} % embedded" in plain.stdout
    from specpilot.flows.app import settings_for
    from specpilot.flows.doctor import index_check

    check = index_check(repo, settings_for(repo, HASH[1:]), db)
    assert check.verdict == "warn" and f"vectors {6400 // chunks} % embedded" in check.detail

    args = ["search", "backoff_delay retry", "--repo", str(repo), "--db", db, "--files", *HASH]
    found = runner.invoke(app, [*args, "--json"])
    hits = _json(found)
    assert hits[0]["path"] == "app/retry.py"
    assert all(h["vectors"] == f"partial ({6400 // chunks} %)" for h in hits)
    assert f"vectors partial ({6400 // chunks} %)" in found.stderr
    assert "index_warning" not in hits[0]  # the files are all there: not "did not finish"

    done = _json(runner.invoke(app, ["index", str(repo), "--db", db, "--json", *HASH]))
    assert done["unchanged"] == len(files) and done["chunks_embedded"] == chunks - 64
    after = runner.invoke(app, [*args, "--json"])
    assert all("vectors" not in h for h in _json(after)) and "vectors" not in after.stderr


def test_ctrl_c_while_embedding_says_every_file_is_searchable(
    runner: CliRunner, make_repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from specpilot.indexer import build
    from specpilot.indexer.testing import RecordingEmbedder

    class CtrlC(RecordingEmbedder):
        def embed(self, texts, *, max_tokens=None):  # type: ignore[no-untyped-def]
            if len(self.texts) >= 32:  # the second call of 32 texts
                raise KeyboardInterrupt
            return super().embed(texts, max_tokens=max_tokens)

    monkeypatch.setattr(build, "make_embedder", lambda cfg: CtrlC())
    files = {**FILES, **{f"app/m{i}.py": f"def m{i}():\n    return {i}\n" for i in range(97)}}
    repo = make_repo(files, git=True)
    stopped = runner.invoke(app, ["index", str(repo), *HASH])
    assert stopped.exit_code == 130
    line = stopped.stderr.strip()
    assert line.startswith("error: interrupted while embedding: all 100 files are indexed")
    st = _json(runner.invoke(app, ["status", "--repo", str(repo), "--json", *HASH]))
    assert st["vectors_embedded"] == 32 and f"vectors {st['vectors']}" in line

    monkeypatch.undo()
    monkeypatch.setenv("SPECPILOT_HOME", str(Path(st["db"]).parents[1]))
    done = _json(runner.invoke(app, ["index", str(repo), "--json", *HASH]))
    assert done["unchanged"] == 100 and done["chunks_embedded"] == st["counts"]["chunks"] - 32
