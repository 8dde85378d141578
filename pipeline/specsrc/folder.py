"""What the two folder formats (OpenSpec changes, Spec Kit features) read alike: the main
file (missing or empty is a one-line SpecError), optional documents, the tasks list, and the
finished ``Spec`` with its source and content hash."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from specpilot.pipeline.core.errors import SpecError
from specpilot.pipeline.run.spec import Spec, parse_spec
from specpilot.pipeline.specsrc.markdown import (
    Task,
    content_hash,
    read_text,
    strip_comments,
    tasks,
    without_h1,
)


@dataclass(slots=True)
class FolderReader:
    """Reads the files of one spec folder, remembering each (name, text) for the hash."""

    folder: Path
    read: list[tuple[str, str]] = field(default_factory=list)

    def text(self, path: Path) -> str:
        out = read_text(path, str(path))
        self.read.append((path.relative_to(self.folder).as_posix(), out))
        return out

    def main(self, name: str, missing: str, empty: str) -> tuple[Spec, str]:
        """The main file parsed as a spec, and its body (no title, no comments)."""
        path = self.folder / name
        if not path.is_file():
            raise SpecError(f"{path}: missing; {missing}")
        base = parse_spec(self.text(path), source=str(self.folder))
        body = strip_comments(without_h1(base.body)).strip()
        if not body:
            raise SpecError(f"{path}: empty; {empty}")
        return base, body

    def section(self, name: str, heading: str) -> str | None:
        """An optional document as a ``## heading`` section (None when absent or empty)."""
        path = self.folder / name
        if not path.is_file():
            return None
        text = strip_comments(without_h1(self.text(path))).strip()
        return f"## {heading}\n\n{text}" if text else None

    def tasks(self) -> list[Task]:
        """The tasks of ``tasks.md`` (none when absent)."""
        path = self.folder / "tasks.md"
        return tasks(strip_comments(self.text(path))) if path.is_file() else []

    def spec(
        self,
        base: Spec,
        kind: str,
        title_prefix: re.Pattern[str],
        parts: list[str],
        acceptance: list[str],
        todo: list[str],
    ) -> Spec:
        """The folder as a Spec: its parts as the body, the open tasks, where it came from."""
        tasks_path = self.folder / "tasks.md"
        return base.model_copy(
            update={
                "title": title_prefix.sub("", base.title).strip() or self.folder.name,
                "body": "\n\n".join(parts),
                "acceptance": tuple(acceptance),
                "tasks": (*base.tasks, *todo),
                "source": str(self.folder),
                "source_kind": kind,
                "source_ref": str(self.folder),
                "content_hash": content_hash(self.read),
                "tasks_file": str(tasks_path.resolve()) if todo else None,
            }
        )
