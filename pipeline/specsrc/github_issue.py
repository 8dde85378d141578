"""GitHub issues as specs: ``gh:OWNER/REPO#N`` or ``https://github.com/OWNER/REPO/issues/N``.

The issue's title is the spec's title and its body the spec's body. Acceptance criteria are
the items of an "Acceptance …" section (``## Acceptance criteria``) and every task-list item
(``- [ ] …``) elsewhere. The risk hint is a ``risk:low|medium|high`` label (``risk/high`` and
``risk: high`` too) or the body's YAML front matter, the highest of them (a hint only raises
the tier). The front matter may also set ``acceptance``, ``tasks`` and ``paths`` (which only
narrow what the agent may write); it is parsed by the same hardened loader, and
``test_command`` and ``base`` are refused: anyone who can open an issue writes it. An issue
that does not exist or that the token may not see (404/403), a pull request, and an empty body
are ``SpecError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from specpilot.pipeline.core.errors import SpecError
from specpilot.pipeline.deliver.github import GitHubClient, GitHubHTTPError, Issue
from specpilot.pipeline.run.spec import Spec, parse_spec
from specpilot.pipeline.specsrc.markdown import content_hash, items, sections, strip_comments, tasks

_SHORT = re.compile(r"^gh:([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)#(\d+)$")
# a Path argument collapses "//", so "https:/host/…" is the same URL
_URL = re.compile(
    r"^https?:/{1,2}([^/\s]+)/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)/issues/(\d+)(?:[/?#].*)?$"
)
_RISK_LABEL = re.compile(r"^risk\s*[:/=]\s*(low|medium|high)$", re.IGNORECASE)
_RISKS: dict[str, Literal["low", "medium", "high"]] = {
    "low": "low",
    "medium": "medium",
    "high": "high",
}
_ORDER = ("low", "medium", "high")
# fields an issue's author may not set: anyone who can open an issue writes its front matter
_NOT_FROM_ISSUES = {
    "test_command": "the command run on your machine",
    "base": "the commit the change starts from",
}
_ACCEPTANCE = re.compile(r"^acceptance\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class IssueRef:
    owner: str
    name: str
    number: int
    host: str = "github.com"

    @property
    def repo(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def short(self) -> str:
        return f"gh:{self.repo}#{self.number}"

    @property
    def url(self) -> str:
        return f"https://{self.host}/{self.repo}/issues/{self.number}"


def parse_issue_ref(text: str) -> IssueRef | None:
    """The issue a ``gh:OWNER/REPO#N`` or an issue URL names, else None."""
    text = text.strip()
    if m := _SHORT.match(text):
        return IssueRef(m.group(1), m.group(2), int(m.group(3)))
    if m := _URL.match(text):
        return IssueRef(m.group(2), m.group(3), int(m.group(4)), host=m.group(1))
    return None


def read_issue(ref: IssueRef, client: GitHubClient) -> Spec:
    """Fetch the issue through ``client`` (the REST API) and read it into a Spec."""
    try:
        issue = client.get_issue(ref.number)
    except GitHubHTTPError as exc:
        if exc.status in (401, 403, 404):
            why = {401: "the token was refused (HTTP 401)",
                   403: "the token lacks access to it (HTTP 403)",
                   404: "it does not exist, or the token cannot see it (HTTP 404)"}[exc.status]  # fmt: skip
            raise SpecError(
                f"issue {ref.short}: cannot be read: {why}; check the number and that "
                "GITHUB_TOKEN (or GH_TOKEN) may read the repository's issues."
            ) from None
        raise SpecError(f"issue {ref.short}: cannot be read: {exc}") from None
    return spec_from_issue(ref, issue)


def spec_from_issue(ref: IssueRef, issue: Issue) -> Spec:
    """An issue's title, body and labels as a Spec (``source_kind`` ``github-issue``)."""
    where = f"issue {ref.short}"
    if issue.is_pull_request:
        raise SpecError(f"{where}: is a pull request, not an issue; give an issue's number.")
    if not issue.body.strip():
        raise SpecError(
            f"{where}: field 'body' is empty; write what should change (and its acceptance "
            "criteria) in the issue's description."
        )
    if not issue.title.strip():
        raise SpecError(f"{where}: field 'title' is empty.")
    base = parse_spec(issue.body.replace("\r\n", "\n"), source=ref.short)
    for name, what in _NOT_FROM_ISSUES.items():
        if getattr(base, name) is not None:
            raise SpecError(
                f"{where}: field {name!r} cannot be set in an issue's front matter: it decides "
                f"{what}, and anyone who can open an issue writes it; set it in the "
                "repository's [tool.specpilot] config instead."
            )
    body = strip_comments(base.body).strip()
    if not body:
        raise SpecError(
            f"{where}: field 'body' has only front matter; write what should change below it."
        )
    acceptance = list(base.acceptance)
    for criterion in criteria(body):
        if criterion not in acceptance:
            acceptance.append(criterion)
    # a hint only raises the tier floor, so the highest of the labels and front matter counts
    hints = [base.risk] if base.risk else []
    hints += [
        _RISKS[m.group(1).lower()] for lb in issue.labels if (m := _RISK_LABEL.match(lb.strip()))
    ]
    risk = max(hints, key=_ORDER.index) if hints else None
    return base.model_copy(
        update={
            "title": issue.title.strip(),
            "body": body,
            "risk": risk,
            "acceptance": tuple(acceptance),
            "source": ref.short,
            "source_kind": "github-issue",
            "source_ref": issue.url or ref.url,
            "content_hash": issue_hash(issue),
        }
    )


def issue_hash(issue: Issue) -> str:
    """What a run of the issue was made of: its title, body and labels."""
    return content_hash(
        [("title", issue.title), ("body", issue.body), ("labels", "\n".join(sorted(issue.labels)))]
    )


def criteria(body: str) -> list[str]:
    """The items of an "Acceptance" section, then every task-list item outside it."""
    out: list[str] = []
    accepted_lines: set[int] = set()
    secs = sections(body)
    for i, sec in enumerate(secs):
        if sec.level and _ACCEPTANCE.match(sec.title.strip()):
            # the section runs on through its deeper sub-headings
            lines = list(sec.lines)
            accepted_lines.update(range(sec.line, sec.line + len(sec.lines) + 1))
            for sub in secs[i + 1 :]:
                if sub.level <= sec.level:
                    break
                lines += sub.lines
                accepted_lines.update(range(sub.line, sub.line + len(sub.lines) + 1))
            out += [item for item in items(lines) if item not in out]
    for task in tasks(body):
        if task.line not in accepted_lines and task.text not in out:
            out.append(task.text)
    return out
