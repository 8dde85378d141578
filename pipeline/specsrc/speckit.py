"""GitHub Spec Kit feature folders (``specs/NNN-feature/``) read into a ``Spec``.

    spec.md    required: ``# Feature Specification: <title>``; the numbered ``**Given** …,
               **When** …, **Then** …`` items of its acceptance scenarios and the
               ``**FR-001**: System MUST …`` functional requirements → acceptance criteria;
               the whole text → body (front matter as in any spec)
    plan.md    optional: appended to the body (summary, technical context, structure)
    tasks.md   optional: ``- [ ] T001 [P] [US1] … in src/x.py`` items not yet ticked →
               ``Spec.tasks``

A folder without ``spec.md``, or a ``spec.md`` with no text, is a ``SpecError`` naming it.
"""

from __future__ import annotations

import re
from pathlib import Path

from specpilot.pipeline.run.spec import Spec
from specpilot.pipeline.specsrc.folder import FolderReader
from specpilot.pipeline.specsrc.markdown import (
    clean,
    items,
    sections,
    strip_comments,
)

_TITLE_PREFIX = re.compile(r"^(Feature Specification|Feature Spec|Specification)\s*:\s*", re.I)
_GIVEN = re.compile(r"\bGiven\b.*\bThen\b", re.IGNORECASE)
_REQUIREMENT_ID = re.compile(r"^(FR|NFR|SC)-\d+\s*:", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"^\[[^\]]+\]$")  # "[Describe the main user journey]" left unfilled


def is_speckit_feature(folder: Path) -> bool:
    return (folder / "spec.md").is_file()


def read_speckit(folder: Path) -> Spec:
    """The feature at ``folder`` as a Spec (``source_kind`` ``speckit``)."""
    reader = FolderReader(folder)
    base, body = reader.main(
        "spec.md",
        "a Spec Kit feature folder needs spec.md (with plan.md and tasks.md beside it).",
        "describe the feature, its user scenarios and its functional requirements.",
    )
    acceptance = list(base.acceptance)
    for criterion in criteria(strip_comments(base.body)):
        if criterion not in acceptance:
            acceptance.append(criterion)
    parts = [body, *filter(None, [reader.section("plan.md", "Implementation plan")])]
    todo = [t.text for t in reader.tasks() if not t.done]
    return reader.spec(base, "speckit", _TITLE_PREFIX, parts, acceptance, todo)


def criteria(text: str) -> list[str]:
    """Given/When/Then items anywhere, and FR-/SC- items of the requirement sections."""
    out: list[str] = []
    for sec in sections(text):
        for item in items(sec.lines):
            if _PLACEHOLDER.match(item) or "[NEEDS CLARIFICATION" in item.upper():
                continue
            if _GIVEN.search(item) or _REQUIREMENT_ID.match(item):
                line = clean(item)
                if line not in out:
                    out.append(line)
    return out
