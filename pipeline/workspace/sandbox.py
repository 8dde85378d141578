"""Run a shell command in a sandbox: an allowlisted environment, its own process group, a time
limit with kill, output capped while it is produced, no network, and a file-system sandbox.

Every run gets an **allowlisted environment**: ``PATH``, ``LANG``, ``LC_*``, ``TERM``, ``TZ``
and the names the user passes through, plus a fresh ``HOME`` and ``TMPDIR``; nothing else of
specpilot's environment (cloud keys, database URLs, ``SSH_AUTH_SOCK``) reaches the command.
Output is read from a pipe as it comes (``pipeline.sandbox_output``): head and tail kept,
the command killed past a byte limit.

With bubblewrap (``bwrap``, Debian package ``bubblewrap``) and ``isolate_filesystem``, the
command runs in the layout of ``pipeline.sandbox_layout``: the user's home, ``/tmp``,
``/run``, the checkout and host Unix sockets hidden, writes only to the worktree and a private
``/tmp``, no network, all capabilities dropped. Otherwise network isolation uses
``unshare --net --map-root-user --pid --fork --kill-child``: a new network namespace (only a
loopback device, brought up when ``ip`` exists) and a new PID namespace, so every process the
command starts dies with it — but the file system, the home and host sockets are the host's.
When neither works, ``probe_isolation`` says why and the caller decides (warn and record, or
refuse). Each result carries an ``Isolation`` record of what was in force, and nothing more.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from specpilot.pipeline.core.errors import SandboxError
from specpilot.pipeline.workspace.sandbox_layout import (
    BASE,
    NAMESPACES,
    SANDBOX_HOME,
    SANDBOX_TMP,
    Layout,
    bwrap_argv,
    describe,
)
from specpilot.pipeline.workspace.sandbox_output import CappedOutput, pump

log = logging.getLogger(__name__)

_UNSHARE = ("--net", "--map-root-user", "--pid", "--fork", "--kill-child")
# the probe runs every flag the real sandbox uses, so a bwrap lacking one is found out here
_BWRAP_PROBE = (
    *BASE, *NAMESPACES, "--perms", "1777", "--size", "1048576", "--tmpfs", "/tmp",
    "--dir", SANDBOX_HOME, "--clearenv", "true",
)  # fmt: skip
ALLOWED_ENV = ("PATH", "LANG", "TERM", "TZ")  # and every LC_* variable
_KILL_GRACE_S = 2.0


@dataclass(frozen=True, slots=True)
class IsolationStatus:
    available: bool  # no network
    reason: str  # why not, when unavailable; what is used, when available
    filesystem: bool = False  # bubblewrap works: the file-system sandbox
    filesystem_reason: str = ""  # why not, when it does not


class Isolation(BaseModel):
    """What was in force for one sandboxed command — never more than that."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    network: bool  # True: no network (an own network namespace, loopback only)
    filesystem: str  # "bubblewrap: <what was writable and hidden>" or "none"
    env: Literal["allowlist"] = "allowlist"
    env_names: tuple[str, ...] = ()  # the variables the command got
    home: Literal["private empty", "host"]  # "host": the user's home was readable
    unix_sockets: Literal["hidden", "reachable"]  # host sockets bound to a path


@dataclass(frozen=True, slots=True)
class SandboxLimits:
    keep_output_bytes: int = 1_000_000  # head + tail kept in memory
    kill_output_bytes: int = 20_000_000  # more output than this kills the command
    tmp_bytes: int = 1 << 30  # the private /tmp of the file-system sandbox


@dataclass(frozen=True, slots=True)
class SandboxResult:
    command: str
    returncode: int | None  # None when killed (time or output limit)
    output: str  # stdout and stderr interleaved (head and tail when very long)
    timed_out: bool
    duration_s: float
    network_isolated: bool
    note: str  # what the sandbox did or could not do
    isolation: Isolation
    filesystem_isolated: bool = False
    output_killed: bool = False  # killed for passing the output limit
    output_bytes: int = 0  # bytes the command wrote, kept or not


def probe_isolation() -> IsolationStatus:
    """What isolation works here: bubblewrap (file system + network), else unshare (network)."""
    bwrap = shutil.which("bwrap")
    bwrap_failed = "bubblewrap (`bwrap`) is not installed"
    if bwrap is not None:
        try:
            proc = subprocess.run(
                [bwrap, *_BWRAP_PROBE], capture_output=True, text=True, timeout=10, check=False
            )
            if proc.returncode == 0:
                return IsolationStatus(
                    True,
                    "bubblewrap: file-system sandbox, no network, own PIDs",
                    filesystem=True,
                )
            bwrap_failed = f"bubblewrap failed ({proc.stderr.strip()[:200] or 'no output'})"
        except (OSError, subprocess.TimeoutExpired) as exc:
            bwrap_failed = f"bubblewrap could not be run: {exc}"
    status = _probe_unshare()
    return IsolationStatus(status.available, status.reason, filesystem_reason=bwrap_failed)


def _probe_unshare() -> IsolationStatus:
    unshare = shutil.which("unshare")
    if unshare is None:
        return IsolationStatus(False, "the `unshare` program is not installed (util-linux)")
    try:
        proc = subprocess.run(
            [unshare, *_UNSHARE, "true"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return IsolationStatus(False, f"`unshare` could not be run: {exc}")
    if proc.returncode != 0:
        detail = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "no output"
        return IsolationStatus(
            False,
            f"`unshare {' '.join(_UNSHARE)}` failed ({detail}); unprivileged user namespaces "
            "may be disabled on this machine",
        )
    return IsolationStatus(True, "network and PID namespaces via unshare")


def clean_env(
    base: Mapping[str, str], passthrough: Sequence[str] = (), *, home: str, tmpdir: str
) -> dict[str, str]:
    """The allowlisted environment: PATH, LANG, LC_*, TERM, TZ, the pass-through names, and
    a fresh HOME and TMPDIR (caches inside them)."""
    keep = set(ALLOWED_ENV) | set(passthrough)
    env = {k: v for k, v in base.items() if k in keep or k.startswith("LC_")}
    env.update(
        HOME=home,
        TMPDIR=tmpdir,
        XDG_CACHE_HOME=f"{home}/.cache",
        GOCACHE=f"{home}/.cache/go-build",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def run_command(
    command: str,
    *,
    cwd: Path,
    timeout_s: float,
    isolate_network: bool,
    env: Mapping[str, str] | None = None,
    isolate_filesystem: bool = False,
    writable: Sequence[Path] = (),
    readonly: Sequence[Path] = (),
    hidden: Sequence[Path] = (),
    env_passthrough: Sequence[str] = (),
    limits: SandboxLimits = SandboxLimits(),
) -> SandboxResult:
    """Run ``command`` with ``sh -c`` in ``cwd``; kill its whole group at ``timeout_s`` or
    past ``limits.kill_output_bytes`` of output. ``env`` (default: ours) is only the source
    the allowlist picks from.

    ``isolate_network=True`` requires a successful ``probe_isolation()``; the caller checks;
    ``isolate_filesystem=True`` (with it) requires the probe's ``filesystem``: bubblewrap.
    ``writable`` paths are writable besides ``cwd``; ``readonly`` paths are shown read-only
    even inside a hidden place; ``hidden`` places are hidden besides the standard ones.
    """
    base = env if env is not None else os.environ
    boxed = isolate_network and isolate_filesystem
    started = time.monotonic()
    with _scratch() as scratch:
        if boxed:
            child_env = clean_env(base, env_passthrough, home=SANDBOX_HOME, tmpdir=SANDBOX_TMP)
            argv, isolation, note = _bubblewrap(
                command, cwd, writable, readonly, hidden, limits, child_env, base
            )
        else:
            home, tmp = scratch / "home", scratch / "tmp"
            home.mkdir()
            tmp.mkdir()
            child_env = clean_env(base, env_passthrough, home=str(home), tmpdir=str(tmp))
            argv, note = _unshare(command) if isolate_network else (["sh", "-c", command], "")
            note = note or "no network isolation"
            isolation = Isolation(
                network=isolate_network, filesystem="none", env_names=tuple(sorted(child_env)),
                home="host", unix_sockets="reachable",
            )  # fmt: skip
        try:
            proc = subprocess.Popen(
                argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, env=child_env, start_new_session=True,
            )  # fmt: skip
        except OSError as exc:
            raise SandboxError(
                f"The test command {command!r} could not be started in {str(cwd)!r}: {exc}."
            ) from exc
        out = CappedOutput(limits.keep_output_bytes)
        with proc:
            ended = pump(
                proc, out, timeout_s=timeout_s, kill_bytes=limits.kill_output_bytes,
                kill=lambda why: _kill_group(proc, why),
            )  # fmt: skip
            returncode = None if ended.timed_out or ended.over_limit else proc.wait()
    output = out.text()
    if ended.timed_out:
        output += f"\n[specpilot: killed after the {timeout_s:g} s time limit]\n"
    if ended.over_limit:
        output += (
            f"\n[specpilot: killed: the output passed the {limits.kill_output_bytes}-byte "
            f"limit (sandbox_kill_output_bytes); {out.kept} bytes kept, head and tail]\n"
        )
    return SandboxResult(
        command, returncode, output, ended.timed_out, time.monotonic() - started,
        isolate_network, note, isolation, filesystem_isolated=boxed,
        output_killed=ended.over_limit, output_bytes=out.total,
    )  # fmt: skip


def _bubblewrap(
    command: str,
    cwd: Path,
    writable: Sequence[Path],
    readonly: Sequence[Path],
    hidden: Sequence[Path],
    limits: SandboxLimits,
    child_env: Mapping[str, str],
    base: Mapping[str, str],
) -> tuple[list[str], Isolation, str]:
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxError("File system isolation was requested but `bwrap` is not installed.")
    layout = Layout(
        cwd=cwd, writable=tuple(writable), readonly=tuple(readonly), hidden=tuple(hidden),
        tmp_bytes=limits.tmp_bytes,
    )  # fmt: skip
    argv, places = bwrap_argv(bwrap, layout, command, env=child_env, environ=base)
    isolation = Isolation(
        network=True, filesystem=describe(places, [p.resolve() for p in writable]),
        env_names=tuple(sorted(child_env)), home="private empty", unix_sockets="hidden",
    )  # fmt: skip
    return argv, isolation, "no network; file-system sandbox (bubblewrap)"


def _unshare(command: str) -> tuple[list[str], str]:
    unshare = shutil.which("unshare")
    if unshare is None:
        raise SandboxError("Network isolation was requested but `unshare` is not installed.")
    if shutil.which("ip"):
        inner = 'ip link set lo up 2>/dev/null; exec sh -c "$1"'
        note = "no network (own network namespace with loopback only)"
    else:
        inner = 'exec sh -c "$1"'
        note = "no network (own network namespace; loopback is down: no `ip` program)"
    return [unshare, *_UNSHARE, "sh", "-c", inner, "specpilot-sandbox", command], note


@contextlib.contextmanager
def _scratch() -> Iterator[Path]:
    """A scratch directory (HOME and TMPDIR without bubblewrap), removed however it ended."""
    path = Path(tempfile.mkdtemp(prefix="specpilot-sandbox-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _kill_group(proc: subprocess.Popen[bytes], why: str) -> None:
    """SIGTERM the process group, then SIGKILL it after a short grace period.

    Under bubblewrap the group is bwrap itself: its sandboxed child dies with it
    (``--die-with-parent``) and takes its PID namespace along."""
    for sig, wait_s in ((signal.SIGTERM, _KILL_GRACE_S), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait_s)
            break
        except subprocess.TimeoutExpired:
            continue
    # Children that outlived the leader in the same group (no PID namespace) get SIGKILL too.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    reason = {
        "time": "at its time limit",
        "output": "for passing the output limit",
        "leftovers": "after it exited (processes it left behind)",
    }[why]
    log.log(
        logging.INFO if why == "leftovers" else logging.WARNING,
        "killed test command %r (pid %d) %s", proc.args, proc.pid, reason,
    )  # fmt: skip
