"""A small GitHub REST client (stdlib ``urllib``): pull requests, issues, labels, merges, checks.

The token comes from the caller or ``GITHUB_TOKEN``; it is sent as a bearer token and never
logged or shown in errors. ``base_url`` points at the API root (default
``https://api.github.com``; tests use :mod:`pipeline.fake_github` on 127.0.0.1). Proxies from
the environment are honoured except for loopback hosts.

Checks: a commit is ``green`` when it has at least one check run or commit status and all of
them succeeded; ``none`` (nothing configured or reported) is *not* green.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from specpilot.pipeline.core.errors import DeployError

logger = logging.getLogger(__name__)

API_URL = "https://api.github.com"
_REPO_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_REMOTE_RE = re.compile(r"github\.com[:/]([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+?)(?:\.git)?/?$")
_GOOD = frozenset({"success", "neutral", "skipped"})

CheckVerdict = Literal["green", "red", "pending", "none"]


@dataclass(frozen=True, slots=True)
class PullRequest:
    number: int
    url: str  # the human (html) URL
    head_ref: str
    head_sha: str
    base_ref: str
    state: str
    merged: bool
    mergeable: bool | None
    draft: bool


class GitHubHTTPError(DeployError):
    """GitHub answered with an HTTP error; ``status`` is its code (404: no such thing, or the
    token may not see it; 403: the token lacks the permission)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class Issue:
    """An issue as a spec source reads it (``GET /repos/{owner}/{repo}/issues/{number}``)."""

    repo: str
    number: int
    title: str
    body: str
    labels: tuple[str, ...]
    url: str  # the human (html) URL
    state: str
    is_pull_request: bool


@dataclass(frozen=True, slots=True)
class PullRequestState:
    """What became of a PR: ``state`` is GitHub's ``open`` / ``closed``; a merged PR is closed
    with ``merged`` set. Times are GitHub's ISO 8601 strings (``2024-06-01T12:00:00Z``)."""

    number: int
    state: str
    merged: bool
    merged_at: str | None
    closed_at: str | None
    merge_sha: str | None
    head_sha: str | None = None  # the PR's head commit (earned autonomy: merged unchanged?)


@dataclass(frozen=True, slots=True)
class CheckState:
    verdict: CheckVerdict
    details: tuple[str, ...]  # "check run 'ci': success", "status 'lint': pending", ...

    def describe(self) -> str:
        listed = "; ".join(self.details) if self.details else "no check runs or statuses"
        return f"{self.verdict} ({listed})"


def repo_from_remote_url(url: str) -> str | None:
    """``owner/name`` of a github.com remote URL (ssh or https), else ``None``."""
    m = _REMOTE_RE.search(url.strip())
    return m.group(1) if m else None


class GitHubClient:
    def __init__(
        self,
        repo: str,
        *,
        token: str | None = None,
        base_url: str = API_URL,
        timeout_s: float = 30.0,
        env: Mapping[str, str] | None = None,
    ) -> None:
        if not _REPO_RE.match(repo):
            raise DeployError(f"The GitHub repository {repo!r} is not of the form 'owner/name'.")
        token = token or (os.environ if env is None else env).get("GITHUB_TOKEN")
        if not token:
            raise DeployError(
                "GITHUB_TOKEN is not set; export a token with 'repo' scope to open or merge "
                "pull requests through the GitHub API."
            )
        self.repo = repo
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._timeout = timeout_s
        host = urllib.parse.urlsplit(self.base_url).hostname or ""
        proxies = urllib.request.ProxyHandler({} if _is_loopback(host) else None)
        self._opener = urllib.request.build_opener(proxies)

    def __repr__(self) -> str:
        return f"GitHubClient(repo={self.repo!r}, base_url={self.base_url!r})"

    # -- pull requests -------------------------------------------------------------------
    def create_pull(
        self, *, title: str, head: str, base: str, body: str, draft: bool = False
    ) -> PullRequest:
        data = self._call(
            "POST",
            f"/repos/{self.repo}/pulls",
            {"title": title, "head": head, "base": base, "body": body, "draft": draft},
        )
        return _pull(data)

    def get_pull(self, number: int) -> PullRequest:
        return _pull(self._call("GET", f"/repos/{self.repo}/pulls/{number}"))

    def pull_request_state(self, number: int) -> PullRequestState:
        """Whether PR ``number`` is open, merged or closed unmerged, and since when (what
        ``specpilot report --refresh`` records as the PR's fate)."""
        data = self._call("GET", f"/repos/{self.repo}/pulls/{number}")
        if not isinstance(data, dict) or "state" not in data:
            raise DeployError(f"GitHub returned no state for PR #{number} of {self.repo}.")
        merged = bool(data.get("merged")) or bool(data.get("merged_at"))
        return PullRequestState(
            number=number,
            state=str(data["state"]),
            merged=merged,
            merged_at=_text(data.get("merged_at")),
            closed_at=_text(data.get("closed_at")),
            merge_sha=_text(data.get("merge_commit_sha")) if merged else None,
            head_sha=_text(head.get("sha")) if isinstance(head := data.get("head"), dict) else None,
        )

    def open_pulls(self) -> tuple[PullRequest, ...]:
        data = self._call("GET", f"/repos/{self.repo}/pulls", query={"state": "open"})
        return tuple(_pull(item) for item in data)

    def add_labels(self, number: int, labels: Sequence[str]) -> None:
        if labels:
            self._call(
                "POST", f"/repos/{self.repo}/issues/{number}/labels", {"labels": list(labels)}
            )

    def get_issue(self, number: int) -> Issue:
        """Issue ``number``: title, body and label names. GitHubHTTPError on 404/403."""
        return self._issue(self._call("GET", f"/repos/{self.repo}/issues/{number}"), number)

    def open_issues(self, label: str) -> tuple[Issue, ...]:
        """Open issues labelled ``label``, oldest first (pull requests left out; 100 at most)."""
        query = {"state": "open", "labels": label, "per_page": "100", "sort": "created"}
        query["direction"] = "asc"
        data = self._call("GET", f"/repos/{self.repo}/issues", query=query)
        issues = (self._issue(item, 0) for item in data if isinstance(item, dict))
        return tuple(i for i in issues if not i.is_pull_request)

    def _issue(self, data: Any, number: int) -> Issue:
        try:
            labels = tuple(
                str(item["name"] if isinstance(item, dict) else item)
                for item in data.get("labels") or ()
            )
            return Issue(
                repo=self.repo,
                number=int(data["number"]),
                title=str(data.get("title") or ""),
                body=str(data.get("body") or ""),
                labels=labels,
                url=str(data.get("html_url") or f"https://github.com/{self.repo}/issues/{number}"),
                state=str(data.get("state", "open")),
                is_pull_request="pull_request" in data,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise DeployError(f"GitHub returned issue #{number} without {err}.") from None

    def comment_on_issue(self, number: int, body: str) -> None:
        """Comment on issue (or PR) ``number``: where an escalation tells a spec's issue."""
        self._call("POST", f"/repos/{self.repo}/issues/{number}/comments", {"body": body})

    def merge_pull(self, number: int, *, sha: str, method: str, title: str) -> str:
        """Merge PR ``number`` if its head is still ``sha``; return the merge commit sha."""
        data = self._call(
            "PUT",
            f"/repos/{self.repo}/pulls/{number}/merge",
            {"sha": sha, "merge_method": method, "commit_title": title},
        )
        if not data.get("merged"):
            raise DeployError(f"GitHub did not merge PR #{number}: {data.get('message')}.")
        return str(data.get("sha", ""))

    # -- checks --------------------------------------------------------------------------
    def checks(self, sha: str, required: Sequence[str] = ()) -> CheckState:
        """Check runs and commit statuses of ``sha``; ``required`` names must be present."""
        runs = self._call(
            "GET", f"/repos/{self.repo}/commits/{sha}/check-runs", query={"per_page": "100"}
        )
        status = self._call("GET", f"/repos/{self.repo}/commits/{sha}/status")
        entries: list[tuple[str, str, str]] = []  # (kind, name, success|pending|<failure>)
        for run in runs.get("check_runs", []):
            conclusion = str(run.get("conclusion"))
            if run.get("status") != "completed":
                state = "pending"
            else:
                state = "success" if conclusion in _GOOD else conclusion
            entries.append(("check run", str(run.get("name")), state))
        for st in status.get("statuses", []):
            entries.append(("status", str(st.get("context")), str(st.get("state"))))
        names = {name for _, name, _ in entries}
        missing = [name for name in required if name not in names]
        details = tuple(f"{kind} {name!r}: {state}" for kind, name, state in entries)
        details += tuple(f"required check {name!r}: not reported yet" for name in missing)
        states = {state for _, _, state in entries}
        if states - {"success", "pending"}:
            return CheckState("red", details)
        if "pending" in states or missing:
            return CheckState("pending", details)
        return CheckState("green" if entries else "none", details)

    def wait_for_checks(
        self,
        sha: str,
        *,
        required: Sequence[str] = (),
        timeout_s: float,
        poll_s: float,
        appear_s: float,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> CheckState:
        """Poll until the checks of ``sha`` are green or red; ``none`` after ``appear_s`` with
        nothing reported; ``pending`` after ``timeout_s``."""
        start = clock()
        while True:
            state = self.checks(sha, required)
            elapsed = clock() - start
            if state.verdict in ("green", "red"):
                return state
            if state.verdict == "none" and elapsed >= appear_s:
                return state
            if elapsed >= timeout_s:
                return CheckState("pending", (*state.details, f"timed out after {timeout_s:g} s"))
            sleep(poll_s)

    # -- transport -----------------------------------------------------------------------
    def _call(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        query: Mapping[str, str] | None = None,
    ) -> Any:
        url = self.base_url + path + ("?" + urllib.parse.urlencode(query) if query else "")
        data = json.dumps(body).encode("utf-8") if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("X-GitHub-Api-Version", "2022-11-28")
        request.add_header("User-Agent", "specpilot")
        request.add_header("Authorization", f"Bearer {self._token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        logger.debug("GitHub %s %s", method, path)
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as err:
            message = _error_message(err)
            raise GitHubHTTPError(
                f"GitHub {method} {path} failed with HTTP {err.code}: {message}", err.code
            ) from None
        except (urllib.error.URLError, TimeoutError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise DeployError(f"Cannot reach GitHub at {self.base_url}: {reason}.") from None
        return json.loads(raw) if raw else {}


def _pull(data: Mapping[str, Any]) -> PullRequest:
    try:
        return PullRequest(
            number=int(data["number"]),
            url=str(data.get("html_url") or data.get("url")),
            head_ref=str(data["head"]["ref"]),
            head_sha=str(data["head"]["sha"]),
            base_ref=str(data["base"]["ref"]),
            state=str(data.get("state", "open")),
            merged=bool(data.get("merged", False)),
            mergeable=data.get("mergeable"),
            draft=bool(data.get("draft", False)),
        )
    except (KeyError, TypeError, ValueError) as err:
        raise DeployError(f"GitHub returned a pull request without {err}.") from None


def _text(value: Any) -> str | None:
    return str(value) if value else None


def _error_message(err: urllib.error.HTTPError) -> str:
    try:
        data = json.loads(err.read() or b"{}")
    except (json.JSONDecodeError, OSError):
        return str(err.reason)
    message = str(data.get("message", err.reason)) if isinstance(data, dict) else str(err.reason)
    errors = data.get("errors") if isinstance(data, dict) else None
    if errors:
        message += f" ({json.dumps(errors)[:300]})"
    return message


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
