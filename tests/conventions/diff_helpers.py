"""Helpers for the check_diff tests: a `git diff` of a new file and the (line, rule) pairs flagged."""

from __future__ import annotations

import textwrap
from collections.abc import Callable

from specpilot.conventions import (
    ConventionProfile,
    Violation,
)

ProfileOf = Callable[[str], ConventionProfile]


def new_file(path: str, text: str) -> str:
    """A `git diff` of a new file."""
    lines = textwrap.dedent(text).lstrip("\n").splitlines()
    body = "".join(f"+{line}\n" for line in lines)
    return (
        f"diff --git a/{path} b/{path}\nnew file mode 100644\nindex 0000000..1111111\n"
        f"--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,{len(lines)} @@\n{body}"
    )


def rules(violations: list[Violation]) -> set[tuple[int, str]]:
    return {(v.line, v.rule) for v in violations}
