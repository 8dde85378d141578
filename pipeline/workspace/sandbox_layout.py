"""The bubblewrap command line of the file-system sandbox: what a test sees of the machine.

Mounts, in order (later ones cover earlier ones):

1. ``--ro-bind / /``, a fresh ``/dev`` and ``/proc``: the system is there, read-only;
2. an empty tmpfs over every place that holds the user's data or host sockets — ``/tmp``
   (the sandbox's private ``/tmp``, size-limited; ``HOME`` is ``/tmp/home`` in it),
   ``/var/tmp``, ``/run`` (``/var/run``: ``docker.sock``, ``/run/user/*``), ``/home``,
   ``/root``, ``/mnt``, ``/media``, the user's home, ``$XDG_RUNTIME_DIR`` and
   ``$SPECPILOT_HOME``, and the caller's own (the user's checkout, the runs directory);
3. read-only binds of what the tests need from those places (the project's virtualenv and
   its base interpreter, the user's ``sandbox_readonly_paths``); writable binds of the
   worktree and the caller's ``writable`` paths; the worktree's ``.git`` read-only (a test
   must not point it at another repository or touch git's hooks);
4. ``/dev/null`` over every Unix socket the host had listening (``/proc/net/unix``) that
   would still be visible (a read-only mount does not stop ``connect()``), and over single
   files to hide: the caller's ``hidden`` files and ``$SPECPILOT_AUDIT_KEY_FILE``.

Namespaces: network, PID, IPC, UTS, cgroup (when possible); a new session (no TIOCSTI into
a terminal), all capabilities dropped (root in the sandbox cannot remount anything), killed
with its parent. The environment is cleared and set from the allowlist.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

NAMESPACES = (
    "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
    "--hostname", "specpilot-sandbox", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
)  # fmt: skip
BASE = ("--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc")
SYSTEM_HIDDEN = ("/tmp", "/var/tmp", "/run", "/var/run", "/home", "/root", "/mnt", "/media")
SANDBOX_TMP = "/tmp"
SANDBOX_HOME = "/tmp/home"
_SMALL_TMPFS = 1 << 20  # the placeholders over hidden places hold (almost) nothing


@dataclass(frozen=True, slots=True)
class Layout:
    """What one sandboxed command may see and write."""

    cwd: Path
    writable: tuple[Path, ...] = ()
    readonly: tuple[Path, ...] = ()  # shown read-only, even inside a hidden place
    hidden: tuple[Path, ...] = ()  # dirs (tmpfs) or files (/dev/null) hidden besides ours
    tmp_bytes: int = 1 << 30


def hidden_places(extra: Iterable[Path], environ: Mapping[str, str]) -> list[Path]:
    """The existing directories to cover with an empty tmpfs, outermost only."""
    candidates: list[Path] = [Path(p) for p in SYSTEM_HIDDEN]
    candidates += [Path(p) for p in _user_homes(environ)]
    for name in ("XDG_RUNTIME_DIR", "SPECPILOT_HOME"):  # host sockets; indexes, runs, audit
        if environ.get(name):
            candidates.append(Path(environ[name]))
    candidates += list(extra)
    found: list[Path] = []
    for path in candidates:
        if not path.is_absolute() or path.is_symlink() or not path.is_dir():
            continue  # a symlink such as /var/run -> /run is hidden with its target
        real = path.resolve()
        if real != Path("/") and real not in found:
            found.append(real)
    return [p for p in found if not any(under(p, q) for q in found if q != p)]


def hidden_files(extra: Iterable[Path], environ: Mapping[str, str]) -> list[Path]:
    """Single files to hide: the caller's, and the audit key named in the environment."""
    candidates = list(extra)
    if environ.get("SPECPILOT_AUDIT_KEY_FILE"):
        candidates.append(Path(environ["SPECPILOT_AUDIT_KEY_FILE"]))
    found: list[Path] = []
    for path in candidates:
        if path.is_absolute() and path.is_file():
            real = path.resolve()  # a symlinked key is hidden at its target
            if real not in found:
                found.append(real)
    return found


def _user_homes(environ: Mapping[str, str]) -> list[str]:
    homes = [environ.get("HOME", "")]
    with contextlib.suppress(KeyError):  # a uid without a passwd entry: $HOME is all there is
        homes.append(pwd.getpwuid(os.getuid()).pw_dir)
    return [h for h in homes if h]


def host_sockets() -> list[Path]:
    """Unix sockets bound to a path on the host (``/proc/net/unix``) that exist now."""
    try:
        lines = Path("/proc/net/unix").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    found: list[Path] = []
    for line in lines[1:]:
        fields = line.split(None, 7)
        if len(fields) < 8 or not fields[7].startswith("/"):
            continue  # unnamed or abstract (abstract ones end with the network namespace)
        path = Path(fields[7])
        try:
            if stat.S_ISSOCK(os.lstat(path).st_mode) and path not in found:
                found.append(path)
        except OSError:
            continue
    return found


def bwrap_argv(
    bwrap: str,
    layout: Layout,
    command: str,
    *,
    env: Mapping[str, str],
    environ: Mapping[str, str],
) -> tuple[list[str], list[Path]]:
    """The argv running ``command`` with ``sh -c`` in the sandbox, and the hidden places."""
    cwd = layout.cwd.resolve()
    hidden = hidden_places(layout.hidden, environ)
    argv = [bwrap, *BASE, *NAMESPACES]
    for place in hidden:
        size = layout.tmp_bytes if str(place) == SANDBOX_TMP else _SMALL_TMPFS
        perms = "1777" if str(place) == SANDBOX_TMP else "0755"
        argv += ["--perms", perms, "--size", str(size), "--tmpfs", str(place)]
    argv += ["--dir", SANDBOX_HOME]
    shown = [cwd, *(p.resolve() for p in layout.writable)]
    for path in shown:
        argv += ["--bind", str(path), str(path)]
    for path in layout.readonly:  # after the writable binds: a venv in the worktree stays ro
        real = path.resolve()
        if real.exists() and any(under(real, h) for h in (*hidden, *shown)):
            argv += ["--ro-bind", str(real), str(real)]
            shown.append(real)
    git_link = cwd / ".git"
    if git_link.exists() or git_link.is_symlink():
        argv += ["--ro-bind", str(git_link), str(git_link)]
    # single files (a key file) and host sockets: /dev/null over each one still visible
    for path in (*hidden_files(layout.hidden, environ), *host_sockets()):
        visible = any(under(path, s) for s in shown) or not any(under(path, h) for h in hidden)
        if visible:
            argv += ["--ro-bind", "/dev/null", str(path)]
    argv.append("--clearenv")
    for name, value in env.items():
        argv += ["--setenv", name, value]
    argv += ["--chdir", str(cwd), "sh", "-c", command]
    return argv, hidden


def describe(hidden: Sequence[Path], writable: Sequence[Path]) -> str:
    """The ``filesystem`` line of the isolation record for a bubblewrap run."""
    more = "".join(f", {p}" for p in writable)
    return (
        f"bubblewrap: writable only the worktree, a private /tmp{more}; hidden: "
        + ", ".join(str(p) for p in hidden)
        + " and the host's Unix sockets; everything else read-only"
    )


def under(path: Path, root: Path) -> bool:
    return path == root or root in path.parents
