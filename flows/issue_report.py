"""After a run whose spec came from a GitHub issue: tell the issue how it ended.

The run's outcome, its one-sentence message, the PR or branch, the plan's files and the run
id go into one comment on the issue (an escalation's report goes there instead, through
``pipeline``'s ``issue_teller``). Local paths are not posted: the run directory is named by
its run id. A comment that cannot be posted is logged and never fails the run.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from specpilot.pipeline import (
    Delivery,
    GitHubClient,
    IssueRef,
    PipelineError,
    Spec,
    issue_teller,
    parse_issue_ref,
)

log = logging.getLogger(__name__)

MARKER = "<!-- specpilot:run {run_id} content:{content_hash} -->"
MAX_LISTED = 10


class IssueReporter:
    """Where a run of an issue's spec reports: the issue, through a client for its repo."""

    def __init__(self, ref: IssueRef, client: GitHubClient) -> None:
        self.ref, self.client = ref, client
        self.told = False  # the escalation commented its report already

    def tell(self, body: str) -> str | None:
        """The escalation's ``tell``: its report as a comment on the issue."""
        where = issue_teller(self.client, self.ref.number)(body)
        self.told = True
        return where

    def report(self, spec: Spec, delivery: Delivery) -> str | None:
        """Comment the outcome (not again after an escalation told the issue); returns where
        it went, None when it was not posted."""
        if self.told:
            return None
        try:
            self.client.comment_on_issue(self.ref.number, outcome_comment(spec, delivery))
        except PipelineError as exc:
            log.warning("could not comment on %s: %s", self.ref.short, exc)
            return None
        return f"comment on {self.ref.short}"


def reporter_for(spec: Spec, api_url: str, token: str | None) -> IssueReporter | None:
    """A reporter when the spec came from an issue and a token is set, else None."""
    if spec.source_kind != "github-issue" or not spec.source:
        return None
    ref = parse_issue_ref(spec.source)
    if ref is None:
        return None
    if not token:
        log.warning("not commenting on %s: neither GITHUB_TOKEN nor GH_TOKEN is set", ref.short)
        return None
    try:
        return IssueReporter(ref, GitHubClient(ref.repo, token=token, base_url=api_url))
    except PipelineError as exc:
        log.warning("not commenting on %s: %s", ref.short, exc)
        return None


def outcome_comment(spec: Spec, delivery: Delivery) -> str:
    """The comment: outcome, message, links, plan files; a marker naming run and content."""
    run_dir = delivery.run_dir
    message = delivery.message.replace(run_dir, f"<run {delivery.run_id}>")
    lines = [
        f"**specpilot** ran this issue in `{delivery.mode}` mode: **{delivery.outcome}**",
        "",
        message,
        "",
    ]
    deploy = delivery.deploy
    if deploy is not None and deploy.pr_url:
        lines.append(f"- Pull request: {deploy.pr_url}")
    if deploy is not None and deploy.branch and deploy.pushed:
        lines.append(f"- Branch: `{deploy.branch}`")
    if deploy is not None and deploy.merge_sha:
        lines.append(f"- Merged as `{deploy.merge_sha[:12]}` into `{deploy.base}`")
    if delivery.decision is not None:
        lines.append(f"- Tier {delivery.decision.tier} ({delivery.decision.action})")
    lines.append(f"- Run `{delivery.run_id}`: report.md and the patch are in its run directory")
    if delivery.audit_seq is not None:
        lines.append(f"- Audit record {delivery.audit_seq}")
    plan = _plan(Path(run_dir))
    files = [str(f.get("path")) for f in plan.get("files_to_change", [])][:MAX_LISTED]
    if files:
        lines += ["", "Files in the plan:", *(f"- `{p}`" for p in files)]
    if spec.acceptance:
        lines += ["", "Acceptance criteria read from the issue:"]
        lines += [f"- {a}" for a in spec.acceptance[:MAX_LISTED]]
    lines += ["", MARKER.format(run_id=delivery.run_id, content_hash=spec.content_hash or "-")]
    return "\n".join(lines) + "\n"


def _plan(run_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((run_dir / "plan.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def with_issue_origin(spec: Spec, spec_text: str) -> Spec:
    """A flow run's spec named ``gh:OWNER/REPO#N`` (as ``issues-watch`` submits it) came from
    that issue: its origin is set so the run records it and comments on the issue."""
    ref = parse_issue_ref(spec.source or "")
    if ref is None or spec.source_kind is not None:
        return spec
    digest = hashlib.sha256(spec_text.encode("utf-8", "surrogatepass")).hexdigest()
    update = {"source_kind": "github-issue", "source_ref": ref.url, "content_hash": digest}
    return spec.model_copy(update=update)


def report_to_issue(
    spec: Spec, delivery: Delivery, api_url: str, environ: Mapping[str, str]
) -> str | None:
    """Comment the outcome on the spec's issue, if it came from one (the flow's path)."""
    token = environ.get("GITHUB_TOKEN") or environ.get("GH_TOKEN") or None
    reporter = reporter_for(spec, api_url, token)
    return reporter.report(spec, delivery) if reporter is not None else None
