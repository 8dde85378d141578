"""Data types: per-file measurements (in-process, frozen), the profile and violations.

``FileFacts`` is what one file contributes: counts of ``family=variant`` observations with a
few example lines each, tooling settings read from config files, and a few whole items
(exception classes) that aggregation needs by name. ``ConventionProfile`` — a pydantic model
with a schema version — is what crosses the store, the CLI and the model prompt.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict

from specpilot.conventions.errors import FactsError
from specpilot.conventions.scope import EXCLUDE_DIRS, EXCLUDE_FILES, in_scope

PROFILE_SCHEMA_VERSION = 1
FACTS_VERSION = 2  # bump when a measurement changes: stored facts of older versions are redone


def fact_key(family: str, variant: str) -> str:
    return f"{family}={variant}"


def split_key(key: str) -> tuple[str, str]:
    family, _, variant = key.partition("=")
    return family, variant


@dataclass(frozen=True, slots=True)
class Observation:
    """One measured occurrence: ``family`` (e.g. ``naming.function``) took ``variant``."""

    family: str
    variant: str
    line: int
    subject: str = ""  # what was observed (a name, a call, a file name), for messages
    file_level: bool = False  # a property of the whole file: only checked on new files


@dataclass(frozen=True, slots=True)
class Setting:
    """A formatter/linter setting read from a config file at the repo root."""

    language: str  # the language group it applies to ("python", "javascript", "go", "rust")
    tool: str  # "ruff", "black", "prettier", ...
    key: str  # "present", "line_length", "quote_style", "indent"
    value: str
    line: int
    default: bool = False  # the tool's default: the file names the tool, not this value
    note: str = ""  # how the value follows from the file ("max-line-length 80 + 10 % (B950)")


@dataclass(frozen=True, slots=True)
class Item:
    """A whole observation kept by name (exception classes: subject = class, variant = base)."""

    family: str
    variant: str
    subject: str
    line: int


@dataclass(frozen=True, slots=True)
class FileFacts:
    path: str
    language: str  # the file's language id, or "config" for a tooling config file
    counts: Mapping[str, int] = field(default_factory=dict)  # "family=variant" -> count
    examples: Mapping[str, tuple[int, ...]] = field(default_factory=dict)  # first lines
    settings: tuple[Setting, ...] = ()
    items: tuple[Item, ...] = ()

    def to_json(self) -> str:
        data = asdict(self)
        data["counts"] = dict(sorted(self.counts.items()))
        data["examples"] = {k: list(v) for k, v in sorted(self.examples.items())}
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> FileFacts:
        try:
            d = json.loads(text)
            return cls(
                path=d["path"],
                language=d["language"],
                counts={str(k): int(v) for k, v in d.get("counts", {}).items()},
                examples={str(k): tuple(v) for k, v in d.get("examples", {}).items()},
                settings=tuple(Setting(**s) for s in d.get("settings", ())),
                items=tuple(Item(**i) for i in d.get("items", ())),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise FactsError(
                f"stored convention facts {text[:80]!r} cannot be read ({exc}); "
                "re-index with --rebuild."
            ) from exc


class Convention(BaseModel):
    """One measured convention of one language group."""

    model_config = ConfigDict(frozen=True)

    id: str  # "python.naming.function", "python.errors.except.avoid-bare"
    language: str  # language group: python, javascript (JS and TS), go, java, rust
    category: str  # naming, docstrings, types, errors, logging, tests, imports, formatting, ...
    rule: str  # the measured family: "naming.function"
    value: str  # the convention's variant: "snake_case" (for an avoid rule: the avoided one)
    kind: str = "dominant"  # "dominant" | "avoid" | "setting" | "limit"
    statement: str  # a sentence for a human or the model
    evidence: str  # "snake_case functions: 412/415"
    numerator: int
    denominator: int
    prevalence: float
    confidence: float
    strong: bool
    examples: list[str] = []  # "path:line" that follow it
    exceptions: list[str] = []  # "path:line" that do not
    variants: dict[str, int] = {}  # the measured distribution of the family
    # settings: the tool, the file and line, and how the value follows from it
    tool: str = ""  # "ruff"
    source: str = ""  # "pyproject.toml:6"
    note: str = ""  # "" (written there), "default" (the tool's), or how it is derived


class ConventionProfile(BaseModel):
    """A repository's measured conventions (see docs/conventions.md for the JSON shape)."""

    model_config = ConfigDict(frozen=True)

    schema_version: int = PROFILE_SCHEMA_VERSION
    files: dict[str, int] = {}  # files measured per language group
    conventions: list[Convention] = []
    # the files left out of the measurement (conventions.scope); ``check`` skips them too
    exclude_dirs: list[str] = list(EXCLUDE_DIRS)
    exclude_files: list[str] = list(EXCLUDE_FILES)

    def get(self, convention_id: str) -> Convention | None:
        return next((c for c in self.conventions if c.id == convention_id), None)

    def strong(self, language: str | None = None) -> list[Convention]:
        return [
            c for c in self.conventions if c.strong and (language is None or c.language == language)
        ]

    def languages(self) -> list[str]:
        return list(self.files)

    def measures(self, path: str) -> bool:
        """Whether ``path`` is in the code this profile was measured from."""
        return in_scope(path, self.exclude_dirs, self.exclude_files)


@dataclass(frozen=True, slots=True)
class Violation:
    """An added line of a diff that breaks a strong convention."""

    path: str
    line: int
    rule: str  # the convention id
    message: str
    evidence: str  # "snake_case functions: 412/415"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: [{self.rule}] {self.message} ({self.evidence})"
