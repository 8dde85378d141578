"""A loopback fake of the GitHub REST endpoints specpilot uses, for tests and demos.

``FakeGitHub`` runs a ``ThreadingHTTPServer`` on 127.0.0.1 (an ephemeral port) in a thread and
records every request (the Authorization value is never kept, only whether it matched). It
serves: create / get / list pull requests (with ``merged_at`` / ``closed_at``;
:meth:`FakeGitHub.set_fate` merges or closes one as a human would), merge a pull request, add
labels, the combined commit status and check runs; get and list issues (:meth:`FakeGitHub.add_issue`,
:meth:`forbid` for a 403) and comment on them (:meth:`comments`). With ``git_dir`` (a bare repository standing in for the GitHub remote),
a PR's head must be a pushed branch and a merge really creates the merge commit on the base
branch. Scripted checks: :meth:`FakeGitHub.script_checks` gives the responses of successive
check-run polls.

    with FakeGitHub(token="t", git_dir=bare) as gh:
        client = GitHubClient("acme/demo", token="t", base_url=gh.base_url)
"""

from __future__ import annotations

import json
import logging
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from specpilot.pipeline.workspace.gitenv import GitPlace, run_git

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class GitHubCall:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    authorized: bool


@dataclass(slots=True)
class _State:
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    labels: dict[int, list[str]] = field(default_factory=dict)
    check_script: list[list[dict[str, Any]]] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, list[str]] = field(default_factory=dict)
    forbidden: set[int] = field(default_factory=set)


class FakeGitHub:
    def __init__(
        self,
        *,
        token: str = "test-token",
        repo: str = "acme/demo",
        git_dir: Path | None = None,
        mergeable: bool | None = True,
        merge_status: int = 200,
    ) -> None:
        self.token = token
        self.repo = repo
        self.git_dir = git_dir
        self.mergeable = mergeable
        self.merge_status = merge_status  # e.g. 405 to refuse merges
        self.requests: list[GitHubCall] = []
        self._state = _State()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> FakeGitHub:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_POST(self) -> None:
                fake._handle(self, "POST")

            def do_PUT(self) -> None:
                fake._handle(self, "PUT")

            def log_message(self, format: str, *args: Any) -> None:
                logger.debug("fake github: " + format, *args)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeGitHub is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- scripting -----------------------------------------------------------------------
    def script_checks(self, *polls: list[tuple[str, str, str | None]]) -> None:
        """Check runs per poll: each poll a list of (name, status, conclusion); the last repeats."""
        with self._lock:
            self._state.check_script = [
                [{"name": n, "status": s, "conclusion": c} for n, s, c in poll] for poll in polls
            ]

    def set_statuses(self, *statuses: tuple[str, str]) -> None:
        """Commit statuses (context, state) reported for every commit."""
        with self._lock:
            self._state.statuses = [{"context": c, "state": s} for c, s in statuses]

    def set_fate(self, number: int, *, merged: bool, at: str) -> None:
        """What a human did on GitHub: PR ``number`` merged (or closed unmerged) at ``at``
        (ISO 8601, e.g. ``2024-06-01T12:00:00Z``), as ``GET /pulls/{n}`` then reports it."""
        with self._lock:
            pr = self._state.pulls[number]
            pr.update(state="closed", merged=merged, closed_at=at)
            pr.update(merged_at=at if merged else None)
            pr.update(merge_commit_sha=f"{number:039x}m" if merged else None)

    def pull(self, number: int) -> dict[str, Any]:
        with self._lock:
            return dict(self._state.pulls[number])

    def labels(self, number: int) -> list[str]:
        with self._lock:
            return list(self._state.labels.get(number, []))

    def add_issue(
        self,
        number: int,
        title: str,
        body: str | None,
        labels: tuple[str, ...] = (),
        *,
        state: str = "open",
        pull_request: bool = False,
    ) -> None:
        """An issue as ``GET /repos/{repo}/issues/{number}`` returns it."""
        issue: dict[str, Any] = {
            "number": number,
            "title": title,
            "body": body,
            "state": state,
            "labels": [{"name": n} for n in labels],
            "html_url": f"https://github.com/{self.repo}/issues/{number}",
        }
        if pull_request:
            issue["pull_request"] = {"url": f"/repos/{self.repo}/pulls/{number}"}
        with self._lock:
            self._state.issues[number] = issue

    def forbid(self, number: int) -> None:
        """Issue ``number`` answers 403, as to a token without access."""
        with self._lock:
            self._state.forbidden.add(number)

    def comments(self, number: int) -> list[str]:
        with self._lock:
            return list(self._state.comments.get(number, []))

    def calls(self, method: str, path_suffix: str = "") -> list[GitHubCall]:
        return [r for r in self.requests if r.method == method and r.path.endswith(path_suffix)]

    # -- request handling ----------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        auth = h.headers.get("Authorization", "")
        authorized = auth in (f"Bearer {self.token}", f"token {self.token}")
        with self._lock:
            self.requests.append(
                GitHubCall(method, parts.path, dict(parse_qsl(parts.query)), body, authorized)
            )
            if not authorized:
                status, payload = 401, {"message": "Bad credentials"}
            else:
                query = dict(parse_qsl(parts.query))
                status, payload = self._route(method, parts.path, body, query)
        data = json.dumps(payload).encode("utf-8")
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    def _route(self, method: str, path: str, body: Any, query: dict[str, str]) -> tuple[int, Any]:
        prefix = f"/repos/{self.repo}"
        if not path.startswith(prefix + "/"):
            return 404, {"message": "Not Found"}
        rest = path[len(prefix) :]
        if method == "POST" and rest == "/pulls":
            return self._create_pull(body or {})
        if method == "GET" and rest == "/pulls":
            return 200, [p for p in self._state.pulls.values() if p["state"] == "open"]
        m = re.fullmatch(r"/pulls/(\d+)(/merge)?", rest)
        if m and int(m.group(1)) in self._state.pulls:
            pr = self._state.pulls[int(m.group(1))]
            if method == "GET" and not m.group(2):
                return 200, {**pr, "mergeable": None if pr["merged"] else self.mergeable}
            if method == "PUT" and m.group(2):
                return self._merge(pr, body or {})
        if method == "GET" and rest == "/issues":
            return 200, self._list_issues(query)
        m = re.fullmatch(r"/issues/(\d+)(/comments)?", rest)
        if m and int(m.group(1)) in self._state.forbidden:
            return 403, {"message": "Resource not accessible by personal access token"}
        if m and method == "GET" and not m.group(2) and int(m.group(1)) in self._state.issues:
            return 200, self._state.issues[int(m.group(1))]
        number = int(m.group(1)) if m else 0
        if m and m.group(2) and method == "POST":
            if number not in self._state.issues and number not in self._state.pulls:
                return 404, {"message": "Not Found"}
            text = str((body or {}).get("body", ""))
            self._state.comments.setdefault(number, []).append(text)
            url = f"https://github.com/{self.repo}/issues/{number}#issuecomment-1"
            return 201, {"id": 1, "body": text, "html_url": url}
        m = re.fullmatch(r"/issues/(\d+)/labels", rest)
        if m and method == "POST" and int(m.group(1)) in self._state.pulls:
            names = self._state.labels.setdefault(int(m.group(1)), [])
            names.extend(n for n in (body or {}).get("labels", []) if n not in names)
            return 200, [{"name": n} for n in names]
        m = re.fullmatch(r"/commits/([^/]+)/(status|check-runs)", rest)
        if m and method == "GET":
            if m.group(2) == "status":
                statuses = self._state.statuses
                states = {s["state"] for s in statuses}
                combined = "failure" if states - {"success", "pending"} else "pending"
                if states == {"success"}:
                    combined = "success"
                return 200, {"state": combined, "statuses": statuses, "total_count": len(statuses)}
            script = self._state.check_script
            runs = script.pop(0) if len(script) > 1 else (script[0] if script else [])
            return 200, {"total_count": len(runs), "check_runs": runs}
        return 404, {"message": "Not Found"}

    def _list_issues(self, query: dict[str, str]) -> list[dict[str, Any]]:
        wanted = {n for n in query.get("labels", "").split(",") if n}
        return [
            i
            for _, i in sorted(self._state.issues.items())
            if i["state"] == query.get("state", "open")
            and wanted <= {label["name"] for label in i["labels"]}
        ]

    def _create_pull(self, body: dict[str, Any]) -> tuple[int, Any]:
        missing = [k for k in ("title", "head", "base") if not body.get(k)]
        if missing:
            return 422, {"message": "Validation Failed", "errors": [{"field": missing[0]}]}
        sha = self._rev(f"refs/heads/{body['head']}")
        if self.git_dir is not None and sha is None:
            return 422, {"message": "Validation Failed", "errors": [{"field": "head"}]}
        number = len(self._state.pulls) + 1
        pr = {
            "number": number,
            "html_url": f"https://github.com/{self.repo}/pull/{number}",
            "url": f"/repos/{self.repo}/pulls/{number}",
            "title": body["title"],
            "body": body.get("body", ""),
            "draft": bool(body.get("draft", False)),
            "state": "open",
            "merged": False,
            "merged_at": None,
            "closed_at": None,
            "mergeable": None,
            "head": {"ref": body["head"], "sha": sha or f"{number:040x}"},
            "base": {"ref": body["base"]},
        }
        self._state.pulls[number] = pr
        return 201, pr

    def _merge(self, pr: dict[str, Any], body: dict[str, Any]) -> tuple[int, Any]:
        if pr["merged"]:
            return 405, {"message": "Pull Request is not mergeable"}
        if body.get("sha") and body["sha"] != pr["head"]["sha"]:
            return 409, {"message": "Head branch was modified. Review and try the merge again."}
        if self.merge_status != 200 or self.mergeable is False:
            status = self.merge_status if self.merge_status != 200 else 405
            return status, {"message": "Pull Request is not mergeable"}
        try:
            sha = self._merge_in_git(pr) or f"{pr['number']:039x}m"
        except RuntimeError as err:
            return 405, {"message": f"Merge conflict: {err}"}
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        pr.update(merged=True, state="closed", merge_commit_sha=sha, merged_at=now, closed_at=now)
        return 200, {"sha": sha, "merged": True, "message": "Pull Request successfully merged"}

    def _merge_in_git(self, pr: dict[str, Any]) -> str | None:
        if self.git_dir is None:
            return None
        base, head = f"refs/heads/{pr['base']['ref']}", pr["head"]["sha"]
        tree = self._git("merge-tree", "--write-tree", base, head).split()[0]
        env = {"GIT_AUTHOR_NAME": "gh", "GIT_AUTHOR_EMAIL": "gh@x", "GIT_COMMITTER_NAME": "gh"}
        env["GIT_COMMITTER_EMAIL"] = "gh@x"
        msg = f"Merge pull request #{pr['number']}"
        sha = self._git("commit-tree", tree, "-p", base, "-p", head, "-m", msg, env=env).strip()
        self._git("update-ref", base, sha)
        return sha

    def _rev(self, ref: str) -> str | None:
        if self.git_dir is None:
            return None
        try:
            return self._git("rev-parse", "--verify", "--quiet", ref).strip() or None
        except RuntimeError:
            return None

    def _git(self, *args: str, env: dict[str, str] | None = None) -> str:
        if self.git_dir is None:
            raise RuntimeError("this fake GitHub has no git directory")
        done = run_git(args, GitPlace(self.git_dir, git_dir=self.git_dir), env=env, timeout=30)
        if done.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout
