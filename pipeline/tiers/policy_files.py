"""Reading the policy's files — ``pyproject.toml``'s ``[tool.specpilot]`` and
``.specpilot/policy.toml`` — from the work tree or a commit, and where in ``pyproject.toml``
the specpilot tables stand (the ``policy.self`` rule)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

from specpilot.pipeline.core.errors import PolicyError
from specpilot.pipeline.core.toml_text import TomlTextError, decode_utf8, load_toml_bytes

PYPROJECT = "pyproject.toml"


def read_policy_text(repo: Path, rel: str, ref: str | None) -> str | None:
    if ref is None:
        path = repo / rel
        if not path.is_file():
            return None
        try:
            return _utf8(path.read_bytes(), rel)
        except OSError as err:
            raise PolicyError(f"Cannot read the policy file {rel}: {err.strerror}.") from None
    done = subprocess.run(
        ["git", "show", f"{ref}:{rel}"], cwd=repo, capture_output=True, timeout=30
    )
    if done.returncode == 0:
        return _utf8(done.stdout, f"{rel} at {ref!r}")
    check = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=30,
    )
    if check.returncode != 0:
        raise PolicyError(f"Cannot read the policy of {repo} at {ref!r}: no such commit.")
    return None  # the file does not exist at that commit


def _utf8(data: bytes, name: str) -> str:
    try:
        return decode_utf8(data)
    except TomlTextError as exc:
        raise PolicyError(f"{name} {exc.detail}.") from None


def parse_toml(text: str, name: str) -> dict[str, Any]:
    """The policy's TOML document (``pyproject.toml`` or the policy file); PolicyError."""
    try:
        doc = load_toml_bytes(text.encode("utf-8"))
    except TomlTextError as exc:
        if exc.kind == "syntax":
            raise PolicyError(
                f"{name} is not valid TOML ({exc.detail}); fix it to load the policy."
            ) from None
        raise PolicyError(f"{name} {exc.detail}; fix it to load the policy.") from None
    tool = doc.get("tool", {}) if name == PYPROJECT else {}
    if not isinstance(tool, dict) or not isinstance(tool.get("specpilot", {}), dict):
        bad = "[tool]" if not isinstance(tool, dict) else "[tool.specpilot]"
        raise PolicyError(f"{bad} in {name} must be a table; fix it to load the policy.")
    return doc


def specpilot_ranges(pyproject_text: str) -> tuple[tuple[int, int], ...]:
    """1-based inclusive line ranges of the ``[tool.specpilot*]`` tables of a pyproject.toml."""
    ranges: list[tuple[int, int]] = []
    lines = pyproject_text.split("\n")
    start: int | None = None
    table = ""
    for no, line in enumerate(lines, start=1):
        m = _HEADER_RE.match(line)
        if m:
            table = re.sub(r"[\s\"']", "", m.group(1))
            ours = table == "tool.specpilot" or table.startswith("tool.specpilot.")
            if ours and start is None:
                start = no
            elif not ours and start is not None:
                ranges.append((start, no - 1))
                start = None
        elif start is None and _DOTTED_RE.match(line) and table in ("", "tool"):
            ranges.append((no, no))  # tool.specpilot.x = ... / specpilot = {...} under [tool]
    if start is not None:
        ranges.append((start, len(lines)))
    return tuple(ranges)


_HEADER_RE = re.compile(r"^\s*\[\[?\s*([^\[\]]+?)\s*\]\]?\s*(?:#.*)?$")
_DOTTED_RE = re.compile(r"^\s*(?:tool\s*\.\s*)?[\"']?specpilot[\"']?\s*(?:\.|=(?!=))")
