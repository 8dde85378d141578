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
    "blob_hash": "specpilot.indexer.source.refresh",
    "captures": "specpilot.indexer.parse.treesitter",
    "check_intact": "specpilot.indexer.store.integrity",
    "code_tokens": "specpilot.indexer.parse.tokens",
    "commits_since": "specpilot.indexer.source.gitinfo",
    "DamagedIndexError": "specpilot.indexer.errors",
    "default_db_path": "specpilot.indexer.store.location",
    "DEFAULT_SUPPORT_DIRS": "specpilot.indexer.source.roles",
    "DEFAULT_SUPPORT_GLOBS": "specpilot.indexer.source.roles",
    "diff_stat": "specpilot.indexer.source.diffs",
    "DiffError": "specpilot.indexer.errors",
    "DiffLine": "specpilot.indexer.source.diffs",
    "EmbedConfig": "specpilot.indexer.config",
    "Embedder": "specpilot.indexer.embed.embedders",
    "EmptyRepoError": "specpilot.indexer.errors",
    "FileDiff": "specpilot.indexer.source.diffs",
    "FileStatus": "specpilot.indexer.source.diffs",
    "head_commit": "specpilot.indexer.source.gitinfo",
    "Hunk": "specpilot.indexer.source.diffs",
    "identifiers": "specpilot.indexer.parse.tokens",
    "index_repo": "specpilot.indexer.build",
    "index_status": "specpilot.indexer.status",
    "interruption": "specpilot.indexer.status",
    "IndexerConfig": "specpilot.indexer.config",
    "IndexerError": "specpilot.indexer.errors",
    "IndexInterrupted": "specpilot.indexer.errors",
    "IndexLocationError": "specpilot.indexer.errors",
    "IndexPlugin": "specpilot.indexer.plugins",
    "IndexStore": "specpilot.indexer.store.index_store",
    "IndexSummary": "specpilot.indexer.summary",
    "is_code": "specpilot.indexer.source.filetypes",
    "unchanged_index": "specpilot.indexer.manifest",
    "vectors_note": "specpilot.indexer.status",
    "is_support_path": "specpilot.indexer.source.roles",
    "language_for": "specpilot.indexer.source.filetypes",
    "load_query": "specpilot.indexer.parse.treesitter",
    "LoadedFile": "specpilot.indexer.plugins",
    "make_embedder": "specpilot.indexer.embed.embedders",
    "ModelMismatchError": "specpilot.indexer.errors",
    "ModuleIndex": "specpilot.indexer.graph.modpaths",
    "Node": "specpilot.indexer.parse.treesitter",
    "NotIndexedError": "specpilot.indexer.errors",
    "parse_diff": "specpilot.indexer.source.diffs",
    "parse_source": "specpilot.indexer.parse.extract",
    "parse_tree": "specpilot.indexer.parse.treesitter",
    "ParseBatch": "specpilot.indexer.parse.prepare",
    "ParsedBatch": "specpilot.indexer.parse.prepare",
    "ParsedFile": "specpilot.indexer.types",
    "Patch": "specpilot.indexer.source.diffs",
    "path_filter": "specpilot.indexer.store.sql",
    "PluginContext": "specpilot.indexer.plugins",
    "Progress": "specpilot.indexer.build",
    "RepoPathError": "specpilot.indexer.errors",
    "specpilot_home": "specpilot.indexer.config",
    "sql_quote": "specpilot.indexer.store.sql",
    "Symbol": "specpilot.indexer.types",
    "walk_repo": "specpilot.indexer.source.walk",
    "WalkConfig": "specpilot.indexer.config",
    # the embedding seam (issue 20): where embedder calls run, and a worker's side of it
    "EmbedCall": "specpilot.indexer.embed.fill",
    "embed_calls": "specpilot.indexer.embed.fill",
    "MapEmbed": "specpilot.indexer.embed.fill",
}

if TYPE_CHECKING:
    from specpilot.indexer.build import Progress as Progress
    from specpilot.indexer.build import index_repo as index_repo
    from specpilot.indexer.config import EmbedConfig as EmbedConfig
    from specpilot.indexer.config import IndexerConfig as IndexerConfig
    from specpilot.indexer.config import WalkConfig as WalkConfig
    from specpilot.indexer.config import specpilot_home as specpilot_home
    from specpilot.indexer.embed.embedders import Embedder as Embedder
    from specpilot.indexer.embed.embedders import make_embedder as make_embedder
    from specpilot.indexer.embed.fill import EmbedCall as EmbedCall
    from specpilot.indexer.embed.fill import MapEmbed as MapEmbed
    from specpilot.indexer.embed.fill import embed_calls as embed_calls
    from specpilot.indexer.errors import DamagedIndexError as DamagedIndexError
    from specpilot.indexer.errors import DiffError as DiffError
    from specpilot.indexer.errors import EmptyRepoError as EmptyRepoError
    from specpilot.indexer.errors import IndexerError as IndexerError
    from specpilot.indexer.errors import IndexInterrupted as IndexInterrupted
    from specpilot.indexer.errors import IndexLocationError as IndexLocationError
    from specpilot.indexer.errors import ModelMismatchError as ModelMismatchError
    from specpilot.indexer.errors import NotIndexedError as NotIndexedError
    from specpilot.indexer.errors import RepoPathError as RepoPathError
    from specpilot.indexer.graph.modpaths import ModuleIndex as ModuleIndex
    from specpilot.indexer.manifest import unchanged_index as unchanged_index
    from specpilot.indexer.parse.extract import parse_source as parse_source
    from specpilot.indexer.parse.prepare import ParseBatch as ParseBatch
    from specpilot.indexer.parse.prepare import ParsedBatch as ParsedBatch
    from specpilot.indexer.parse.tokens import code_tokens as code_tokens
    from specpilot.indexer.parse.tokens import identifiers as identifiers
    from specpilot.indexer.parse.treesitter import Node as Node
    from specpilot.indexer.parse.treesitter import captures as captures
    from specpilot.indexer.parse.treesitter import load_query as load_query
    from specpilot.indexer.parse.treesitter import parse_tree as parse_tree
    from specpilot.indexer.plugins import IndexPlugin as IndexPlugin
    from specpilot.indexer.plugins import LoadedFile as LoadedFile
    from specpilot.indexer.plugins import PluginContext as PluginContext
    from specpilot.indexer.source.diffs import DiffLine as DiffLine
    from specpilot.indexer.source.diffs import FileDiff as FileDiff
    from specpilot.indexer.source.diffs import FileStatus as FileStatus
    from specpilot.indexer.source.diffs import Hunk as Hunk
    from specpilot.indexer.source.diffs import Patch as Patch
    from specpilot.indexer.source.diffs import diff_stat as diff_stat
    from specpilot.indexer.source.diffs import parse_diff as parse_diff
    from specpilot.indexer.source.filetypes import is_code as is_code
    from specpilot.indexer.source.filetypes import language_for as language_for
    from specpilot.indexer.source.gitinfo import commits_since as commits_since
    from specpilot.indexer.source.gitinfo import head_commit as head_commit
    from specpilot.indexer.source.refresh import blob_hash as blob_hash
    from specpilot.indexer.source.roles import DEFAULT_SUPPORT_DIRS as DEFAULT_SUPPORT_DIRS
    from specpilot.indexer.source.roles import DEFAULT_SUPPORT_GLOBS as DEFAULT_SUPPORT_GLOBS
    from specpilot.indexer.source.roles import is_support_path as is_support_path
    from specpilot.indexer.source.walk import walk_repo as walk_repo
    from specpilot.indexer.status import index_status as index_status
    from specpilot.indexer.status import interruption as interruption
    from specpilot.indexer.status import vectors_note as vectors_note
    from specpilot.indexer.store.index_store import IndexStore as IndexStore
    from specpilot.indexer.store.integrity import check_intact as check_intact
    from specpilot.indexer.store.location import default_db_path as default_db_path
    from specpilot.indexer.store.sql import path_filter as path_filter
    from specpilot.indexer.store.sql import sql_quote as sql_quote
    from specpilot.indexer.summary import IndexSummary as IndexSummary
    from specpilot.indexer.types import ParsedFile as ParsedFile
    from specpilot.indexer.types import Symbol as Symbol

__all__ = sorted(_WHERE)
__getattr__, __dir__ = lazy(__name__, _WHERE, globals())
