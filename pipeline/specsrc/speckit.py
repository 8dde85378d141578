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

from specpilot.pipeline.core.errors import SpecError
from specpilot.pipeline.run.spec import Spec, parse_spec
from specpilot.pipeline.specsrc.markdown import (
    clean,
    content_hash,
    items,
    read_text,
    sections,
    strip_comments,
    tasks,
    without_h1,
)

_TITLE_PREFIX = re.compile(r"^(Feature Specification|Feature Spec|Specification)\s*:\s*", re.I)
_GIVEN = re.compile(r"\bGiven\b.*\bThen\b", re.IGNORECASE)
_REQUIREMENT_ID = re.compile(r"^(FR|NFR|SC)-\d+\s*:", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"^\[[^\]]+\]$")  # "[Describe the main user journey]" left unfilled


def is_speckit_feature(folder: Path) -> bool:
    return (folder / "spec.md").is_file()


def read_speckit(folder: Path) -> Spec:
    """The feature at ``folder`` as a Spec (``source_kind`` ``speckit``)."""
    spec_path = folder / "spec.md"
    if not spec_path.is_file():
        raise SpecError(
            f"{spec_path}: missing; a Spec Kit feature folder needs spec.md (with plan.md "
            "and tasks.md beside it)."
        )
    read: list[tuple[str, str]] = []
    text = read_text(spec_path, str(spec_path))
    read.append(("spec.md", text))
    base = parse_spec(text, source=str(folder))
    body = strip_comments(without_h1(base.body)).strip()
    if not body:
        raise SpecError(f"{spec_path}: empty; describe the feature, its user scenarios and "
                        "its functional requirements.")  # fmt: skip
    acceptance = list(base.acceptance)
    for criterion in criteria(strip_comments(base.body)):
        if criterion not in acceptance:
            acceptance.append(criterion)
    parts = [body]
    plan_path = folder / "plan.md"
    if plan_path.is_file():
        plan = read_text(plan_path, str(plan_path))
        read.append(("plan.md", plan))
        if strip_comments(without_h1(plan)).strip():
            parts.append("## Implementation plan\n\n" + strip_comments(without_h1(plan)).strip())
    todo: list[str] = []
    tasks_path = folder / "tasks.md"
    if tasks_path.is_file():
        tasks_text = read_text(tasks_path, str(tasks_path))
        read.append(("tasks.md", tasks_text))
        todo = [t.text for t in tasks(strip_comments(tasks_text)) if not t.done]
    title = _TITLE_PREFIX.sub("", base.title).strip() or folder.name
    return base.model_copy(
        update={
            "title": title,
            "body": "\n\n".join(parts),
            "acceptance": tuple(acceptance),
            "tasks": (*base.tasks, *todo),
            "source": str(folder),
            "source_kind": "speckit",
            "source_ref": str(folder),
            "content_hash": content_hash(read),
            "tasks_file": str(tasks_path.resolve()) if todo else None,
        }
    )


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
