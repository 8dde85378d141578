"""A sentence-transformers model run through ONNX Runtime: same vectors, about twice as fast.

The model's transformer is exported to ONNX once (with torch, on first use) into
``$SPECPILOT_HOME/models/`` and reused by every later run; after that neither torch nor
sentence-transformers is imported, so a search process starts in well under a second instead
of the 5 s a torch import takes. Only models whose sentence-transformers pipeline is
Transformer → Pooling (mean or CLS) [→ Normalize] qualify; ``supports`` tells.

``int8=True`` runs a dynamically quantized copy of that export instead (int8 weights, per
output channel; activations quantized per batch at run time): made once from the fp32 export
with ONNX Runtime's quantization tools, in seconds and without torch, and cached beside it.
Its vectors are close to, not equal to, the fp32 ones, so its model id is the fp32 id plus
``+int8`` and an index built with one is never searched or extended with the other.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from specpilot.indexer.errors import EmbeddingError

log = logging.getLogger(__name__)

_ALLOWED_MODULES = (
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
    "sentence_transformers.models.Normalize",
)
OPSET = 17
INT8_SUFFIX = "+int8"  # appended to the model id of the quantized model's vectors
# the quantization settings; part of the int8 file's cache key. Per-channel QInt8 weights keep
# MiniLM's vectors at cosine ≥ 0.98 of fp32 on code chunks; per-tensor ones drop to ~0.92.
_QUANT = "dynamic QInt8 per_channel"


def _pooling(model_dir: Path) -> str | None:
    """ "mean" / "cls" when the model dir is a plain Transformer+Pooling model, else None."""
    try:
        modules = json.loads((model_dir / "modules.json").read_text())
        types = [m["type"] for m in modules]
        if types[:2] != list(_ALLOWED_MODULES[:2]) or any(t not in _ALLOWED_MODULES for t in types):
            return None
        pool_dir = next(m["path"] for m in modules if m["type"].endswith("Pooling"))
        cfg = json.loads((model_dir / pool_dir / "config.json").read_text())
    except (OSError, ValueError, KeyError, StopIteration):
        return None
    if not (model_dir / "tokenizer.json").is_file():
        return None
    if cfg.get("pooling_mode_mean_tokens"):
        return "mean"
    if cfg.get("pooling_mode_cls_token"):
        return "cls"
    return None


def supports(model_dir: Path) -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return model_dir.is_dir() and _pooling(model_dir) is not None


class OnnxEmbedder:
    def __init__(
        self,
        model_dir: Path,
        model_id: str,
        dim: int,
        *,
        max_seq_length: int,
        batch_size: int,
        cache_dir: Path,
        int8: bool = False,
    ) -> None:
        self._int8 = int8
        model_id = model_id + INT8_SUFFIX if int8 else model_id
        self._dir, self._model_id, self._dim = model_dir, model_id, dim
        self._max_len, self._batch = max_seq_length, batch_size
        self._cache_dir = cache_dir
        self._pooling = _pooling(model_dir) or "mean"
        self._session: Any = None
        self._tokenizer: Any = None
        # ONNX Runtime intra-op threads, 0: one per core; read at the first embed (a benchmark
        # on a shared machine sets 1 to measure arithmetic cost without thread contention)
        self.threads = 0

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def loaded(self) -> bool:
        return self._session is not None

    def onnx_path(self) -> Path:
        weights = sorted(self._dir.glob("*.safetensors")) or sorted(self._dir.glob("*.bin"))
        h = hashlib.sha1(f"opset{OPSET}".encode())
        for w in weights:
            h.update(w.name.encode())
            h.update(str(w.stat().st_size).encode())
            with w.open("rb") as fh:
                h.update(fh.read(1 << 20))
        return self._cache_dir / f"{self._dir.name}-{h.hexdigest()[:16]}.onnx"

    def int8_path(self) -> Path:
        """The quantized copy of ``onnx_path()``: named by the fp32 file it is made from (its
        name, size and first MiB; the name already hashes the weights), the quantization
        settings and ONNX Runtime's version (whose quantizer wrote it)."""
        import onnxruntime as ort

        src = self.onnx_path()
        h = hashlib.sha1(f"{src.name}\0{_QUANT}\0ort{ort.__version__}".encode())
        h.update(str(src.stat().st_size).encode())
        with src.open("rb") as fh:
            h.update(fh.read(1 << 20))
        return self._cache_dir / f"{src.stem}-int8-{h.hexdigest()[:16]}.onnx"

    def model_path(self) -> Path:
        """The file this embedder runs, made (exported, quantized) if it is not cached yet."""
        path = self.onnx_path()
        if not path.is_file():
            self._export(path)
        if not self._int8:
            return path
        q = self.int8_path()
        if not q.is_file():
            self._quantize(path, q)
        return q

    def _load(self) -> None:
        if self._session is not None:
            return
        import onnxruntime as ort
        from tokenizers import Tokenizer

        path = self.model_path()
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self.threads or max(1, os.cpu_count() or 1)
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(
                str(path), opts, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own exception types
            raise EmbeddingError(
                f"cannot load the ONNX model {path} ({exc}); delete it to re-export, or set "
                "index.embed.backend = 'torch'."
            ) from exc
        tok = Tokenizer.from_file(str(self._dir / "tokenizer.json"))
        tok.enable_truncation(max_length=self._max_len)
        tok.no_padding()
        self._tokenizer = tok
        log.info("loaded ONNX embedding model %s", path)

    def _export(self, path: Path) -> None:
        """Export the transformer with torch (first use only), atomically."""
        log.info("exporting %s to ONNX at %s (first use only)", self._dir, path)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local directory; never the hub
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        model = AutoModel.from_pretrained(str(self._dir)).eval()
        tok = AutoTokenizer.from_pretrained(str(self._dir))
        sample = tok(["a b", "c"], padding=True, return_tensors="pt")

        class _Wrapped(torch.nn.Module):
            def __init__(self, inner: Any) -> None:
                super().__init__()
                self.inner = inner

            def forward(self, ids: Any, mask: Any, types: Any) -> Any:
                return self.inner(
                    input_ids=ids, attention_mask=mask, token_type_ids=types
                ).last_hidden_state

        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".onnx.tmp")
        os.close(fd)
        axes = {0: "batch", 1: "seq"}
        try:
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.onnx.export(
                    _Wrapped(model),
                    (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
                    tmp,
                    input_names=["ids", "mask", "types"],
                    output_names=["hidden"],
                    dynamic_axes={"ids": axes, "mask": axes, "types": axes, "hidden": axes},
                    opset_version=OPSET,
                    dynamo=False,
                )
            os.replace(tmp, path)
        except Exception as exc:  # torch.onnx raises many types
            raise EmbeddingError(
                f"exporting {self._dir} to ONNX failed ({exc}); set index.embed.backend = 'torch'."
            ) from exc
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def _quantize(self, src: Path, dst: Path) -> None:
        """Dynamic int8 quantization of the fp32 export (a few seconds, no torch), atomically."""
        log.info("quantizing %s to int8 at %s (first use only)", src, dst)
        from onnxruntime.quantization import QuantType, quantize_dynamic

        fd, tmp = tempfile.mkstemp(dir=dst.parent, suffix=".onnx.tmp")
        os.close(fd)
        try:
            with _quiet_root_logger():
                quantize_dynamic(src, tmp, weight_type=QuantType.QInt8, per_channel=True)
            os.replace(tmp, dst)
        except Exception as exc:  # onnx / onnxruntime raise many types
            raise EmbeddingError(
                f"quantizing {src} to int8 failed ({exc}); set index.embed.backend = 'onnx'."
            ) from exc
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def embed(self, texts: Sequence[str], *, max_tokens: int | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        self._load()
        cap = min(max_tokens or self._max_len, self._max_len)
        self._tokenizer.enable_truncation(max_length=cap)
        try:
            encs = self._tokenizer.encode_batch(list(texts))
        finally:
            self._tokenizer.enable_truncation(max_length=self._max_len)
        order = sorted(range(len(encs)), key=lambda i: -len(encs[i].ids))
        out = np.zeros((len(encs), self._dim), dtype=np.float32)
        for start in range(0, len(order), self._batch):
            idx = order[start : start + self._batch]
            width = max(len(encs[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            types = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                e = encs[i]
                n = len(e.ids)
                ids[row, :n], mask[row, :n], types[row, :n] = e.ids, e.attention_mask, e.type_ids
            hidden = self._session.run(None, {"ids": ids, "mask": mask, "types": types})[0]
            if self._pooling == "cls":
                vecs = hidden[:, 0, :]
            else:
                m = mask[..., None].astype(np.float32)
                vecs = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(vecs, axis=1, keepdims=True)
            out[idx] = vecs / np.clip(norms, 1e-12, None)
        return out


@contextlib.contextmanager
def _quiet_root_logger() -> Iterator[None]:
    """The quantizer warns through ``logging.warning`` (the root logger), which would also
    install a stderr handler on a root logger that has none; neither is wanted in a CLI."""
    root = logging.getLogger()
    level, guard = root.level, logging.NullHandler()
    root.addHandler(guard)
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)
        root.removeHandler(guard)
