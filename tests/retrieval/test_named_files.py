"""Files a request names: build and manifest files, any case, and stack-trace frames from
outside the checkout (site-packages, Go's module cache, absolute paths)."""

from __future__ import annotations

from pathlib import Path

import pytest

from specpilot.indexer.build import index_repo
from specpilot.indexer.config import IndexerConfig
from specpilot.retrieval.config import RetrievalConfig
from specpilot.retrieval.open import open_searcher
from specpilot.retrieval.search import Searcher
from tests.conftest import write_files
from tests.retrieval.conftest import EMBED

MAIN = 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("{name}")\n}\n'
REPO = {
    "go.mod": "module example.com/router/v5\n\ngo 1.22\n\nrequire golang.org/x/net v0.20.0\n",
    "go.sum": "golang.org/x/net v0.20.0 h1:aCL9BSgETF1k+blQaTUBadHqsJfvyWUE7AZRTemn2YI=\n",
    "mux.go": (
        'package router\n\nimport "net/http"\n\ntype Mux struct{ routes map[string]http.Handler }\n\n'
        "func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) {\n"
        "\th := m.routes[r.URL.Path]\n\th.ServeHTTP(w, r)\n}\n"
    ),
    **{f"cmd/{n}/main.go": MAIN.replace("{name}", n) for n in ("api", "worker", "cli", "admin")},
    "src/pkg/mod.py": "def parse(text):\n    return text.split()\n\n\ndef render(items):\n    return ' '.join(items)\n",
    "src/pkg/__init__.py": "",
    "requirements-dev.txt": "pytest==8.2.0\nruff==0.5.0\n",
    "Makefile": "test:\n\tgo test ./...\n",
    "README.md": "# router\n\nA small HTTP router.\n",
    "docs/guide.md": "# Guide\n\nRoutes are matched by path. See the mux for details.\n",
}


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    base = tmp_path_factory.mktemp("named")
    write_files(base / "repo", REPO)
    index_repo(base / "repo", db=str(base / "db"), config=IndexerConfig(embed=EMBED))
    return open_searcher(str(base / "db"), EMBED, RetrievalConfig())


@pytest.mark.parametrize(
    ("request_text", "path"),
    [
        ("Bump golang.org/x/net to v0.21.0 in go.mod", "go.mod"),
        ("go.sum has a stale checksum for x/net", "go.sum"),
        ("Pin ruff 0.6 in requirements-dev.txt", "requirements-dev.txt"),
        ("The Makefile test target should pass -race", "Makefile"),
        ("Fix the typo in readme.md", "README.md"),
    ],
)
def test_a_named_build_or_docs_file_ranks_first(
    searcher: Searcher, request_text: str, path: str
) -> None:
    assert searcher.search_files(request_text, 5)[0].path == path


def test_a_go_frame_from_the_module_cache_maps_to_the_repos_file(searcher: Searcher) -> None:
    trace = (
        "panic: runtime error: invalid memory address or nil pointer dereference\n\n"
        "goroutine 1 [running]:\n"
        "example.com/router/v5.(*Mux).ServeHTTP(0x0, {0x0, 0x0}, 0x0)\n"
        "\t/root/go/pkg/mod/example.com/router/v5@v5.1.0/mux.go:9 +0x1d\n"
        "main.main()\n"
        "\t/home/dev/app/cmd/api/main.go:6 +0x25\n"
    )
    hits = searcher.search_files(trace, 10)
    assert [h.path for h in hits[:2]] == ["mux.go", "cmd/api/main.go"]
    # main.main() names the one main the trace ran, not every main.go of the repository
    others = [h for h in hits if h.path in {"cmd/worker/main.go", "cmd/cli/main.go"}]
    assert others and all(not {"identifier", "frame", "path"} & set(h.ranks) for h in others)
    symbols = [(h.path, h.symbol) for h in searcher.search(trace, 3)]
    assert ("mux.go", "Mux.ServeHTTP") in symbols[:2]


def test_a_python_frame_from_site_packages_maps_to_src(searcher: Searcher) -> None:
    trace = (
        "Traceback (most recent call last):\n"
        '  File "/usr/lib/python3.11/site-packages/pkg/mod.py", line 2, in parse\n'
        "AttributeError: 'NoneType' object has no attribute 'split'\n"
    )
    assert searcher.search_files(trace, 5)[0].path == "src/pkg/mod.py"
    top = searcher.search(trace, 3)[0]
    assert (top.path, top.symbol) == ("src/pkg/mod.py", "parse")


def test_an_absolute_frame_resolves_a_root_level_file(tmp_path: Path) -> None:
    write_files(tmp_path / "repo", {"setup.py": "def version():\n    return '1.0'\n", "a/b.py": ""})
    index_repo(tmp_path / "repo", db=str(tmp_path / "db"), config=IndexerConfig(embed=EMBED))
    s = open_searcher(str(tmp_path / "db"), EMBED, RetrievalConfig())
    trace = 'File "/home/dev/checkout/setup.py", line 2, in version\nValueError: bad\n'
    assert s.search_files(trace, 3)[0].path == "setup.py"
