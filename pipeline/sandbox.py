"""Run a shell command in a sandbox: its own process group, a time limit with kill, no network.

With bubblewrap installed (``bwrap``, Debian package ``bubblewrap``) and ``isolate_filesystem``,
the command also sees the whole file system read-only except its working directory, the
``writable`` paths and a scratch directory of its own (``TMPDIR``, ``XDG_CACHE_HOME`` and
``GOCACHE`` point into it; removed afterwards): tests cannot touch the user's checkout,
policy files, home or other worktrees. (``/tmp`` itself is not replaced by a private one:
a project or its virtualenv may live under it.) Otherwise network isolation uses
``unshare --net --map-root-user --pid --fork --kill-child``: a new network namespace (only a
loopback device, brought up when ``ip`` exists) and a new PID namespace, so every process the
command starts dies with it. When neither works, ``probe_isolation`` says why and the caller
decides (warn and record, or refuse). Secrets-looking environment variables (``*_API_KEY``,
``*_TOKEN``, ``*_SECRET``) are removed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from specpilot.pipeline.errors import SandboxError

log = logging.getLogger(__name__)

_UNSHARE = ("--net", "--map-root-user", "--pid", "--fork", "--kill-child")
_BWRAP_BASE = (
    "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
    "--unshare-net", "--unshare-pid", "--die-with-parent",
)  # fmt: skip
_SECRET_ENV = re.compile(r"(API_KEY|TOKEN|SECRET|PASSWORD)$", re.IGNORECASE)
_KILL_GRACE_S = 2.0
_MAX_READ = 4_000_000  # bytes of output read back (the tail, if longer)


@dataclass(frozen=True, slots=True)
class IsolationStatus:
    available: bool  # no network
    reason: str  # why not, when unavailable; what is used, when available
    filesystem: bool = False  # bubblewrap works: read-only outside the working directory
    filesystem_reason: str = ""  # why not, when it does not


@dataclass(frozen=True, slots=True)
class SandboxResult:
    command: str
    returncode: int | None  # None when killed at the time limit
    output: str  # stdout and stderr interleaved (tail when very long)
    timed_out: bool
    duration_s: float
    network_isolated: bool
    note: str  # what the sandbox did or could not do
    filesystem_isolated: bool = False


def probe_isolation() -> IsolationStatus:
    """What isolation works here: bubblewrap (file system + network), else unshare (network)."""
    bwrap = shutil.which("bwrap")
    bwrap_failed = "bubblewrap (`bwrap`) is not installed"
    if bwrap is not None:
        try:
            proc = subprocess.run(
                [bwrap, *_BWRAP_BASE, "true"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )
            if proc.returncode == 0:
                return IsolationStatus(
                    True,
                    "bubblewrap: read-only file system outside the worktree, no network, own PIDs",
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


def clean_env(base: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in base.items() if not _SECRET_ENV.search(k)}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
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
) -> SandboxResult:
    """Run ``command`` with ``sh -c`` in ``cwd``; kill its whole group at ``timeout_s``.

    ``isolate_network=True`` requires a successful ``probe_isolation()``; the caller checks;
    ``isolate_filesystem=True`` (with it) requires the probe's ``filesystem``: bubblewrap.
    """
    argv = ["sh", "-c", command]
    note = "no network isolation"
    scratch: str | None = None
    if isolate_network and isolate_filesystem:
        bwrap = shutil.which("bwrap")
        if bwrap is None:
            raise SandboxError("File system isolation was requested but `bwrap` is not installed.")
        scratch = tempfile.mkdtemp(prefix="specpilot-sandbox-")
        paths = [str(Path(p).resolve()) for p in (cwd, *writable)] + [scratch]
        binds = [a for p in paths for a in ("--bind", p, p)]
        envs = [
            a
            for name, value in (
                ("TMPDIR", scratch),
                ("XDG_CACHE_HOME", f"{scratch}/.cache"),
                ("GOCACHE", f"{scratch}/.cache/go-build"),
            )
            for a in ("--setenv", name, value)
        ]
        argv = [bwrap, *_BWRAP_BASE, *binds, *envs, "--chdir", paths[0], "sh", "-c", command]
        note = "no network; file system read-only outside the worktree (bubblewrap)"
    elif isolate_network:
        unshare = shutil.which("unshare")
        if unshare is None:
            raise SandboxError("Network isolation was requested but `unshare` is not installed.")
        if shutil.which("ip"):
            inner = 'ip link set lo up 2>/dev/null; exec sh -c "$1"'
            note = "no network (own network namespace with loopback only)"
        else:
            inner = 'exec sh -c "$1"'
            note = "no network (own network namespace; loopback is down: no `ip` program)"
        argv = [unshare, *_UNSHARE, "sh", "-c", inner, "specpilot-sandbox", command]
    started = time.monotonic()
    with tempfile.TemporaryFile() as out, _removed(scratch):
        try:
            proc = subprocess.Popen(
                argv,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=clean_env(env if env is not None else os.environ),
                start_new_session=True,
            )
        except OSError as exc:
            raise SandboxError(
                f"The test command {command!r} could not be started in {str(cwd)!r}: {exc}."
            ) from exc
        timed_out = False
        try:
            returncode: int | None = proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(proc)
            returncode = None
        duration = time.monotonic() - started
        size = out.seek(0, os.SEEK_END)
        out.seek(max(0, size - _MAX_READ))
        output = out.read().decode("utf-8", errors="replace")
    if timed_out:
        output += f"\n[specpilot: killed after the {timeout_s:g} s time limit]\n"
    return SandboxResult(
        command, returncode, output, timed_out, duration, isolate_network, note,
        filesystem_isolated=isolate_network and isolate_filesystem,
    )  # fmt: skip


@contextlib.contextmanager
def _removed(path: str | None) -> Iterator[None]:
    """Remove the sandbox's scratch directory afterwards, however the run ended."""
    try:
        yield
    finally:
        if path is not None:
            shutil.rmtree(path, ignore_errors=True)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group, then SIGKILL it after a short grace period."""
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
    log.warning("killed test command %r (pid %d) at its time limit", proc.args, proc.pid)
