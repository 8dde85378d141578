"""Runtime versions in a request point at the code that tests the runtime's version."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from specpilot.indexer.build import index_repo
from specpilot.indexer.config import IndexerConfig
from specpilot.retrieval.config import RetrievalConfig
from specpilot.retrieval.open import open_searcher
from specpilot.retrieval.versions import VersionGuards, mentioned_versions
from tests.conftest import write_files
from tests.retrieval.conftest import EMBED


@pytest.mark.parametrize(
    ("text", "versions"),
    [
        ("Fix test_ne for Python 3.13+ (compiler strips indents)", (("python", 3, 13),)),
        (
            "Only import cached_property on python 3.8+, keep py37 and PyPy3.10",
            (("python", 3, 8), ("python", 3, 7), ("python", 3, 10)),
        ),
        ("Python3 does not keep insertion order for set", (("python", 3, None),)),
        (
            "needs Node 20 and Go 1.22; builds with JDK 17; MSRV rust 1.70",
            (("node", 20, None), ("go", 1, 22), ("java", 17, None), ("rust", 1, 70)),
        ),
        ("go to the next page 3 times; python code; a copy of 1.5 things", ()),
        # two patterns match at one offset, with and without the minor: the precise one wins
        ("fails on py2.7", (("python", 2, 7),)),
        (
            "py3.8 and py2, then Python 3.13+",
            (("python", 3, 8), ("python", 2, None), ("python", 3, 13)),
        ),
    ],
)
def test_versions_a_request_names(text: str, versions: tuple) -> None:
    assert mentioned_versions(text) == versions


def test_guards_rank_the_file_that_tests_the_named_version_then_the_most_guarded() -> None:
    guards = VersionGuards(
        {
            "compat": (
                "pkg/_compat.py",
                "python",
                "PY_3_9_PLUS = sys.version_info[:2] >= (3, 9)\n"
                "PY_3_12_PLUS = sys.version_info[:2] >= (3, 12)\nPY310 = sys.version_info >= (3, 10)\n",
            ),
            "use": ("pkg/make.py", "python", "if PY310:\n    slots = True\n"),
            "old": (
                "pkg/init.py",
                "python",
                "if sys.version_info < (3, 8):\n    from typing_extensions import Protocol\n",
            ),
            "plain": ("pkg/other.py", "python", "def f():\n    return (3, 8)\n"),
            "node": ("web/compat.js", "javascript", "if (process.versions.node < '18') {}\n"),
        }
    )
    assert len(guards) == 4  # "plain" names (3, 8) but tests no version
    assert guards.rank((("python", 3, 8),)) == ["old", "compat", "use"]
    # no file names 3.13 yet: the most guarded first
    assert guards.rank((("python", 3, 13),)) == ["compat", "old", "use"]
    assert guards.rank((("go", 1, 22),)) == []  # no Go code tests its version here
    assert guards.rank((("node", 20, None),)) == ["node"]
    assert guards.rank(()) == []


def test_the_version_channel_puts_the_compat_module_into_the_file_ranking(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "from pkg.make import build\n",
        "pkg/_compat.py": (
            "import sys\n\n"
            "PY_3_9_PLUS = sys.version_info[:2] >= (3, 9)\n"
            "PY_3_12_PLUS = sys.version_info[:2] >= (3, 12)\n"
        ),
        "pkg/make.py": (
            "from pkg._compat import PY_3_12_PLUS\n\n\n"
            "def build(cls):\n"
            '    """Build the class: docstrings keep their indents."""\n'
            "    return cls if PY_3_12_PLUS else cls\n"
        ),
        "pkg/text.py": "def dedent(doc):\n    return doc.strip()\n",
        "tox.ini": "[tox]\nenvlist = py38, py313\n",
    }
    root = tmp_path / "repo"
    write_files(root, files)
    db = str(tmp_path / "db")
    index_repo(root, db=db, config=IndexerConfig(embed=EMBED))
    query = "Docstrings lose their indents on Python 3.13"
    searcher = open_searcher(db, EMBED, RetrievalConfig())
    ev = searcher.evidence(query)
    order = [searcher.catalog.chunks[c].path for c in ev.chunk_lists["version"]]
    assert order[0] == "pkg/_compat.py" and "tox.ini" not in order
    hits = {h.path: h for h in searcher.search_files(query, 10)}
    assert hits["pkg/_compat.py"].ranks["version"] == 1
    off = open_searcher(db, EMBED, dataclasses.replace(RetrievalConfig(), weight_version=0.0))
    assert off.evidence(query).chunk_lists["version"] == []
