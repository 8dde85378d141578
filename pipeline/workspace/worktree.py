"""Git worktrees for the code stage: the agent never touches the user's checkout.

A run gets a new branch ``<prefix><slug>`` checked out in a worktree of its own (by default
under ``<git common dir>/specpilot/worktrees/``), or — in suggest mode — a detached worktree
that is removed at the end. Every git call goes through ``pipeline.gitenv`` (a fixed
environment: no system or global config, no hooks, no fsmonitor, no pager, no signing).

The worktree is written by the agent and its tests, so git is never pointed at it blindly:

- ``create_worktree`` records what git wrote (``pipeline.worktree_pins``); every later git call
  on the worktree first checks that its ``.git`` file and admin dir still say so, and raises
  :class:`WorktreeTampered` (running nothing) when they do not;
- git then runs with ``GIT_DIR`` / ``GIT_COMMON_DIR`` / ``GIT_WORK_TREE`` pinned, so a rewritten
  ``.git`` file would not be followed anyway;
- the agent's files are read by specpilot itself (``lstat``, no symlink followed) and hashed
  with the **base commit's** ``.gitattributes`` (so an encrypting or LFS filter the repository
  set up still applies, but attributes the agent wrote name no driver); trees are built in a
  private index and committed with ``commit-tree`` + ``update-ref`` (no hook can run);
- diffs are tree-to-tree in a context without any in-tree attributes, with ``--no-ext-diff
  --no-textconv``: no driver runs and a planted ``-diff`` cannot hide a change.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from specpilot.pipeline.core.errors import WorktreeError, WorktreeTampered
from specpilot.pipeline.workspace.gitenv import GitPlace, run_git
from specpilot.pipeline.workspace.worktree_pins import WorktreePins, read_pins, tamper_reason

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Worktree:
    repo: Path  # the user's repository (its top level)
    path: Path  # the worktree's directory
    branch: str | None  # None: detached
    base_ref: str  # what the user asked for ("main", "HEAD")
    base_commit: str  # the commit it started from
    pins: WorktreePins | None = None  # what git wrote at creation (None: not made by us)


def _run(
    args: Sequence[str],
    place: GitPlace,
    *,
    check: bool = True,
    stdin: str | bytes | None = None,
    env: Mapping[str, str] | None = None,
) -> str:
    where = str(place.work_tree or place.cwd)
    try:
        proc = run_git(args, place, stdin=stdin, env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise WorktreeError(f"git {' '.join(args)} could not run in {where!r}: {exc}.") from exc
    if check and proc.returncode != 0:
        raise WorktreeError(
            f"git {' '.join(args)} failed in {where!r} (exit {proc.returncode}): "
            f"{proc.stderr.strip() or proc.stdout.strip()}"
        )
    return proc.stdout


def git(
    args: Sequence[str], *, cwd: Path, check: bool = True, env: dict[str, str] | None = None
) -> str:
    """git in the user's repository at ``cwd`` (never in a worktree the agent wrote)."""
    return _run(args, GitPlace(cwd), check=check, env=env)


def repo_root(path: Path) -> Path:
    """The top level of the git repository containing ``path``."""
    if not path.exists():
        raise WorktreeError(f"The repository path {str(path)!r} does not exist.")
    try:
        return Path(git(["rev-parse", "--show-toplevel"], cwd=path).strip())
    except WorktreeError as exc:
        raise WorktreeError(
            f"{str(path)!r} is not inside a git repository; specpilot needs one to make a "
            "branch and a worktree."
        ) from exc


def resolve_commit(repo: Path, ref: str) -> str:
    try:
        return git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=repo).strip()
    except WorktreeError as exc:
        raise WorktreeError(
            f"The base {ref!r} is not a branch, tag or commit in {str(repo)!r}; set 'base' in "
            "the spec to an existing branch (and make sure the repository has a commit)."
        ) from exc


def _git_common_dir(path: Path) -> Path:
    common = Path(git(["rev-parse", "--git-common-dir"], cwd=path).strip())
    return common if common.is_absolute() else (path / common).resolve()


def default_worktrees_root(repo: Path) -> Path:
    return _git_common_dir(repo) / "specpilot" / "worktrees"


def main_checkout(path: Path) -> Path | None:
    """The work tree a git worktree at ``path`` was made from (the parent of the common
    ``.git``); None outside git or for a bare repository."""
    try:
        common = _git_common_dir(path)
    except WorktreeError:
        return None
    return common.parent if common.name == ".git" else None


def branch_exists(repo: Path, branch: str) -> bool:
    out = git(["branch", "--list", branch], cwd=repo)
    return bool(out.strip())


def unique_branch(repo: Path, name: str) -> str:
    """``name``, or ``name-2``, ``name-3`` ... when it exists (logged)."""
    candidate, n = name, 1
    while branch_exists(repo, candidate):
        n += 1
        candidate = f"{name}-{n}"
    if candidate != name:
        log.info("branch %s exists; using %s", name, candidate)
    return candidate


def create_worktree(repo: Path, *, path: Path, base: str | None, branch: str | None) -> Worktree:
    """A worktree at ``path`` on a new ``branch`` (or detached when None) from ``base``."""
    top = repo_root(repo)
    base_ref = base or "HEAD"
    base_commit = resolve_commit(top, base_ref)
    if path.exists():
        raise WorktreeError(f"The worktree path {str(path)!r} already exists.")
    path.parent.mkdir(parents=True, exist_ok=True)
    args = ["worktree", "add", "--quiet"]
    args += (
        ["-b", branch, str(path), base_commit] if branch else ["--detach", str(path), base_commit]
    )
    git(args, cwd=top)
    pins = read_pins(path)
    if pins.common_dir != _git_common_dir(top).resolve():
        raise WorktreeError(f"git made {str(path)!r} for another repository than {str(top)!r}.")
    log.info(
        "worktree %s on %s from %s (%s)",
        path,
        branch or "detached HEAD",
        base_ref,
        base_commit[:10],
    )
    return Worktree(top, path, branch, base_ref, base_commit, pins)


def check_worktree(wt: Worktree) -> WorktreePins:
    """The worktree's pins, after checking git's metadata still says what git wrote."""
    if wt.pins is None:
        raise WorktreeError(f"{str(wt.path)!r} was not made by create_worktree in this process.")
    reason = tamper_reason(wt.path, wt.pins)
    if reason is not None:
        raise WorktreeTampered(
            f"{reason}. Something the agent ran (its tests) rewrote git's metadata of the "
            f"worktree {str(wt.path)!r}; specpilot runs no git command in it any more."
        )
    return wt.pins


def _in_worktree(wt: Worktree) -> GitPlace:
    pins = check_worktree(wt)
    return GitPlace(wt.path, git_dir=pins.git_dir, common_dir=pins.common_dir, work_tree=wt.path)


def _isolated(pins: WorktreePins, tmp: Path, name: str) -> GitPlace:
    """The repository's objects with a private index and a private (attributes-only) work
    tree: nothing the agent wrote is read by git here."""
    tree = tmp / name
    tree.mkdir()
    return GitPlace(tree, git_dir=pins.common_dir, work_tree=tree, index_file=tmp / f"{name}.idx")


def tree_with(wt: Worktree, paths: Sequence[str]) -> str:
    """The tree of the worktree's HEAD with ``paths`` as they are on disk now (built in a
    private index: the worktree's own index is not read or written)."""
    place = _in_worktree(wt)
    head = _run(["rev-parse", "--verify", "HEAD^{commit}"], place).strip()
    with tempfile.TemporaryDirectory(prefix="specpilot-git-") as tmp:
        attrs = _isolated(check_worktree(wt), Path(tmp), "attrs")
        _write_base_attributes(wt.base_commit, attrs)
        _run(["read-tree", head], attrs)
        info = "".join(_index_line(wt, rel, attrs, len(head)) for rel in paths)
        _run(["update-index", "-z", "--index-info"], attrs, stdin=info)
        return _run(["write-tree"], attrs).strip()


def diff_against_base(wt: Worktree, paths: Sequence[str]) -> str:
    """The diff of ``paths`` (new files included) from the base commit to the worktree."""
    if not paths:
        return ""
    tree = tree_with(wt, paths)
    with tempfile.TemporaryDirectory(prefix="specpilot-git-") as tmp:
        bare = _isolated(check_worktree(wt), Path(tmp), "empty")
        return _run(
            ["diff", "--binary", "--no-ext-diff", "--no-textconv", "--no-color",
             "--src-prefix=a/", "--dst-prefix=b/", wt.base_commit, tree, "--", *paths],
            bare,
        )  # fmt: skip


def commit_paths(
    wt: Worktree, paths: Sequence[str], message: str, *, author_name: str, author_email: str
) -> str:
    """Commit exactly ``paths`` (what the agent wrote) and return the new commit's sha.

    The worktree's index is then reset to the new commit without stat data (``read-tree``
    reads no file of the worktree, so no filter runs); git refreshes it on the next
    ``git status`` there."""
    tree = tree_with(wt, paths)
    place = _in_worktree(wt)
    head = _run(["rev-parse", "--verify", "HEAD^{commit}"], place).strip()
    identity = {
        "GIT_AUTHOR_NAME": author_name,
        "GIT_AUTHOR_EMAIL": author_email,
        "GIT_COMMITTER_NAME": author_name,
        "GIT_COMMITTER_EMAIL": author_email,
    }
    text = message.strip() + "\n"
    sha = _run(["commit-tree", tree, "-p", head, "-F", "-"], place, stdin=text, env=identity)
    sha = sha.strip()
    _run(["update-ref", "-m", "specpilot: commit", "HEAD", sha, head], _in_worktree(wt))
    _run(["read-tree", sha], _in_worktree(wt))
    return sha


def _write_base_attributes(base: str, place: GitPlace) -> None:
    """Copy the base commit's ``.gitattributes`` files into ``place``'s work tree, so hashing
    there applies the repository's filters and line endings, never the agent's."""
    listed = _run(["ls-tree", "-r", "-z", "--full-tree", "--name-only", base], place)
    for name in listed.split("\0"):
        parts = PurePosixPath(name).parts
        if not parts or parts[-1] != ".gitattributes" or {"..", ".git"} & set(parts):
            continue
        blob = _run(["cat-file", "blob", f"{base}:{name}"], place)
        target = Path(place.cwd, *parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(blob.encode("utf-8", errors="surrogateescape"))


def _index_line(wt: Worktree, rel: str, place: GitPlace, hash_len: int) -> str:
    """One ``--index-info`` line for ``rel`` as it is on disk (mode 0: removed)."""
    parts = PurePosixPath(rel).parts
    if not parts or PurePosixPath(rel).is_absolute() or {"..", ".git", "."} & set(parts):
        raise WorktreeError(f"{rel!r} is not a path inside the worktree.")
    root = wt.path.resolve()
    full = root.joinpath(*parts)
    if os.path.realpath(full.parent) != str(full.parent):
        raise WorktreeError(
            f"A directory on the path of {rel} is now a symlink; specpilot does not commit "
            "files through symlinks."
        )
    try:
        st = os.lstat(full)
    except FileNotFoundError:
        return f"0 {'0' * hash_len}\t{rel}\0"
    if stat.S_ISLNK(st.st_mode):
        mode, data, hashing = "120000", os.fsencode(os.readlink(full)), ["--no-filters"]
    elif stat.S_ISREG(st.st_mode):
        mode = "100755" if st.st_mode & stat.S_IXUSR else "100644"
        fd = os.open(full, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as fh:
            data = fh.read()
        hashing = [f"--path={rel}"]
    else:
        raise WorktreeError(f"{rel} is no longer a file in the worktree; it cannot be committed.")
    sha = _run(["hash-object", "-w", "--stdin", *hashing], place, stdin=data).strip()
    return f"{mode} {sha}\t{rel}\0"


def remove_worktree(wt: Worktree, *, delete_branch: bool) -> None:
    """Remove the worktree directory and its admin entry; optionally delete its branch.

    A worktree whose git metadata was tampered with is deleted without asking git about it."""
    tampered = wt.pins is not None and tamper_reason(wt.path, wt.pins) is not None
    if wt.path.exists() or wt.path.is_symlink():
        try:
            if tampered:
                raise WorktreeError("its .git metadata was tampered with")
            git(["worktree", "remove", "--force", "--force", str(wt.path)], cwd=wt.repo)
        except WorktreeError as exc:
            log.warning("git worktree remove skipped or failed (%s); deleting %s", exc, wt.path)
            _delete(wt.path)
    if tampered and wt.pins is not None and wt.pins.git_dir.parent.name == "worktrees":
        _delete(wt.pins.git_dir)
    git(["worktree", "prune"], cwd=wt.repo)
    if delete_branch and wt.branch:
        git(["branch", "-D", wt.branch], cwd=wt.repo)


def _delete(path: Path) -> None:
    """Delete ``path`` without following any symlink in it."""
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path)
