"""Diffs for the pipeline's stages: the reader is :mod:`indexer.source.diffs`; a diff it cannot read
raises the pipeline's own :class:`~pipeline.errors.DiffError`, so stages catch one tree."""

from __future__ import annotations

from specpilot.indexer import DiffError as UnreadableDiff
from specpilot.indexer import DiffLine, FileDiff, FileStatus, Hunk, Patch, diff_stat
from specpilot.indexer import parse_diff as read_diff
from specpilot.pipeline.core.errors import DiffError

__all__ = ["DiffLine", "FileDiff", "FileStatus", "Hunk", "Patch", "diff_stat", "parse_diff"]


def parse_diff(text: str) -> Patch:
    """:func:`indexer.source.diffs.parse_diff`, raising :class:`pipeline.errors.DiffError`."""
    try:
        return read_diff(text)
    except UnreadableDiff as exc:
        raise DiffError(str(exc)) from exc
