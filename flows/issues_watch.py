"""The ``issues-watch`` poll: open issues with a label become spec-to-pr flow runs, once each.

Each poll lists the repository's open issues labelled ``label`` (default ``specpilot``), reads
each into a spec (``pipeline.specsrc``) and hands it to ``submit`` — a flow run of
``spec-to-pr/default`` with the spec written out as Markdown and ``gh:OWNER/REPO#N`` as its
name, so the run comments on the issue when it ends. Handled issues are remembered by number
and body hash in ``$SPECPILOT_HOME/issues-watch/<owner>__<name>.json``: an issue runs again
only when its body changes. An issue that cannot be read as a spec (an empty body, bad front
matter) is told so in one comment and remembered too, so it is not retried every poll.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from specpilot.pipeline import (
    GitHubClient,
    IssueRef,
    PipelineError,
    SpecError,
    spec_document,
    spec_from_issue,
)

log = logging.getLogger(__name__)

DEFAULT_LABEL = "specpilot"
# submit(spec_text, spec_name) -> the flow run (anything with an ``id``) it created
Submit = Callable[[str, str], Any]


@dataclass(frozen=True, slots=True)
class Watched:
    number: int
    action: Literal["submitted", "seen", "refused"]
    detail: str  # the flow run id, or why it was refused


def body_hash(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()


class HandledIssues:
    """Issue number -> the body hash it was handled at, kept in a JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            data = {}
        except (OSError, ValueError) as exc:
            raise PipelineError(
                f"{path}: cannot be read as the handled-issues list: {exc}."
            ) from None
        self._seen: dict[str, str] = {str(k): str(v) for k, v in dict(data).items()}

    @classmethod
    def for_repo(cls, home: Path, repo: str) -> HandledIssues:
        return cls(home / "issues-watch" / (repo.replace("/", "__") + ".json"))

    def handled(self, number: int, digest: str) -> bool:
        return self._seen.get(str(number)) == digest

    def remember(self, number: int, digest: str) -> None:
        self._seen[str(number)] = digest
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(self._seen, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)


def watch_once(
    client: GitHubClient,
    handled: HandledIssues,
    submit: Submit,
    *,
    label: str = DEFAULT_LABEL,
) -> list[Watched]:
    """One poll (see the module docstring); what happened to each labelled issue."""
    owner, name = client.repo.split("/", 1)
    out: list[Watched] = []
    for issue in client.open_issues(label):
        digest = body_hash(issue.body)
        if handled.handled(issue.number, digest):
            out.append(Watched(issue.number, "seen", "handled at this body already"))
            continue
        ref = IssueRef(owner, name, issue.number)
        try:
            spec = spec_from_issue(ref, issue)
        except SpecError as exc:
            _tell(client, issue.number, f"specpilot cannot run this issue: {exc}")
            handled.remember(issue.number, digest)
            out.append(Watched(issue.number, "refused", str(exc)))
            continue
        run = submit(spec_document(spec), ref.short)
        handled.remember(issue.number, digest)
        out.append(Watched(issue.number, "submitted", str(getattr(run, "id", run))))
        log.info("issue %s: submitted flow run %s", ref.short, getattr(run, "id", run))
    return out


def _tell(client: GitHubClient, number: int, text: str) -> None:
    try:
        client.comment_on_issue(number, text)
    except PipelineError as exc:
        log.warning("could not comment on issue #%d: %s", number, exc)
