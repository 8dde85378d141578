"""The one way specpilot starts git: ``run_git``, with a fixed environment.

Every git subprocess of the pipeline (worktrees, commits, diffs, deploy, the fake GitHub) goes
through here, so none of them reads configuration, hooks or attributes that the agent or its
tests could have written, and none of them starts a command that such files name:

- **no system or global config** (``GIT_CONFIG_NOSYSTEM=1``, ``GIT_CONFIG_GLOBAL=/dev/null``,
  ``GIT_ATTR_NOSYSTEM=1``); only the repository's own ``.git/config`` (the user's) is read.
  ``network=True`` (fetch, push, ls-remote) keeps the user's system and global config and the
  ``GIT_SSH*`` / ``GIT_ASKPASS`` / ``GIT_HTTP*`` variables, which credentials need;
- **every inherited ``GIT_*`` variable is dropped** (``GIT_DIR``, ``GIT_CONFIG_PARAMETERS``,
  ``GIT_EXTERNAL_DIFF``, ``GIT_PAGER`` ...); the caller pins ``GIT_DIR`` / ``GIT_COMMON_DIR`` /
  ``GIT_WORK_TREE`` / ``GIT_INDEX_FILE`` explicitly, so a rewritten ``.git`` file is not followed;
- **overrides on the command line** (they beat every config file): ``core.fsmonitor=false``,
  ``core.hooksPath=/dev/null``, ``core.attributesFile=/dev/null``, ``core.pager=cat``,
  ``commit.gpgSign=false``, ``tag.gpgSign=false``, ``gc.auto=0``, ``maintenance.auto=false``,
  ``submodule.recurse=false``, ``protocol.ext.allow=never``, ``safe.directory=<the directory
  git runs on>``; plus ``--no-pager``, ``GIT_EDITOR=:``, ``GIT_TERMINAL_PROMPT=0``.

What this module does *not* neutralize is left to its callers: external diff and textconv
drivers (pass ``--no-ext-diff --no-textconv`` to every ``diff``), filter drivers named by
``.gitattributes`` (``pipeline.worktree`` hashes the agent's files with the base commit's
attributes, never the worktree's), and ``include.path`` inside the repository's own config.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# Overrides applied to every git call (``-c key=value`` beats every config file).
FIXED_CONFIG: tuple[tuple[str, str], ...] = (
    ("core.fsmonitor", "false"),
    ("core.hooksPath", os.devnull),
    ("core.attributesFile", os.devnull),
    ("core.pager", "cat"),
    ("commit.gpgSign", "false"),
    ("tag.gpgSign", "false"),
    ("gc.auto", "0"),
    ("maintenance.auto", "false"),
    ("submodule.recurse", "false"),
    ("protocol.ext.allow", "never"),
)
# Inherited variables a network call (fetch / push / ls-remote) may keep: credentials, proxies.
_NETWORK_KEEP = ("GIT_SSH", "GIT_ASKPASS", "GIT_HTTP", "GIT_SSL", "GIT_CURL", "GIT_PROXY")


@dataclass(frozen=True, slots=True)
class GitPlace:
    """Where git runs: ``cwd`` and the locations pinned for it (None: git finds them)."""

    cwd: Path
    git_dir: Path | None = None
    common_dir: Path | None = None
    work_tree: Path | None = None
    index_file: Path | None = None


def git_env(
    place: GitPlace, *, network: bool = False, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of one git call: ours minus every ``GIT_*``, plus the fixed values."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GIT_") or (network and k.startswith(_NETWORK_KEEP))
    }
    env.update(
        GIT_TERMINAL_PROMPT="0",
        GIT_EDITOR=":",
        GIT_SEQUENCE_EDITOR=":",
        GIT_PAGER="cat",
        GIT_ATTR_NOSYSTEM="1",
        LC_ALL="C",
    )
    if not network:
        env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)
    pins = {
        "GIT_DIR": place.git_dir,
        "GIT_COMMON_DIR": place.common_dir,
        "GIT_WORK_TREE": place.work_tree,
        "GIT_INDEX_FILE": place.index_file,
    }
    env.update({name: str(path) for name, path in pins.items() if path is not None})
    env.update(extra or {})
    return env


def git_argv(args: Sequence[str], place: GitPlace) -> list[str]:
    """``git --no-pager -c ... <args>`` with the fixed overrides."""
    safe = place.work_tree or place.git_dir or place.cwd
    pairs = (*FIXED_CONFIG, ("safe.directory", str(Path(safe).resolve())))
    return ["git", "--no-pager", *(a for k, v in pairs for a in ("-c", f"{k}={v}")), *args]


def run_git(
    args: Sequence[str],
    place: GitPlace,
    *,
    stdin: str | bytes | None = None,
    env: Mapping[str, str] | None = None,
    network: bool = False,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run git at ``place``; raises OSError / TimeoutExpired like ``subprocess.run``.

    stdout is decoded as UTF-8 (undecodable bytes kept as surrogates), stderr with
    replacement characters; ``stdin`` may be text or bytes (a file's exact content).
    """
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    done = subprocess.run(
        git_argv(args, place),
        cwd=place.cwd,
        input=data,
        stdin=subprocess.DEVNULL if data is None else None,
        capture_output=True,
        env=git_env(place, network=network, extra=env),
        timeout=timeout,
        check=False,
    )
    return subprocess.CompletedProcess(
        done.args,
        done.returncode,
        done.stdout.decode("utf-8", errors="surrogateescape"),
        done.stderr.decode("utf-8", errors="replace"),
    )
