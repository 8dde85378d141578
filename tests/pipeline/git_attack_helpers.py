"""The hostile git config and hook the git attacks plant, and what fired (a marker file)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

from specpilot.pipeline.run.spec import parse_spec

SPEC = parse_spec(
    "---\ntitle: Add a multiply helper\nrisk: low\n---\nAdd `mul` next to `add`.\n",
    source="specs/add-mul.md",
)

OPS = "calc/ops.py"

TESTS = "tests/test_ops.py"

MakeRepo = Callable[..., Path]

# Every command below appends its tag to the marker and behaves (filters pass the content on).
HOOK = """#!/bin/sh
echo "$1" >> {marker}
case "$1" in clean|smudge) exec cat ;; textconv) exec cat "$2" ;; esac
exit 0
"""


def evil_config(hook: str, evil: str) -> str:
    """A git config where every command git might start is the marker hook."""
    c = f"sh {hook}"
    return textwrap.dedent(f"""\
        [core]
        \trepositoryformatversion = 0
        \tbare = false
        \thooksPath = {evil}/hooks
        \tpager = {c} pager
        \teditor = {c} editor
        \tsshCommand = {c} ssh
        \taskPass = {c} askpass
        [diff]
        \texternal = {c} diff-external
        [diff "evil"]
        \ttextconv = {c} textconv
        \tcommand = {c} diff-command
        [filter "evil"]
        \tclean = {c} clean
        \tsmudge = {c} smudge
        [merge "evil"]
        \tdriver = {c} merge-driver
        [commit]
        \tgpgSign = true
        [gpg]
        \tprogram = {hook}
        [include]
        \tpath = {evil}/included.cfg
        """)


def included_config(hook: str) -> str:
    return f"[core]\n\tfsmonitor = sh {hook} fsmonitor-via-include\n"


def fired_hooks(marker: Path) -> list[str]:
    return marker.read_text().split() if marker.exists() else []
