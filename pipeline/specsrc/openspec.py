"""OpenSpec change folders (``openspec/changes/<change-id>/``) read into a ``Spec``.

    proposal.md            required: ``# Change: <title>``, ``## Why``, ``## What Changes``,
                           ``## Impact`` → title and body (front matter as in any spec)
    design.md              optional: appended to the body
    tasks.md               optional: ``- [ ] 1.1 …`` items not yet ticked → ``Spec.tasks``
    specs/<cap>/spec.md    deltas: ``## ADDED|MODIFIED|REMOVED|RENAMED Requirements``, each
                           ``### Requirement: <name>`` with ``#### Scenario: <name>`` blocks
                           of ``- **GIVEN|WHEN|THEN|AND** …`` bullets → acceptance criteria

A folder without ``proposal.md``, a delta file with no delta section, a requirement outside
one, an added or modified requirement without a scenario and a scenario without
WHEN/THEN bullets are ``SpecError`` naming the file and the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from specpilot.pipeline.core.errors import SpecError
from specpilot.pipeline.run.spec import Spec
from specpilot.pipeline.specsrc.folder import FolderReader
from specpilot.pipeline.specsrc.markdown import (
    clean,
    sections,
    strip_comments,
    without_h1,
)

_DELTA = re.compile(r"^(ADDED|MODIFIED|REMOVED|RENAMED)\s+Requirements$", re.IGNORECASE)
_REQUIREMENT = re.compile(r"^Requirement:\s*(.+)$", re.IGNORECASE)
_SCENARIO = re.compile(r"^Scenario:\s*(.+)$", re.IGNORECASE)
_STEP = re.compile(r"^\s*[-*+]\s+\**(GIVEN|WHEN|THEN|AND|BUT)\**:?\**\s*(.+?)\s*$", re.IGNORECASE)
_TITLE_PREFIX = re.compile(r"^(Change|Proposal)\s*:\s*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    steps: tuple[tuple[str, str], ...]  # ("WHEN", "the user logs in"), ...

    def sentence(self) -> str:
        return ", ".join(f"{word.lower()} {text}" for word, text in self.steps)


@dataclass(frozen=True, slots=True)
class Requirement:
    operation: str  # ADDED | MODIFIED | REMOVED | RENAMED
    name: str
    text: str
    scenarios: tuple[Scenario, ...]
    capability: str


def is_openspec_change(folder: Path) -> bool:
    """A folder read as an OpenSpec change: it has ``proposal.md``, or sits in a
    ``changes/`` folder, or has the ``specs/`` deltas and ``tasks.md`` of one."""
    return (
        (folder / "proposal.md").is_file()
        or folder.parent.name == "changes"
        or ((folder / "tasks.md").is_file() and (folder / "specs").is_dir())
    )


def read_openspec(folder: Path) -> Spec:
    """The change at ``folder`` as a Spec (``source_kind`` ``openspec``)."""
    reader = FolderReader(folder)
    base, body = reader.main(
        "proposal.md",
        "an OpenSpec change folder needs proposal.md (## Why, ## What Changes) next to "
        "tasks.md and specs/.",
        "write why the change is needed (## Why) and what changes (## What Changes).",
    )
    parts = [body, *filter(None, [reader.section("design.md", "Design")])]
    listed = reader.tasks()
    todo = [t.text for t in listed if not t.done]
    done = [t.text for t in listed if t.done]
    if done:
        parts.append("Already done (ticked in tasks.md):\n" + "\n".join(f"- {t}" for t in done))
    acceptance = list(base.acceptance)
    requirements: list[Requirement] = []
    for delta in (
        sorted((folder / "specs").glob("**/spec.md")) if (folder / "specs").is_dir() else ()
    ):
        rel = delta.relative_to(folder).as_posix()
        text = reader.text(delta)
        capability = delta.parent.relative_to(folder / "specs").as_posix()
        found = parse_delta(strip_comments(text), where=str(delta), capability=capability)
        requirements += found
        parts.append(f"## Spec delta: {rel}\n\n" + without_h1(text).strip())
    acceptance += [c for r in requirements for c in criteria(r) if c not in acceptance]
    return reader.spec(base, "openspec", _TITLE_PREFIX, parts, acceptance, todo)


@dataclass(slots=True)
class _Open:
    """A requirement or scenario being read (closed at the next heading of its level)."""

    name: str
    line: int
    operation: str = ""
    text: list[str] = field(default_factory=list)
    steps: list[tuple[str, str]] = field(default_factory=list)
    scenarios: list[Scenario] = field(default_factory=list)


def parse_delta(text: str, *, where: str, capability: str) -> list[Requirement]:
    """The requirements of one ``specs/**/spec.md`` delta file."""
    found: list[Requirement] = []
    operation: str | None = None
    req: _Open | None = None
    scenario: _Open | None = None
    saw_delta = False

    def close_scenario() -> None:
        nonlocal scenario
        if scenario is not None and req is not None:
            if not any(word in ("WHEN", "THEN") for word, _ in scenario.steps):
                raise SpecError(
                    f"{where}:{scenario.line}: scenario {scenario.name!r} has no "
                    "'- **WHEN** …' / '- **THEN** …' bullets."
                )
            req.scenarios.append(Scenario(scenario.name, tuple(scenario.steps)))
        scenario = None

    def close_requirement() -> None:
        nonlocal req
        close_scenario()
        if req is not None:
            if req.operation in ("ADDED", "MODIFIED") and not req.scenarios:
                raise SpecError(
                    f"{where}:{req.line}: requirement {req.name!r} has no '#### Scenario:' "
                    "block; an added or modified requirement needs at least one."
                )
            body = "\n".join(req.text).strip()
            found.append(
                Requirement(req.operation, req.name, body, tuple(req.scenarios), capability)
            )
        req = None

    for sec in sections(text):
        title = sec.title.strip()
        if sec.level <= 2:
            close_requirement()
            m = _DELTA.match(title) if sec.level == 2 else None
            operation = m.group(1).upper() if m else None
            saw_delta = saw_delta or m is not None
            continue
        m_req = _REQUIREMENT.match(title) if sec.level == 3 else None
        m_sc = None if m_req else _SCENARIO.match(title)
        if m_req:
            close_requirement()
            if operation is None:
                raise SpecError(
                    f"{where}:{sec.line}: requirement {m_req.group(1)!r} is not under a "
                    "'## ADDED|MODIFIED|REMOVED|RENAMED Requirements' heading."
                )
            req = _Open(clean(m_req.group(1)), sec.line, operation, list(sec.lines))
        elif m_sc and req is not None:
            close_scenario()
            steps = [(st.group(1).upper(), clean(st.group(2))) for ln in sec.lines
                     if (st := _STEP.match(ln))]  # fmt: skip
            scenario = _Open(clean(m_sc.group(1)), sec.line, steps=steps)
        elif req is not None:
            req.text += list(sec.lines)
    close_requirement()
    if not saw_delta:
        raise SpecError(
            f"{where}:1: no '## ADDED|MODIFIED|REMOVED Requirements' section; a change's spec "
            "delta says which requirements it adds, modifies or removes."
        )
    return found


def criteria(req: Requirement) -> list[str]:
    """Acceptance criteria of one requirement: a line per scenario (a removal is one)."""
    head = f"{req.capability}: {req.name}"
    if req.operation == "REMOVED":
        return [f"{head}: the requirement is removed"]
    if req.operation == "RENAMED":
        return []
    return [f"{head} — {s.name}: {s.sentence()}" for s in req.scenarios]
