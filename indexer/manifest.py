"""The nothing-changed check: answer a no-op ``index`` without importing LanceDB.

Opening the store costs ``import lancedb``/pyarrow (about 0.8 s) before the diff can show that
nothing changed. So every successful CLI run writes a small manifest beside the index
(``<index>.manifest.json``, written atomically) holding what that index was made from:

- the repository root, the index URI, HEAD, the index schema version, the indexer config,
  the caller's identity (the plug-ins' config) and a digest of specpilot's own code (an
  upgrade may measure conventions or chunk differently: the normal run decides then);
- each indexed file's ``(size, mtime_ns, ctime_ns, inode)``, taken *before* its content was
  read, and the git blob hash of that content;
- the ``(size, mtime_ns, ctime_ns, inode)`` of every file at the repository root (plug-ins
  read root config files the index does not hold, such as ``.prettierrc``);
- a digest of the store directory's files (name, size, mtime): any write to the index since,
  by any process, an interrupted run, a deleted or damaged table, shows as a different digest;
- the counts the summary reports.

``unchanged_index`` compares it with a cheap look at the repository: the same walker and ignore
rules as the index run (so added, deleted or newly ignored files show), a ``stat`` of each file,
and the blob hash of each file whose stat differs or whose recorded stat was "racy" (taken
within ``RACY_NS`` of a change, when a later edit in the same clock tick could keep every
timestamp). A file edited with its mtime put back still changes ``ctime``. Anything doubtful
(no manifest, an unreadable or foreign one, a remote index, a file that cannot be read) returns
None and the caller runs the normal index, which drops the manifest before it writes anything
and writes a new one only when it finishes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from specpilot.indexer.config import IndexerConfig
from specpilot.indexer.source.gitinfo import head_commit
from specpilot.indexer.source.refresh import blob_hash
from specpilot.indexer.source.walk import walk_repo
from specpilot.indexer.store.location import check_index_location
from specpilot.indexer.store.lock import index_write_lock
from specpilot.indexer.store.schema_version import SCHEMA_VERSION
from specpilot.indexer.summary import IndexSummary

log = logging.getLogger(__name__)

MANIFEST_FORMAT = 1
# a stat taken this close to the file's last change may miss an edit in the same clock tick
RACY_NS = 2_000_000_000
_COUNTS = ("symbols", "chunks", "edges", "edges_resolved")

FileStat = tuple[int, int, int, int, bool]  # size, mtime_ns, ctime_ns, inode, racy


def manifest_path(uri: str) -> Path:
    return Path(uri).with_name(Path(uri).name + ".manifest.json")


def file_stat(path: str) -> FileStat:
    """The stat a manifest records for ``path``; take it before reading the content."""
    now = time.time_ns()
    st = os.stat(path)
    racy = max(st.st_mtime_ns, st.st_ctime_ns) >= now - RACY_NS
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, racy


def drop_manifest(uri: str) -> None:
    """Forget the manifest: called before an index run writes anything."""
    if "://" not in uri:
        manifest_path(uri).unlink(missing_ok=True)


def write_manifest(
    uri: str,
    root: Path,
    config: IndexerConfig,
    identity: str,
    *,
    commit: str,
    files: Mapping[str, tuple[FileStat, str]],
    summary: IndexSummary,
) -> None:
    """Record what the index at ``uri`` was made from (``files``: path -> (stat, blob hash))."""
    store = _store_digest(uri)
    if "://" in uri or not store:
        return
    record = {
        **_identity(uri, root, config, identity),
        "commit": commit,
        "model_id": summary.model_id,
        "counts": {k: getattr(summary, k) for k in _COUNTS},
        "root_entries": _root_entries(root),
        "store": store,
        "files": {p: [*st, h] for p, (st, h) in sorted(files.items())},
    }
    path = manifest_path(uri)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(record), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:  # only the next no-op run is slower
        log.warning("cannot write the index manifest %s: %s", path, exc)
        tmp.unlink(missing_ok=True)


def unchanged_index(
    repo: str | Path, *, db: str, config: IndexerConfig, identity: str
) -> IndexSummary | None:
    """The summary of a no-op index run when the manifest proves nothing changed, else None."""
    t0 = time.perf_counter()
    root = Path(repo).resolve()
    if "://" in db or not manifest_path(db).is_file():
        return None
    check_index_location(db, write=True)  # the normal run would refuse a read-only index too
    walked = walk_repo(root, config.walk)
    with index_write_lock(db):  # a run writing now drops the manifest first: wait for it
        record = _read(manifest_path(db))
        expected = _identity(db, root, config, identity)
        if record is None or any(record.get(k) != v for k, v in expected.items()):
            return None
        commit = head_commit(root)
        if record.get("commit") != commit or record.get("root_entries") != _root_entries(root):
            return None
        recorded = record.get("files")
        if not isinstance(recorded, dict) or set(recorded) != {sf.path for sf in walked.files}:
            return None
        if not all(_same_file(sf.abs_path, recorded[sf.path]) for sf in walked.files):
            return None
        if record.get("store") != _store_digest(db):
            return None
    counts = record.get("counts")
    if not isinstance(counts, dict) or not all(isinstance(counts.get(k), int) for k in _COUNTS):
        return None
    scan = time.perf_counter() - t0
    return IndexSummary(
        repo=str(root),
        db=db,
        model_id=str(record.get("model_id", "")),
        commit=commit,
        files=len(walked.files),
        languages=dict(sorted(Counter(sf.language for sf in walked.files).items())),
        added=0,
        changed=0,
        deleted=0,
        unchanged=len(walked.files),
        symbols=counts["symbols"],
        chunks=counts["chunks"],
        edges=counts["edges"],
        edges_resolved=counts["edges_resolved"],
        chunks_embedded=0,
        chunks_cached=0,
        parse_error_files=0,
        lossy_utf8_files=0,
        skipped=dict(sorted(walked.skipped.items())),
        seconds=round(scan, 3),
        model_loaded=False,
        stage_seconds={"scan": round(scan, 3)},
    )


def _identity(uri: str, root: Path, config: IndexerConfig, identity: str) -> dict[str, Any]:
    return {
        "format": MANIFEST_FORMAT,
        "schema_version": SCHEMA_VERSION,
        "repo": str(root),
        "db": uri,
        "config": repr(config),
        "identity": identity,
        "code": _code_digest(),
    }


def _code_digest() -> str:
    """A digest of (name, size, mtime_ns) of specpilot's source files and queries."""
    import specpilot

    h = hashlib.sha1()
    top = os.path.dirname(os.path.abspath(specpilot.__file__))
    for dirpath, dirnames, filenames in os.walk(top, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith((".py", ".scm")):
                st = os.stat(os.path.join(dirpath, name))
                h.update(f"{dirpath[len(top) :]}/{name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _read(path: Path) -> dict[str, Any] | None:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.info("index manifest %s unreadable (%s); running the full index", path, exc)
        return None
    return record if isinstance(record, dict) else None


def _same_file(abs_path: str, entry: Any) -> bool:
    """True when the file still holds the content recorded (stat equal and not racy, or the
    same blob hash)."""
    if not isinstance(entry, list) or len(entry) != 6:
        return False
    try:
        st = os.stat(abs_path)
        if not entry[4] and [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino] == entry[:4]:
            return True
        return blob_hash(Path(abs_path).read_bytes()) == entry[5]
    except OSError:
        return False


def _root_entries(root: Path) -> list[list[Any]]:
    """(name, size, mtime_ns, ctime_ns, inode) of each file at the repository root."""
    out: list[list[Any]] = []
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        return [["<unlistable>"]]
    for e in entries:
        try:
            if e.is_file():
                st = e.stat()
                out.append([e.name, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino])
        except OSError:
            out.append([e.name, "<unreadable>"])
    return out


def _store_digest(uri: str) -> str:
    """A digest of every file under the store directory (relative name, size, mtime_ns)."""
    h = hashlib.sha1()
    if not os.path.isdir(uri):
        return ""
    for dirpath, dirnames, filenames in os.walk(uri):
        dirnames.sort()
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            try:
                st = os.stat(full, follow_symlinks=False)
            except OSError:
                return ""
            h.update(f"{os.path.relpath(full, uri)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()
