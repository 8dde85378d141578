"""Retrieval configuration: every ranking weight is a named field here."""

from __future__ import annotations

from dataclasses import dataclass

# Path parts and file names of files that support code rather than being it: tests, docs,
# examples, build scripts. A user asking "what must change" wants the code first.
DEFAULT_SUPPORT_DIRS: tuple[str, ...] = (
    "test",
    "tests",
    "testing",
    "spec",
    "specs",
    "__tests__",
    "doc",
    "docs",
    "example",
    "examples",
    "benchmarks",
    "bench",
    "scripts",
    "ci",
    ".github",
    "fixtures",
    "testdata",
)
DEFAULT_SUPPORT_GLOBS: tuple[str, ...] = (
    "test_*.py",
    "*_test.py",
    "conftest.py",
    "setup.py",
    "noxfile.py",
    "tasks.py",
    "*_test.go",
    "*.test.js",
    "*.test.ts",
    "*.spec.js",
    "*.spec.ts",
    "*.test.tsx",
    "*.d.ts",
    "*Test.java",
    "*Tests.java",
    "*.pyi",  # type stubs mirror the code they describe
    "CHANGELOG*",
    "CHANGES*",
    "HISTORY*",
    "NEWS*",
    "*.md",
    "*.rst",
    "*.txt",
)


@dataclass(frozen=True, slots=True)
class RetrievalConfig:
    # weighted reciprocal-rank fusion: score = sum(weight / (rrf_k + rank))
    rrf_k: int = 60
    weight_vector: float = 1.0
    weight_fulltext: float = 1.0  # BM25 over chunks
    weight_file_fulltext: float = 1.0  # BM25 over whole files (file ranking only)
    weight_identifier: float = 1.0  # query identifiers that name a defined symbol
    weight_path: float = 1.0  # query mentions of a file path / module name
    # how many chunks each channel contributes before fusion
    vector_candidates: int = 200
    fulltext_candidates: int = 200
    file_fulltext_candidates: int = 100
    # file ranking: a file's score is its best chunk plus a share of its next best ones
    file_extra_chunks: int = 2
    file_extra_weight: float = 0.3
    # files that support code (tests, docs, examples) are ranked after code by this factor
    support_file_factor: float = 0.5
    support_dirs: tuple[str, ...] = DEFAULT_SUPPORT_DIRS
    support_globs: tuple[str, ...] = DEFAULT_SUPPORT_GLOBS
    # text (non-code) files: markdown, toml, ... get this factor
    text_file_factor: float = 0.7
