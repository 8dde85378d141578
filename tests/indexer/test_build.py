"""index_repo end to end on small repos, with the hash embedder (no model weights)."""

from __future__ import annotations

from pathlib import Path

import pytest

from specpilot.indexer.build import index_repo
from specpilot.indexer.config import EmbedConfig, IndexerConfig
from specpilot.indexer.errors import (
    EmptyRepoError,
    ModelMismatchError,
    RepoPathError,
    SchemaVersionError,
)
from specpilot.indexer.store.index_store import IndexStore
from specpilot.indexer.store.schema import SCHEMA_VERSION
from specpilot.indexer.testing import RecordingEmbedder
from tests.indexer.build_helpers import index_hashed, table_rows

FILES = {
    "pkg/__init__.py": "from .retry import Retry\n",
    "pkg/retry.py": (
        "import time\n\n\n"
        "class Retry:\n"
        '    """Retry a call with exponential backoff."""\n\n'
        "    def __init__(self, attempts=3):\n"
        "        self.attempts = attempts\n\n"
        "    def sleep_for(self, n):\n"
        "        return 2 ** n\n\n"
        "    def call(self, fn):\n"
        "        for n in range(self.attempts):\n"
        "            try:\n"
        "                return fn()\n"
        "            except OSError:\n"
        "                time.sleep(self.sleep_for(n))\n"
    ),
    "pkg/client.py": (
        "from pkg.retry import Retry\n\n\n"
        "def fetch(url):\n"
        '    """Fetch a URL, retrying on network errors."""\n'
        "    return Retry().call(lambda: open(url).read())\n"
    ),
    "web/app.ts": (
        "export function renderPage(title: string): string {\n  return `<h1>${title}</h1>`;\n}\n"
    ),
    "README.md": "# pkg\n\nA tiny client with retries.\n",
}


def test_first_index_fills_every_table(make_repo, tmp_path: Path) -> None:
    repo = make_repo(FILES, git=True)
    db = tmp_path / "db"
    s = index_hashed(repo, db)
    assert s.files == 5 and s.added == 5
    assert s.languages == {"markdown": 1, "python": 3, "typescript": 1}
    assert {r["path"] for r in table_rows(db, "files")} == set(FILES)
    symbols = {r["qualified_name"] for r in table_rows(db, "symbols")}
    assert {"Retry", "Retry.call", "Retry.sleep_for", "fetch", "renderPage"} <= symbols
    chunks = table_rows(db, "chunks")
    assert all(len(c["vector"]) == 256 for c in chunks)
    assert any(c["path"] == "README.md" and c["kind"] == "text" for c in chunks)
    edges = table_rows(db, "edges")
    resolved = {(e["src_symbol"], e["target_name"], e["dst_path"]) for e in edges}
    assert ("fetch", "call", "pkg/retry.py") in resolved or (
        "fetch",
        "Retry",
        "pkg/retry.py",
    ) in resolved
    meta = IndexStore.open(str(db)).meta
    assert meta.state == "complete" and meta.model_id == "hash:256" and len(meta.last_commit) == 40


def test_nothing_changed_embeds_nothing(make_repo, tmp_path: Path) -> None:
    repo = make_repo(FILES, git=True)
    index_hashed(repo, tmp_path / "db")
    emb = RecordingEmbedder()
    s = index_hashed(repo, tmp_path / "db", emb)
    assert (s.added, s.changed, s.deleted, s.unchanged) == (0, 0, 0, 5)
    assert emb.texts == []


def test_one_edited_file_is_the_only_one_re_embedded(make_repo, tmp_path: Path) -> None:
    repo = make_repo(FILES, git=True)
    db = tmp_path / "db"
    index_hashed(repo, db)
    (repo / "pkg/client.py").write_text(
        FILES["pkg/client.py"] + "\n\ndef head(url):\n    return url\n"
    )
    emb = RecordingEmbedder()
    s = index_hashed(repo, db, emb)
    assert s.changed == 1 and s.added == 0
    assert emb.texts and all(t.startswith("pkg/client.py") for t in emb.texts)
    # the file's one (merged) chunk changed, so it alone was embedded again
    assert len(emb.texts) == 1 and "def head" in emb.texts[0]
    assert "head" in {r["qualified_name"] for r in table_rows(db, "symbols")}
    # full text sees the new code and no longer the old version of the file's chunks
    chunks = IndexStore.open(str(db)).table("chunks")
    hits = chunks.search("head", query_type="fts", fts_columns="search_text").limit(5).to_list()
    assert [h["path"] for h in hits] == ["pkg/client.py"]
    texts = [r["text"] for r in table_rows(db, "chunks") if r["path"] == "pkg/client.py"]
    assert len(texts) == 1 and "def head" in texts[0]  # small siblings share one chunk


def _edge_set(db: Path) -> set[tuple]:
    keys = ("src_path", "src_symbol", "kind", "target_name", "line", "dst_path", "dst_symbol")
    return {tuple(r[k] for k in keys) for r in table_rows(db, "edges")}


def test_an_edit_re_resolves_only_the_edges_it_can_change(
    make_repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import specpilot.indexer.build as build
    from specpilot.indexer.graph.resolve import resolve, resolve_tracked

    # files that have nothing to do with pkg/: their edges never need resolving again
    others = {f"other/m{i}.py": f"def helper_{i}(x):\n    return x + {i}\n" for i in range(4)}
    repo = make_repo({**FILES, **others})
    db = tmp_path / "db"
    index_hashed(repo, db)
    calls: list[set[str] | None] = []

    def spy(files, only=None):  # type: ignore[no-untyped-def]
        calls.append(only)
        return resolve_tracked(files, only)

    def full() -> set[tuple]:
        return {(e.src_path, e.src_symbol, e.kind, e.target_name, e.line, e.dst_path, e.dst_symbol)
                for e in resolve(IndexStore.open(str(db)).parsed_files())}  # fmt: skip

    monkeypatch.setattr(build, "resolve_tracked", spy)
    client = repo / "pkg" / "client.py"
    client.write_text(client.read_text() + "    # retried twice\n")  # a body edit
    index_hashed(repo, db)
    assert calls == [{"pkg/client.py"}]
    assert _edge_set(db) == full()  # the same graph a full resolution gives

    # a new definition nobody imports: still only the file itself
    client.write_text(
        client.read_text() + "\n\ndef fetch_all(urls):\n    return [fetch(u) for u in urls]\n"
    )
    index_hashed(repo, db)
    assert calls[-1] == {"pkg/client.py"}
    calls_fetch = {(e[1], e[5], e[6]) for e in _edge_set(db) if e[2] == "call" and e[3] == "fetch"}
    assert ("fetch_all", "pkg/client.py", "fetch") in calls_fetch
    assert _edge_set(db) == full()

    # renaming a method others call: the files whose resolution read retry.py follow
    retry = repo / "pkg" / "retry.py"
    retry.write_text(retry.read_text().replace("def call(", "def run("))
    index_hashed(repo, db)
    assert calls[-1] == {"pkg/retry.py", "pkg/client.py", "pkg/__init__.py"}
    assert _edge_set(db) == full()


def test_renamed_and_deleted_files_leave_no_rows(make_repo, tmp_path: Path, git) -> None:
    repo = make_repo(FILES, git=True)
    db = tmp_path / "db"
    index_hashed(repo, db)
    git(repo, "mv", "pkg/client.py", "pkg/fetcher.py")
    (repo / "web/app.ts").unlink()
    emb = RecordingEmbedder()
    s = index_hashed(repo, db, emb)
    assert (s.added, s.deleted) == (1, 2)
    assert emb.texts == []  # moved code is never embedded twice
    for table, col in (
        ("files", "path"),
        ("chunks", "path"),
        ("symbols", "path"),
        ("edges", "src_path"),
    ):
        paths = {r[col] for r in table_rows(db, table)}
        assert "pkg/client.py" not in paths and "web/app.ts" not in paths, table
    assert "pkg/fetcher.py" in {r["path"] for r in table_rows(db, "chunks")}


def test_another_model_is_refused_until_rebuild(make_repo, tmp_path: Path) -> None:
    repo = make_repo(FILES)
    db = tmp_path / "db"
    index_hashed(repo, db)
    other = IndexerConfig(embed=EmbedConfig(model="hash:128"))
    with pytest.raises(ModelMismatchError, match="hash:256"):
        index_repo(repo, db=str(db), config=other)
    s = index_repo(repo, db=str(db), config=other, rebuild=True)
    assert s.model_id == "hash:128" and s.added == 5


def test_an_index_of_an_older_schema_is_refused_for_search_and_rebuilt_by_index(
    make_repo, tmp_path: Path
) -> None:
    repo = make_repo(FILES)
    db = tmp_path / "db"
    index_hashed(repo, db)
    store = IndexStore.open(str(db))
    store.write_meta(store.meta.with_(schema_version=SCHEMA_VERSION - 1))
    with pytest.raises(SchemaVersionError, match="run `specpilot index` again"):
        IndexStore.open(str(db))
    emb = RecordingEmbedder()
    s = index_hashed(repo, db, emb)
    assert s.added == 5 and emb.calls  # rebuilt from scratch, every chunk embedded again
    assert IndexStore.open(str(db)).meta.schema_version == SCHEMA_VERSION


def test_bad_paths_and_empty_repos(make_repo, tmp_path: Path) -> None:
    with pytest.raises(RepoPathError, match="does not exist"):
        index_hashed(tmp_path / "nope", tmp_path / "db")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(RepoPathError):
        index_hashed(tmp_path / "file.txt", tmp_path / "db")
    empty = make_repo({"image.png": b"\x89PNG\0\0\0"}, name="empty")
    with pytest.raises(EmptyRepoError, match="binary"):
        index_hashed(empty, tmp_path / "db2")
    assert not (tmp_path / "db2").exists()


def test_non_utf8_and_broken_files_are_indexed_and_counted(make_repo, tmp_path: Path) -> None:
    repo = make_repo(
        {
            "latin.py": "# caf\xe9\ndef ok():\n    return 1\n".encode("latin-1"),
            "broken.py": "def good():\n    return 1\n\ndef bad(:\n    pass\n",
        }
    )
    s = index_hashed(repo, tmp_path / "db")
    assert s.lossy_utf8_files == 1 and s.parse_error_files == 1
    names = {r["qualified_name"] for r in table_rows(tmp_path / "db", "symbols")}
    assert {"ok", "good"} <= names


def test_support_files_are_embedded_from_fewer_word_pieces(make_repo, tmp_path: Path) -> None:
    code = "def area(r):\n    return 3.14 * r * r\n"
    test = "def test_area():\n    assert area(1) > 3\n"
    repo = make_repo({"geo/shapes.py": code, "tests/test_shapes.py": test, "README.md": "# geo\n"})
    db = tmp_path / "db"
    first = RecordingEmbedder()
    index_hashed(repo, db, first)
    caps = {t.split()[0]: cap for texts, cap in first.calls for t in texts}
    assert caps == {"geo/shapes.py": 128, "tests/test_shapes.py": 64, "README.md": 64}
    stored = {r["path"]: r["embed_cap"] for r in table_rows(db, "chunks")}
    assert stored == {"geo/shapes.py": 128, "tests/test_shapes.py": 64, "README.md": 64}
    # the same code under another role is another cache entry: moved out of tests/, it is
    # embedded again from the code length
    (repo / "tests/test_shapes.py").rename(repo / "geo/more.py")
    emb = RecordingEmbedder()
    index_hashed(repo, db, emb)
    assert [t.split()[0] for t in emb.texts] == ["geo/more.py"]


def test_an_index_without_recorded_reads_resolves_everything_once(
    make_repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An index written before ``edge_deps`` existed: the next run resolves every file and
    records the reads, the one after goes back to partial resolution."""
    import specpilot.indexer.build as build
    from specpilot.indexer.graph.resolve import resolve_tracked

    repo = make_repo(FILES)
    db = tmp_path / "db"
    index_hashed(repo, db)
    IndexStore.open(str(db))._db.drop_table("edge_deps")
    calls: list[set[str] | None] = []
    monkeypatch.setattr(
        build,
        "resolve_tracked",
        lambda files, only=None: calls.append(only) or resolve_tracked(files, only),
    )
    client = repo / "pkg" / "client.py"
    for n in (1, 2):
        client.write_text(client.read_text() + f"    # edit {n}\n")
        index_hashed(repo, db)
    assert calls == [None, {"pkg/client.py"}]
    assert {r["path"] for r in table_rows(db, "edge_deps")} == {
        "pkg/__init__.py", "pkg/retry.py", "pkg/client.py", "web/app.ts"
    }  # fmt: skip


def test_definitions_sharing_a_name_and_a_line_are_rewritten_cleanly(
    make_repo, tmp_path: Path
) -> None:
    # two `m` on one line share a qualified name and a first line: a key merge of the file's
    # rows refused the second write ("ambiguous merge insert") and the index was stuck
    repo = make_repo({"x.js": "class A { m() { return 1 } m() { return 2 } }\n"}, git=False)
    db = tmp_path / "db"
    index_hashed(repo, db)
    (repo / "x.js").write_text("class A { m() { return 1 } m() { return 2 } }\n// edited\n")
    s = index_hashed(repo, db)
    assert s.changed == 1
    ids = sorted(r["id"] for r in table_rows(db, "symbols") if r["qualified_name"] == "A.m")
    assert ids == ["A.m@x.js:1", "A.m@x.js:1#2"]
    chunk_ids = [r["id"] for r in table_rows(db, "chunks")]
    assert len(chunk_ids) == len(set(chunk_ids))


def test_a_struct_and_its_impl_are_indexed_and_re_indexed(make_repo, tmp_path: Path) -> None:
    # `struct Foo` and `impl Foo` share a qualified name: the chunker emitted the impl's
    # methods under both, twice with one id — the first index wrote the rows twice, and
    # re-indexing the file then failed ("Ambiguous merge inserts are prohibited")
    body = "\n".join(f"        let x{i} = {i};" for i in range(12))
    src = (
        "pub struct Foo {\n    a: u32,\n}\n\nimpl Foo {\n"
        f"    pub fn get(&self) -> u32 {{\n{body}\n        self.a\n    }}\n}}\n"
    )
    repo = make_repo({"src/lib.rs": src}, git=False)
    db = tmp_path / "db"
    index_hashed(repo, db)
    (repo / "src/lib.rs").write_text(src + "// edited\n")
    assert index_hashed(repo, db).changed == 1
    chunk_ids = [r["id"] for r in table_rows(db, "chunks")]
    assert len(chunk_ids) == len(set(chunk_ids))
    assert [r["symbol"] for r in table_rows(db, "chunks")].count("Foo.get") == 1


def test_a_directory_git_ignores_says_so_instead_of_no_files(make_repo, tmp_path: Path) -> None:
    """A path inside a git work tree that git ignores (a checkout's .venv/…/site-packages):
    the walk lists nothing, and the error names git's ignore rules as the reason."""
    repo = make_repo(
        {".gitignore": ".venv/\n", "app.py": "x = 1\n", ".venv/lib/mod.py": "def f():\n    pass\n"},
        git=True,
    )
    with pytest.raises(EmptyRepoError, match="git ignores everything") as err:
        index_hashed(repo / ".venv" / "lib", tmp_path / "db")
    assert "(no files)" not in str(err.value) and "copy" in str(err.value)
    bare = make_repo({}, git=True, commit=False, name="bare")  # nothing on disk at all
    with pytest.raises(EmptyRepoError, match=r"\(no files\)"):
        index_hashed(bare, tmp_path / "db3")
