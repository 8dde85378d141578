"""The CLI's spec argument, whatever its source: a Markdown file, an OpenSpec change folder, a
Spec Kit feature folder, ``gh:OWNER/REPO#N`` or an issue URL (``pipeline.specsrc``).

An issue is read with ``GITHUB_TOKEN`` (else ``GH_TOKEN``) from the user's GitHub API root
(``deliver.github_api_url``: a user-only key, so a repository never chooses where the token
goes). Every problem is one line naming the file or field, exit 2.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from specpilot.flows.app import fail, repo_dir, settings_for
from specpilot.pipeline import DeployError, SpecError

if TYPE_CHECKING:
    from specpilot.pipeline import GitHubClient, Spec


def read_spec_source(
    spec: Path | str,
    repo: Path,
    overrides: list[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[Spec, str]:
    """The parsed spec and its text (``LoadedSpec``); bad input is a one-line usage error."""
    from specpilot.pipeline import load_source

    env = os.environ if environ is None else environ

    def github(slug: str) -> GitHubClient:
        api = api_url(repo, overrides)
        check_host(str(spec), api)
        return issue_client(slug, api, env)

    try:
        loaded = load_source(str(spec), repo=repo if repo.is_dir() else None, github=github)
    except (SpecError, DeployError) as exc:
        fail(str(exc))
    return loaded.spec, loaded.text


def api_url(repo: Path, overrides: list[str] | None) -> str:
    """The user's GitHub API root (``deliver.github_api_url`` / ``GITHUB_API_URL``)."""
    from specpilot.flows.pipeline_settings import deliver_settings

    return deliver_settings(settings_for(repo_dir(repo), overrides)).github_api_url


def issue_client(slug: str, api: str, environ: Mapping[str, str]) -> GitHubClient:
    """A client for the issue's repository; SpecError when no token is set."""
    from specpilot.flows.spec_run import github_token
    from specpilot.pipeline import GitHubClient

    token = github_token(environ)
    if not token:
        raise SpecError(
            f"reading an issue of {slug} needs GITHUB_TOKEN (or GH_TOKEN) set to a token that "
            "may read its issues."
        )
    return GitHubClient(slug, token=token, base_url=api, env=environ)


def check_host(ref: str, api: str) -> None:
    """An issue URL on a server of its own (GitHub Enterprise) must be the server the API root
    names, or the same number would be read from github.com's repository of that name. (A
    github.com URL is read through whatever API root the user set: a gateway, a fake.)"""
    from urllib.parse import urlsplit

    from specpilot.pipeline import parse_issue_ref

    issue = parse_issue_ref(ref)
    if issue is None or not ref.startswith("http") or issue.host.lower() == "github.com":
        return  # gh:OWNER/REPO#N means the configured GitHub
    if issue.host.lower() != (urlsplit(api).hostname or "").lower():
        raise SpecError(
            f"issue {issue.url}: is on {issue.host}, but the GitHub API is {api}; set "
            "GITHUB_API_URL (deliver.github_api_url) to that server's API, or use "
            "gh:OWNER/REPO#N."
        )
