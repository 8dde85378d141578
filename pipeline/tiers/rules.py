"""The rules that read the change itself: kinds, dependency bumps, modes and links, size, path
rules, sensitive paths and the policy's own files (see :mod:`pipeline.tiering` for the list).

Each rule returns :class:`Reason` s; the tier is decided from all of them in ``tiering``.
"""

from __future__ import annotations

import posixpath
import tomllib
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from specpilot.pipeline.core.diffparse import Patch
from specpilot.pipeline.tiers.base_tree import FileTexts, Unverifiable
from specpilot.pipeline.tiers.classify import KIND_ORDER, Classification, Matcher
from specpilot.pipeline.tiers.file_types import GITLINK_MODE, SYMLINK_MODE, mode_change
from specpilot.pipeline.tiers.policy import PROTECTED_GLOBS, Policy, Tier
from specpilot.pipeline.tiers.policy_files import PYPROJECT

MAX_LISTED = 3  # per-file explanations quoted in one reason


class Reason(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str
    tier: Tier
    blocked: bool = False
    message: str
    paths: tuple[str, ...] = ()


def change_reasons(
    patch: Patch, policy: Policy, classification: Classification, texts: FileTexts
) -> list[Reason]:
    """Every rule about the change itself that fires, in the order of the module docstring."""
    if not patch.files:
        message = "the diff changes no file; there is nothing to deploy"
        return [Reason(rule="empty", tier=3, blocked=True, message=message)]
    reasons = _kind_reasons(policy, classification)
    reasons += _dependency_reasons(classification)
    binary = tuple(f.path for f in patch.files if f.binary)
    if binary:
        message = "binary files cannot be reviewed or scanned for secrets automatically"
        reasons.append(
            Reason(rule="binary", tier=policy.binary_tier, message=message, paths=binary)
        )
    links = symlink_targets(patch)
    reasons += _mode_reasons(patch, links)
    reasons += size_reasons(patch, policy)
    reasons += _path_reasons(patch, policy, links)
    reasons += _policy_self(patch, links, texts)
    return reasons


def _kind_reasons(policy: Policy, classification: Classification) -> list[Reason]:
    reasons = []
    for kind in KIND_ORDER:
        paths = classification.paths_of(kind)
        if paths:
            tier = policy.kinds[kind]
            whys = _listed(classification.whys_of(kind))
            message = (
                f"{len(paths)} {kind} file(s); the policy gives {kind} changes tier {tier} ({whys})"
            )
            reasons.append(Reason(rule=f"kind.{kind}", tier=tier, message=message, paths=paths))
    return reasons


def _dependency_reasons(classification: Classification) -> list[Reason]:
    reasons = []
    changed = [c for c in classification.bumps if not c.bump]
    if changed:
        message = (
            "only a version change of a dependency the file already had is a bump "
            f"(like Renovate's automerge): {_listed([c.summary() for c in changed])}"
        )
        paths = tuple(dict.fromkeys(c.path for c in changed))
        reasons.append(Reason(rule="dependency.change", tier=2, message=message, paths=paths))
    major = [c for c in classification.bumps if c.bump and c.major]
    if major:
        bumps = _listed([m for c in major for m in c.major])
        message = f"a major version bump can break the API, so a human reviews it: {bumps}"
        paths = tuple(dict.fromkeys(c.path for c in major))
        reasons.append(Reason(rule="dependency.major", tier=2, message=message, paths=paths))
    return reasons


def symlink_targets(patch: Patch) -> dict[str, str | None]:
    """``{link path: the repo path it points to}`` for every symlink the diff creates or
    changes; ``None`` when the target leaves the repository (absolute, or too many ``..``)."""
    out: dict[str, str | None] = {}
    for f in patch.files:
        if f.mode_after != SYMLINK_MODE or not f.added_lines:
            continue
        target = f.added_lines[0].text
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(f.path), target))
        outside = target.startswith("/") or joined == ".." or joined.startswith("../")
        out[f.path] = None if outside else joined
    return out


def _mode_reasons(patch: Patch, links: dict[str, str | None]) -> list[Reason]:
    reasons = []
    modes = [(f.path, change) for f in patch.files if (change := mode_change(f)) is not None]
    plain = [(p, c) for p, c in modes if SYMLINK_MODE not in c and GITLINK_MODE not in c]
    if plain:
        listed = _listed([f"{p}: {c}" for p, c in plain])
        message = f"the change sets file modes (an executable bit makes a file runnable): {listed}"
        paths = tuple(p for p, _ in plain)
        reasons.append(Reason(rule="filemode", tier=2, message=message, paths=paths))
    symlinks = tuple(f.path for f in patch.files if SYMLINK_MODE in (f.mode_before, f.mode_after))
    if symlinks:
        outside = tuple(p for p in symlinks if p in links and links[p] is None)
        if outside:
            message = "a symbolic link points out of the repository; it is only suggested"
            reasons.append(Reason(rule="symlink", tier=3, message=message, paths=outside))
        else:
            shown = _listed([f"{p} → {links[p]}" if links.get(p) else p for p in symlinks])
            message = f"symbolic links are created or changed; their target is reviewed: {shown}"
            reasons.append(Reason(rule="symlink", tier=2, message=message, paths=symlinks))
    submodules = tuple(f.path for f in patch.files if GITLINK_MODE in (f.mode_before, f.mode_after))
    if submodules:
        message = "a submodule pointer changes: it brings in another repository's code"
        reasons.append(Reason(rule="submodule", tier=2, message=message, paths=submodules))
    return reasons


def size_reasons(patch: Patch, policy: Policy) -> list[Reason]:
    size = policy.size
    excluded = Matcher(size.exclude)
    counted = [f for f in patch.files if not excluded(f.path)]
    added = [d.text for f in counted for d in f.added_lines]
    lines = sum(f.added + f.removed for f in counted)
    nbytes = sum(len(t.encode("utf-8", "surrogateescape")) + 1 for t in added)
    out = []
    for what, count, auto, top in (
        ("files", len(patch.files), size.auto_max_files, size.max_files),
        ("lines", lines, size.auto_max_lines, size.max_lines),
        ("bytes", nbytes, size.auto_max_bytes, size.max_bytes),
    ):
        if count > top:
            message = f"{count} changed {what} exceed max_{what} = {top}"
            out.append(Reason(rule=f"size.max_{what}", tier=3, message=message))
        elif count > auto:
            message = f"{count} changed {what} exceed auto_max_{what} = {auto}: no auto-merge"
            out.append(Reason(rule=f"size.auto_max_{what}", tier=2, message=message))
    longest = max(((len(d.text), f.path) for f in counted for d in f.added_lines), default=None)
    if longest is not None and longest[0] > size.auto_max_line_length:
        message = (
            f"an added line of {longest[0]} characters in {longest[1]} exceeds "
            f"auto_max_line_length = {size.auto_max_line_length}: no auto-merge"
        )
        reason = Reason(
            rule="size.auto_max_line_length", tier=2, message=message, paths=(longest[1],)
        )
        out.append(reason)
    return out


def _path_reasons(patch: Patch, policy: Policy, links: dict[str, str | None]) -> list[Reason]:
    """The policy's path rules and sensitive groups, matched whatever the case; a symlink is
    also matched at the path it points to."""
    reasons = []
    for rule in policy.paths:
        matched = _matching(patch.paths, links, Matcher([rule.glob], ignore_case=True))
        if matched:
            why = rule.reason or f"the policy's path rule for {rule.glob!r}"
            tier = 3 if rule.blocked or rule.tier is None else rule.tier
            message = f"{why} ({'blocked' if rule.blocked else f'tier {tier} or higher'})"
            reasons.append(
                Reason(
                    rule=f"path:{rule.glob}",
                    tier=tier,
                    blocked=rule.blocked,
                    message=message,
                    paths=matched,
                )
            )
    for group, globs in policy.sensitive.items():
        matched = _matching(patch.paths, links, Matcher(globs, ignore_case=True))
        if not matched:
            continue
        if group in policy.allow_edit:
            tier = policy.sensitive_tier
            message = f"{group} paths are sensitive: never auto-merged (tier {tier})"
            reasons.append(
                Reason(rule=f"sensitive.{group}", tier=tier, message=message, paths=matched)
            )
        else:
            message = (
                f"{group} paths are sensitive and the agent may not edit them "
                f"(the policy's allow_edit does not name {group!r})"
            )
            reasons.append(
                Reason(
                    rule=f"sensitive.{group}", tier=3, blocked=True, message=message, paths=matched
                )
            )
    return reasons


def _matching(
    paths: Iterable[str], links: dict[str, str | None], matcher: Matcher
) -> tuple[str, ...]:
    hits = [p for p in paths if matcher(p)]
    hits += [link for link, target in links.items() if target is not None and matcher(target)]
    return tuple(dict.fromkeys(hits))


def _policy_self(patch: Patch, links: dict[str, str | None], texts: FileTexts) -> list[Reason]:
    own = list(_matching(patch.paths, links, Matcher(PROTECTED_GLOBS, ignore_case=True)))
    notes = []
    for f in patch.files:
        names = [p for p in f.paths if p.lower() == PYPROJECT]
        if not names:
            continue
        if any(p != PYPROJECT for p in names):  # one file on a case-insensitive file system
            own.append(f.path)
            notes.append(f"{f.path} differs from {PYPROJECT} only in case")
            continue
        try:
            before = _specpilot_table(texts.old(f) if f.old_path == PYPROJECT else None)
            after = _specpilot_table(texts.new(f) if f.path == PYPROJECT else None)
        except Unverifiable as exc:
            own.append(f.path)
            notes.append(f"{f.path} cannot be checked ({exc})")
            continue
        if before != after:
            own.append(f.path)
            notes.append(f"{f.path} changes the parsed tool.specpilot table")
    if not own:
        return []
    message = "the change edits specpilot's own policy or configuration, which only a human may"
    if notes:
        message += f": {'; '.join(notes)}"
    paths = tuple(dict.fromkeys(own))
    return [Reason(rule="policy.self", tier=3, blocked=True, message=message, paths=paths)]


def _specpilot_table(text: str | None) -> Any:
    """``tool.specpilot`` of a pyproject.toml as TOML reads it (``\\u0070`` is a ``p``)."""
    if text is None:
        return None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise Unverifiable(f"it is not valid TOML: {exc}") from None
    tool = doc.get("tool")
    return tool.get("specpilot") if isinstance(tool, dict) else None


def _listed(items: Sequence[str]) -> str:
    shown = "; ".join(items[:MAX_LISTED])
    more = len(items) - MAX_LISTED
    return shown + (f"; and {more} more" if more > 0 else "")
