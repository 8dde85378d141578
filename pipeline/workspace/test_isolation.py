"""How the test stage sandboxes a run: which isolation to ask for, and what to hide and show.

``choose_isolation`` turns the config and the machine's ``probe_isolation`` into a decision
(or a refusal: ``require_sandbox``, and suggest mode without a file-system sandbox);
``sandbox_paths`` lists what the file-system sandbox must hide (the user's checkout, other
runs) and show read-only (the project's interpreter, the user's ``sandbox_readonly_paths``);
``read_junit`` reads the JUnit XML a hostile test may have replaced (no symlinks, size-capped).
"""

from __future__ import annotations

import os
import shlex
import shutil
import stat
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from specpilot.pipeline.core.config import PipelineConfig
from specpilot.pipeline.core.errors import SandboxError
from specpilot.pipeline.workspace.sandbox import IsolationStatus
from specpilot.pipeline.workspace.sandbox_layout import hidden_places, under
from specpilot.pipeline.workspace.worktree import main_checkout

SUGGEST_NEEDS_FS = (
    "Suggest mode runs tests only inside a file-system sandbox (bubblewrap), and there is none "
    "here: {why}; the tests were not run. Install bubblewrap, or run with --mode pr to test "
    "with network isolation only."
)


@dataclass(frozen=True, slots=True)
class IsolationChoice:
    network: bool
    filesystem: bool
    note: str  # why something is missing ("" when all is in force)


def choose_isolation(
    config: PipelineConfig, status: IsolationStatus | None, *, require_filesystem: bool
) -> IsolationChoice:
    """What to run the tests with; SandboxError when they may not run at all.

    ``status`` is the probe's answer (None when ``config.sandbox`` is off: no probe)."""
    if status is None:
        choice = IsolationChoice(
            False,
            False,
            "sandbox is off in the config: the tests had network access and no isolation",
        )
    elif not status.available:
        choice = IsolationChoice(False, False, f"tests ran WITH network access: {status.reason}")
    elif not status.filesystem or not config.sandbox_filesystem:
        why = "sandbox_filesystem is off" if status.filesystem else status.filesystem_reason
        choice = IsolationChoice(True, False, f"the file system was not isolated: {why}")
    else:
        choice = IsolationChoice(True, True, "")
    if require_filesystem and not choice.filesystem:
        raise SandboxError(SUGGEST_NEEDS_FS.format(why=choice.note))
    if config.require_sandbox and not (choice.network and choice.filesystem):
        raise SandboxError(
            "Tests must run with no network and in a file-system sandbox (require_sandbox) "
            f"but {choice.note}."
        )
    return choice


def sandbox_paths(root: Path, python: str, config: PipelineConfig) -> tuple[list[Path], list[Path]]:
    """(hidden, readonly) for a test run in ``root`` with the interpreter ``python``."""
    hidden = [config.runs_dir]
    if config.worktrees_dir is not None:
        hidden.append(config.worktrees_dir)  # other runs' worktrees; this one is bound back
    main = main_checkout(root)
    if main is not None:
        hidden.append(main)
    readonly = interpreter_paths(python)
    readonly += [Path(p).expanduser() for p in config.sandbox_readonly_paths]
    return [p.resolve() for p in hidden if p.is_absolute()], readonly


def hidden_program(command: str, hidden: Sequence[Path], readonly: Sequence[Path]) -> str:
    """A note when the command's program lives where the file-system sandbox hides it (a
    tool under the home, say): the run would fail with "not found" for a reason of ours."""
    try:
        words = shlex.split(command)
    except ValueError:
        return ""
    if not words:
        return ""
    found = words[0] if "/" in words[0] else shutil.which(words[0])
    if found is None:
        return ""
    program = Path(found).absolute()
    places = hidden_places(hidden, os.environ)
    shown = [p.resolve() for p in readonly]
    if any(under(program, h) for h in places) and not any(under(program, r) for r in shown):
        return (
            f"`{words[0]}` is {program}, in a place the sandbox hides; add its folder to "
            "sandbox_readonly_paths (--set) or run it through the project's interpreter"
        )
    return ""


def interpreter_paths(python: str) -> list[Path]:
    """The virtualenv of ``python``, its base interpreter's prefix, and the resolved binary's."""
    exe = Path(python)
    if not exe.is_absolute():
        return []
    paths: list[Path] = []
    venv = exe.parent.parent
    cfg = venv / "pyvenv.cfg"
    if cfg.is_file():
        paths.append(venv)
        for line in cfg.read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "home" and value.strip():
                paths.append(Path(value.strip()).parent)
    paths.append(exe.resolve().parent.parent)
    if str(exe) == sys.executable:
        paths += [Path(sys.prefix), Path(sys.base_prefix)]
    return list(dict.fromkeys(p for p in paths if p != Path("/")))


def read_junit(path: Path, max_bytes: int, what: str = "The JUnit XML") -> str | None:
    """The JUnit XML (or another file a sandboxed run wrote, named by ``what``) at ``path``;
    None when there is none. The test may have replaced the file with a symlink (to a host
    file) or something huge: both are refused with SandboxError."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SandboxError(f"{what} {path} could not be opened safely: {exc}.") from exc
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise SandboxError(f"{what} {path} is not a regular file.")
        if info.st_size > max_bytes:
            raise SandboxError(
                f"{what} {path} has {info.st_size} bytes, more than the "
                f"{max_bytes}-byte output limit (sandbox_kill_output_bytes)."
            )
        return fh.read(max_bytes).decode("utf-8", errors="replace")
