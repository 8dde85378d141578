"""One entry point for every spec source: ``load_source(ref)`` → the ``Spec`` and its text.

``ref`` is, in this order: an existing Markdown file (today's spec file); an existing folder —
an OpenSpec change (``proposal.md``; a folder under ``changes/``) or a Spec Kit feature
(``spec.md``); ``gh:OWNER/REPO#N`` or an issue URL, read through the GitHub client that
``github(owner/name)`` makes. A relative path that does not exist is also tried under ``repo``.

The text is what the run's audit hashes and what a flow run is given: the file itself for a
Markdown spec, else the spec written out as Markdown with front matter (``spec_document``),
which ``parse_spec`` reads back into the same title, body, criteria, tasks and hints.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from specpilot.pipeline.core.errors import SpecError
from specpilot.pipeline.deliver.github import GitHubClient
from specpilot.pipeline.run.spec import Spec, parse_spec
from specpilot.pipeline.specsrc.github_issue import IssueRef, parse_issue_ref, read_issue
from specpilot.pipeline.specsrc.markdown import read_text
from specpilot.pipeline.specsrc.openspec import is_openspec_change, read_openspec
from specpilot.pipeline.specsrc.speckit import is_speckit_feature, read_speckit

# owner/name -> a client for that repository's API (the caller's token and API root)
GitHubFactory = Callable[[str], GitHubClient]

SOURCES_HINT = (
    "give a Markdown spec file, an OpenSpec change folder (openspec/changes/<id>/), a Spec Kit "
    "feature folder (specs/NNN-feature/), gh:OWNER/REPO#N or an issue URL"
)


@dataclass(frozen=True, slots=True)
class LoadedSpec:
    spec: Spec
    text: str  # the spec's text (see the module docstring)
    issue: IssueRef | None = None  # set when the spec came from a GitHub issue


def load_source(
    ref: str, *, repo: Path | None = None, github: GitHubFactory | None = None
) -> LoadedSpec:
    """Read the spec ``ref`` names; SpecError (one sentence naming the file or field) when it
    is missing or malformed."""
    path = Path(ref).expanduser()
    if not path.exists() and not path.is_absolute() and repo is not None and (repo / path).exists():
        path = repo / path
    if path.is_file():
        text = read_text(path, f"spec file {path}")
        spec = parse_spec(text, source=str(path))
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        update = {"source_kind": "markdown", "source_ref": str(path), "content_hash": digest}
        return LoadedSpec(spec.model_copy(update=update), text)
    if path.is_dir():
        if is_openspec_change(path):
            return _written_out(read_openspec(path))
        if is_speckit_feature(path):
            return _written_out(read_speckit(path))
        raise SpecError(
            f"{path}: a folder with neither proposal.md (an OpenSpec change) nor spec.md "
            f"(a Spec Kit feature); {SOURCES_HINT}."
        )
    issue = parse_issue_ref(ref)
    if issue is not None:
        if github is None:
            raise SpecError(f"issue {issue.short}: no GitHub client to read it with.")
        return _written_out(read_issue(issue, github(issue.repo)), issue)
    raise SpecError(f"spec {ref} does not exist; {SOURCES_HINT}.")


def spec_document(spec: Spec) -> str:
    """The spec as Markdown with front matter: ``parse_spec`` reads it back to the same
    title, risk, criteria, tasks, paths, test command, base and body."""
    data: dict[str, Any] = {"title": spec.title}
    if spec.risk:
        data["risk"] = spec.risk
    if spec.acceptance:
        data["acceptance"] = list(spec.acceptance)
    if spec.tasks:
        data["tasks"] = list(spec.tasks)
    paths = {k: list(v) for k, v in (("allow", spec.paths.allow), ("block", spec.paths.block)) if v}
    if paths:
        data["paths"] = paths
    if spec.test_command:
        data["test_command"] = spec.test_command
    if spec.base:
        data["base"] = spec.base
    front = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{front}---\n{spec.body.strip()}\n"


def _written_out(spec: Spec, issue: IssueRef | None = None) -> LoadedSpec:
    return LoadedSpec(spec, spec_document(spec), issue)
