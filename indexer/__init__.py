"""specpilot indexer: walk a repository, parse it with tree-sitter, chunk, embed, store in LanceDB.

The public API of this package is ``__all__``, imported on first use (PEP 562) so that
importing one name does not import the rest (the CLI starts fast); other packages import
only these names (tests/test_layering.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from specpilot._surface import lazy

# name -> the module that defines it
_WHERE: dict[str, str] = {
    "blob_hash": "specpilot.indexer.refresh",
    "captures": "specpilot.indexer.treesitter",
    "check_intact": "specpilot.indexer.integrity",
    "code_tokens": "specpilot.indexer.tokens",
    "commits_since": "specpilot.indexer.gitinfo",
    "DamagedIndexError": "specpilot.indexer.errors",
    "default_db_path": "specpilot.indexer.location",
    "DEFAULT_SUPPORT_DIRS": "specpilot.indexer.roles",
    "DEFAULT_SUPPORT_GLOBS": "specpilot.indexer.roles",
    "diff_stat": "specpilot.indexer.diffs",
    "DiffError": "specpilot.indexer.errors",
    "DiffLine": "specpilot.indexer.diffs",
    "EmbedConfig": "specpilot.indexer.config",
    "Embedder": "specpilot.indexer.embedding",
    "EmptyRepoError": "specpilot.indexer.errors",
    "FileDiff": "specpilot.indexer.diffs",
    "FileStatus": "specpilot.indexer.diffs",
    "head_commit": "specpilot.indexer.gitinfo",
    "Hunk": "specpilot.indexer.diffs",
    "identifiers": "specpilot.indexer.tokens",
    "index_repo": "specpilot.indexer.build",
    "index_status": "specpilot.indexer.status",
    "IndexerConfig": "specpilot.indexer.config",
    "IndexerError": "specpilot.indexer.errors",
    "IndexInterrupted": "specpilot.indexer.errors",
    "IndexLocationError": "specpilot.indexer.errors",
    "IndexPlugin": "specpilot.indexer.plugins",
    "IndexStore": "specpilot.indexer.store",
    "IndexSummary": "specpilot.indexer.summary",
    "is_code": "specpilot.indexer.filetypes",
    "unchanged_index": "specpilot.indexer.manifest",
    "vectors_note": "specpilot.indexer.status",
    "is_support_path": "specpilot.indexer.roles",
    "language_for": "specpilot.indexer.filetypes",
    "load_query": "specpilot.indexer.treesitter",
    "LoadedFile": "specpilot.indexer.plugins",
    "make_embedder": "specpilot.indexer.embedding",
    "ModelMismatchError": "specpilot.indexer.errors",
    "ModuleIndex": "specpilot.indexer.modpaths",
    "Node": "specpilot.indexer.treesitter",
    "NotIndexedError": "specpilot.indexer.errors",
    "parse_diff": "specpilot.indexer.diffs",
    "parse_source": "specpilot.indexer.parse",
    "parse_tree": "specpilot.indexer.treesitter",
    "ParseBatch": "specpilot.indexer.prepare",
    "ParsedBatch": "specpilot.indexer.prepare",
    "ParsedFile": "specpilot.indexer.types",
    "Patch": "specpilot.indexer.diffs",
    "path_filter": "specpilot.indexer.sql",
    "PluginContext": "specpilot.indexer.plugins",
    "Progress": "specpilot.indexer.build",
    "RepoPathError": "specpilot.indexer.errors",
    "specpilot_home": "specpilot.indexer.config",
    "sql_quote": "specpilot.indexer.sql",
    "Symbol": "specpilot.indexer.types",
    "walk_repo": "specpilot.indexer.walk",
    "WalkConfig": "specpilot.indexer.config",
}

if TYPE_CHECKING:
    from specpilot.indexer.build import Progress as Progress
    from specpilot.indexer.build import index_repo as index_repo
    from specpilot.indexer.config import EmbedConfig as EmbedConfig
    from specpilot.indexer.config import IndexerConfig as IndexerConfig
    from specpilot.indexer.config import WalkConfig as WalkConfig
    from specpilot.indexer.config import specpilot_home as specpilot_home
    from specpilot.indexer.diffs import DiffLine as DiffLine
    from specpilot.indexer.diffs import FileDiff as FileDiff
    from specpilot.indexer.diffs import FileStatus as FileStatus
    from specpilot.indexer.diffs import Hunk as Hunk
    from specpilot.indexer.diffs import Patch as Patch
    from specpilot.indexer.diffs import diff_stat as diff_stat
    from specpilot.indexer.diffs import parse_diff as parse_diff
    from specpilot.indexer.embedding import Embedder as Embedder
    from specpilot.indexer.embedding import make_embedder as make_embedder
    from specpilot.indexer.errors import DamagedIndexError as DamagedIndexError
    from specpilot.indexer.errors import DiffError as DiffError
    from specpilot.indexer.errors import EmptyRepoError as EmptyRepoError
    from specpilot.indexer.errors import IndexerError as IndexerError
    from specpilot.indexer.errors import IndexInterrupted as IndexInterrupted
    from specpilot.indexer.errors import IndexLocationError as IndexLocationError
    from specpilot.indexer.errors import ModelMismatchError as ModelMismatchError
    from specpilot.indexer.errors import NotIndexedError as NotIndexedError
    from specpilot.indexer.errors import RepoPathError as RepoPathError
    from specpilot.indexer.filetypes import is_code as is_code
    from specpilot.indexer.filetypes import language_for as language_for
    from specpilot.indexer.gitinfo import commits_since as commits_since
    from specpilot.indexer.gitinfo import head_commit as head_commit
    from specpilot.indexer.integrity import check_intact as check_intact
    from specpilot.indexer.location import default_db_path as default_db_path
    from specpilot.indexer.manifest import unchanged_index as unchanged_index
    from specpilot.indexer.modpaths import ModuleIndex as ModuleIndex
    from specpilot.indexer.parse import parse_source as parse_source
    from specpilot.indexer.plugins import IndexPlugin as IndexPlugin
    from specpilot.indexer.plugins import LoadedFile as LoadedFile
    from specpilot.indexer.plugins import PluginContext as PluginContext
    from specpilot.indexer.prepare import ParseBatch as ParseBatch
    from specpilot.indexer.prepare import ParsedBatch as ParsedBatch
    from specpilot.indexer.refresh import blob_hash as blob_hash
    from specpilot.indexer.roles import DEFAULT_SUPPORT_DIRS as DEFAULT_SUPPORT_DIRS
    from specpilot.indexer.roles import DEFAULT_SUPPORT_GLOBS as DEFAULT_SUPPORT_GLOBS
    from specpilot.indexer.roles import is_support_path as is_support_path
    from specpilot.indexer.sql import path_filter as path_filter
    from specpilot.indexer.sql import sql_quote as sql_quote
    from specpilot.indexer.status import index_status as index_status
    from specpilot.indexer.status import vectors_note as vectors_note
    from specpilot.indexer.store import IndexStore as IndexStore
    from specpilot.indexer.summary import IndexSummary as IndexSummary
    from specpilot.indexer.tokens import code_tokens as code_tokens
    from specpilot.indexer.tokens import identifiers as identifiers
    from specpilot.indexer.treesitter import Node as Node
    from specpilot.indexer.treesitter import captures as captures
    from specpilot.indexer.treesitter import load_query as load_query
    from specpilot.indexer.treesitter import parse_tree as parse_tree
    from specpilot.indexer.types import ParsedFile as ParsedFile
    from specpilot.indexer.types import Symbol as Symbol
    from specpilot.indexer.walk import walk_repo as walk_repo

__all__ = sorted(_WHERE)
__getattr__, __dir__ = lazy(__name__, _WHERE, globals())
