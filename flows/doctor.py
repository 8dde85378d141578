"""``specpilot doctor``: what this machine and this repository can do, checked in one go.

Each check is a plain function returning a ``Check``; nothing here sends a credential
anywhere: the model endpoint and the Prefect API are probed with a TCP connect and an
unauthenticated ``/health`` request, never with a key.
"""

from __future__ import annotations

import os
import socket
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from specpilot.flows.settings import Settings

Verdict = Literal["ok", "warn", "fail"]
_TIMEOUT_S = 3.0
_ANTHROPIC_DEFAULT = "https://api.anthropic.com"


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    verdict: Verdict
    detail: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def run_checks(
    repo: Path, settings: Settings, db: str, environ: Mapping[str, str] | None = None
) -> list[Check]:
    env = os.environ if environ is None else environ
    checks: list[Callable[[], Check]] = [
        sandbox_check,
        lambda: model_check(settings, env),
        lambda: github_check(repo, settings, env),
        lambda: prefect_check(env),
        lambda: index_check(repo, settings, db),
    ]
    return [c() for c in checks]


def sandbox_check() -> Check:
    from specpilot.pipeline import probe_isolation

    status = probe_isolation()
    if status.filesystem:
        return Check("sandbox", "ok", status.reason)
    if status.available:
        return Check(
            "sandbox",
            "warn",
            f"{status.reason}; no file-system sandbox ({status.filesystem_reason}): suggest mode "
            "will not run tests; install bubblewrap (apt install bubblewrap)",
        )
    return Check("sandbox", "fail", f"no isolation for test runs: {status.reason}")


def model_check(settings: Settings, env: Mapping[str, str]) -> Check:
    table = settings.raw.get("pipeline", {})
    model = table.get("model") if isinstance(table, dict) else None
    base_url = table.get("base_url") if isinstance(table, dict) else None
    url = str(base_url or env.get("ANTHROPIC_BASE_URL") or _ANTHROPIC_DEFAULT)
    name = model or "claude-sonnet-4-6 (default)"
    auth = (
        "ANTHROPIC_API_KEY"
        if env.get("ANTHROPIC_API_KEY")
        else "ANTHROPIC_AUTH_TOKEN"
        if env.get("ANTHROPIC_AUTH_TOKEN")
        else None
    )
    reach = _reachable(url)
    where = f"model {name} at {url}"
    if auth is None and url == _ANTHROPIC_DEFAULT:
        return Check(
            "model",
            "warn",
            f"{where}: no ANTHROPIC_API_KEY; only --mode suggest works (writing code needs a model)",
        )
    if reach is not None:
        return Check("model", "fail", f"{where} is not reachable: {reach}")
    return Check("model", "ok", f"{where}, auth {auth or 'none (a local server)'}")


def github_check(repo: Path, settings: Settings, env: Mapping[str, str]) -> Check:
    from specpilot.flows.pipeline_settings import deliver_settings
    from specpilot.flows.spec_run import github_token
    from specpilot.pipeline import remote_url, repo_from_remote_url

    remote = deliver_settings(settings).remote
    url = remote_url(repo, remote)
    if url is None:
        return Check(
            "delivery",
            "warn",
            f"no git remote {remote!r}: --mode pr/auto keep the branch locally and say how to push",
        )
    slug = repo_from_remote_url(url)
    token = github_token(env)
    if slug and not token:
        return Check(
            "delivery",
            "warn",
            f"remote {remote} is GitHub ({slug}) but neither GITHUB_TOKEN nor GH_TOKEN is set: "
            "branches are pushed with git, no PR is opened",
        )
    how = "PRs through the GitHub API" if slug else "plain git push and merge"
    return Check("delivery", "ok", f"remote {remote} = {url}: {how}")


def prefect_check(env: Mapping[str, str]) -> Check:
    api = env.get("PREFECT_API_URL")
    if not api:
        return Check(
            "prefect",
            "warn",
            "PREFECT_API_URL is not set: flows run on a temporary local server; "
            "`specpilot submit` and `serve` need one (prefect server start)",
        )
    try:
        with urllib.request.urlopen(api.rstrip("/") + "/health", timeout=_TIMEOUT_S) as resp:
            ok = resp.status == 200
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return Check("prefect", "fail", f"the Prefect API at {api} does not answer: {exc}")
    return Check("prefect", "ok" if ok else "fail", f"the Prefect API at {api} is healthy")


def index_check(repo: Path, settings: Settings, db: str) -> Check:
    from specpilot.indexer import IndexerError, index_status

    try:
        st = index_status(repo, db, settings.index.walk)
    except IndexerError as exc:
        return Check("index", "warn", f"{exc}".rstrip(".") + f"; run `specpilot index {repo}`")
    stale = st["stale_files"]
    behind = sum(stale.values())
    if st["state"] != "complete":
        return Check(
            "index",
            "warn",
            f"the last index run did not finish (state {st['state']}); run `specpilot index` "
            "again to complete it",
        )
    if st.get("vectors", "all embedded") != "all embedded":  # lexical first: still embedding
        return Check(
            "index",
            "warn",
            f"vectors {st['vectors']} (an index run is embedding, or was interrupted): search "
            "works without the rest; `specpilot index` embeds them",
        )
    if behind:
        return Check(
            "index",
            "warn",
            f"{behind} file(s) changed since the index ({stale['added']} added, "
            f"{stale['changed']} changed, {stale['deleted']} deleted); run `specpilot index`",
        )
    return Check(
        "index", "ok", f"up to date at {str(st['indexed_commit'])[:12] or 'a non-git tree'}"
    )


def _reachable(url: str) -> str | None:
    """None when a TCP connection to the URL's host opens; else why not."""
    parsed = urlparse(url)
    host = parsed.hostname
    if not host:
        return f"{url!r} is not a URL"
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=_TIMEOUT_S):
            return None
    except OSError as exc:
        return str(exc)
