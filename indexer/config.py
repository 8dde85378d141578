"""The indexer's configuration: one frozen dataclass, passed explicitly."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from specpilot.indexer.errors import IndexConfigError

DEFAULT_MODEL = "all-MiniLM-L6-v2"

# Directories that hold vendored, generated or tool state; never indexed.
DEFAULT_SKIP_DIRS: tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "bower_components",
    "vendor",
    "third_party",
    "dist",
    "build",
    "target",
    "out",
    "__pycache__",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".eggs",
    ".next",
    ".nuxt",
    ".gradle",
    ".idea",
    ".specpilot",
)

# File name patterns (gitignore syntax) of generated or minified files.
DEFAULT_SKIP_GLOBS: tuple[str, ...] = (
    "*.min.js",
    "*.min.css",
    "*.bundle.js",
    "*.map",
    "*.lock",
    "package-lock.json",
    "pnpm-lock.yaml",
    "*_pb2.py",
    "*_pb2_grpc.py",
    "*.pb.go",
    "*.generated.*",
    "*.egg-info/",
)


def _at_least(config: object, section: str, **minimum: int) -> None:
    """Raise ``IndexConfigError`` naming the first field below its minimum."""
    for name, low in minimum.items():
        value = getattr(config, name)
        if value < low:
            raise IndexConfigError(f"index.{section}.{name} is {value}; use {low} or more.")


@dataclass(frozen=True, slots=True)
class WalkConfig:
    max_file_bytes: int = 1_000_000
    skip_dirs: tuple[str, ...] = DEFAULT_SKIP_DIRS
    skip_globs: tuple[str, ...] = DEFAULT_SKIP_GLOBS
    # a line longer than this in a JS/CSS/JSON file marks it as minified/generated
    minified_line_chars: int = 1000
    ignore_file: str = ".specpilotignore"

    def __post_init__(self) -> None:
        _at_least(self, "walk", max_file_bytes=1, minified_line_chars=1)


@dataclass(frozen=True, slots=True)
class ChunkConfig:
    max_lines: int = 60  # a symbol longer than this is split at statement boundaries
    merge_below_lines: int = 12  # adjacent small siblings are merged up to max_lines
    text_window_lines: int = 40  # Markdown/TOML/YAML/other text
    text_window_overlap: int = 5

    def __post_init__(self) -> None:
        # max_lines 0 cut module code into parts of -1 lines: a loop that never ended
        _at_least(self, "chunk", max_lines=1, merge_below_lines=0, text_window_lines=1)
        _at_least(self, "chunk", text_window_overlap=0)
        if self.text_window_overlap >= self.text_window_lines:
            raise IndexConfigError(
                f"index.chunk.text_window_overlap is {self.text_window_overlap}; use less than "
                f"index.chunk.text_window_lines ({self.text_window_lines})."
            )


EMBED_BACKENDS = ("auto", "onnx", "onnx-int8", "torch")


@dataclass(frozen=True, slots=True)
class EmbedConfig:
    model: str = (
        DEFAULT_MODEL  # "all-MiniLM-L6-v2" (bundled) or any sentence-transformers name/path
    )
    batch_size: int = 16
    max_seq_length: int = 128  # word pieces per chunk the model reads (cost grows with it)
    # tests, docs, examples, stubs (indexer.source.roles): read from fewer word pieces — over half
    # the chunks of a typical repo, rarely what a search is after, ranked after code anyway
    support_max_seq_length: int = 64
    device: str = "cpu"
    # "auto": ONNX Runtime when the model qualifies (same vectors, ~2x faster), else torch;
    # "onnx-int8": that ONNX export with int8 weights (its own model id: an index is one or
    # the other); docs/benchmarks.md has the measured trade-off
    backend: str = "auto"

    def __post_init__(self) -> None:
        # checked here, not at the first embedding: a typo fails before any work is done
        if self.backend not in EMBED_BACKENDS:
            raise IndexConfigError(
                f"index.embed.backend is {self.backend!r}; use one of {', '.join(EMBED_BACKENDS)}."
            )
        _at_least(self, "embed", batch_size=1, max_seq_length=1, support_max_seq_length=1)


@dataclass(frozen=True, slots=True)
class HistoryConfig:
    """Co-change counts from git history (``indexer/source/history.py``)."""

    max_commits: int = 2000  # the newest non-merge commits read (0: no history)
    max_files_per_commit: int = 30  # bigger commits (reformats, vendoring) are skipped
    min_together: int = 2  # pairs changed together fewer times are not stored

    def __post_init__(self) -> None:
        _at_least(self, "history", max_commits=0, max_files_per_commit=0, min_together=0)


_VECTOR_INDEX_TYPES = ("IVF_HNSW_SQ", "IVF_HNSW_PQ", "IVF_PQ", "IVF_SQ", "IVF_FLAT")


@dataclass(frozen=True, slots=True)
class VectorIndexConfig:
    """The ANN index over chunk vectors for big repositories (``indexer/store/vector_index.py``)."""

    min_rows: int = 50_000  # chunks from which searches use an ANN index (0: never)
    index_type: str = "IVF_HNSW_SQ"
    rows_per_partition: int = 4096  # IVF partitions = chunks / this
    retrain_factor: float = 2.0  # retrain when the chunks grew or shrank by this factor

    def __post_init__(self) -> None:
        if self.index_type not in _VECTOR_INDEX_TYPES:
            raise IndexConfigError(
                f"index.vector_index.index_type is {self.index_type!r}; use one of "
                f"{', '.join(_VECTOR_INDEX_TYPES)}."
            )
        if self.min_rows < 0:
            raise IndexConfigError(
                f"index.vector_index.min_rows is {self.min_rows}; use 0 (never) or more."
            )
        if self.rows_per_partition < 1:
            raise IndexConfigError(
                f"index.vector_index.rows_per_partition is {self.rows_per_partition}; use 1 or more."
            )
        if self.retrain_factor <= 1:
            raise IndexConfigError(
                f"index.vector_index.retrain_factor is {self.retrain_factor}; use more than 1."
            )


@dataclass(frozen=True, slots=True)
class IndexerConfig:
    walk: WalkConfig = field(default_factory=WalkConfig)
    chunk: ChunkConfig = field(default_factory=ChunkConfig)
    embed: EmbedConfig = field(default_factory=EmbedConfig)
    history: HistoryConfig = field(default_factory=HistoryConfig)
    vector_index: VectorIndexConfig = field(default_factory=VectorIndexConfig)


def specpilot_home() -> Path:
    """``$SPECPILOT_HOME`` or ``~/.specpilot``: indexes, exported models, runs."""
    return Path(os.environ.get("SPECPILOT_HOME") or Path.home() / ".specpilot")
