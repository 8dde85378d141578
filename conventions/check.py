"""``check_diff``: the violations of a repo's strong conventions that a diff *adds*.

For each changed code file the post-change text is measured exactly as indexing measures a
file (``conventions.facts.observe``); an observation counts only when its line is added by
the diff (a property of the whole file — ``file_level`` — only when the file is new). It is a
violation when it breaks a strong convention of the file's language:

- a dominant convention ``check`` enforces (``Family.enforces``) whose value the observed
  variant does not satisfy (a camelCase function in a snake_case repo, a missing docstring
  where public functions are documented, ``print()`` where the repo logs, ...);
- an *avoid* rule for the observed variant (a bare ``except:`` where the repo never has one);
- a line longer than the configured (else the measured) line limit, and likewise another
  quote style, semicolon style or indentation than the configured one (else the measured);
- a new exception class deriving from a built-in exception where the repo's exceptions
  share a root class.

The post-change text is the working tree's file when it matches the diff's new side, else
the working tree's old file with the diff applied, else (new files) the diff's added lines;
when none fits, the hunks alone are measured (line numbers kept) and a note says so. Files
outside the code the profile was measured from (docs, examples, build scripts:
``conventions.scope``) are skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from specpilot.conventions.errors import DiffParseError
from specpilot.conventions.facts import observe
from specpilot.conventions.families import FAMILIES
from specpilot.conventions.measures.error_idioms import JS_BUILTIN_ERRORS, PY_BUILTIN_EXCEPTIONS
from specpilot.conventions.measures.syntax import language_group
from specpilot.conventions.tooling.rules import MEASURED_FAMILY, setting_variant
from specpilot.conventions.types import Convention, ConventionProfile, Observation, Violation
from specpilot.indexer import DiffError, FileDiff, Hunk, Patch, language_for, parse_diff

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CheckReport:
    violations: tuple[Violation, ...]
    files_checked: int
    skipped: dict[str, str]  # path -> why it was not checked
    notes: tuple[str, ...] = ()  # fallbacks taken (e.g. a file measured from its hunks alone)


def read_diff(text: str) -> Patch:
    """The diff's files (``indexer.source.diffs``), a diff it cannot read as ``DiffParseError``."""
    try:
        return parse_diff(text)
    except DiffError as exc:
        raise DiffParseError(str(exc)) from exc


def check_diff(
    profile: ConventionProfile, diff_text: str, repo_root: str | Path | None = None
) -> list[Violation]:
    """The violations ``diff_text`` adds, sorted by path and line (see the module doc)."""
    return list(check_diff_report(profile, diff_text, repo_root).violations)


def check_diff_report(
    profile: ConventionProfile, diff_text: str, repo_root: str | Path | None = None
) -> CheckReport:
    """``check_diff`` with what was skipped and which fallbacks were taken."""
    root = Path(repo_root) if repo_root is not None else None
    found: dict[tuple[str, int, str], Violation] = {}
    skipped: dict[str, str] = {}
    notes: list[str] = []
    checked = 0
    for diff in read_diff(diff_text).files:
        language = language_for(diff.path) or ""
        group = language_group(language)
        if diff.is_deleted or diff.binary or group is None:
            why = "deleted" if diff.is_deleted else "binary" if diff.binary else "not code"
            skipped[diff.path] = why
            continue
        if not profile.measures(diff.path):
            # the conventions were measured without docs, examples, build scripts, ...:
            # they say nothing about such files
            skipped[diff.path] = "outside the measured code (docs, examples, scripts, ...)"
            continue
        added = {line.number for line in diff.added_lines}
        if not added:
            skipped[diff.path] = "no added lines"
            continue
        text, note = post_change_text(diff, root)
        if note:
            notes.append(note)
            log.warning("%s", note)
        checked += 1
        for obs in observe(diff.path, language, text):
            if obs.line not in added or (obs.file_level and not diff.is_new):
                continue
            violation = judge(profile, group, diff.path, obs)
            if violation is not None:
                found.setdefault((violation.path, violation.line, violation.rule), violation)
    ordered = sorted(found.values(), key=lambda v: (v.path, v.line, v.rule))
    return CheckReport(tuple(ordered), checked, skipped, tuple(notes))


def judge(profile: ConventionProfile, group: str, path: str, obs: Observation) -> Violation | None:
    """The violation one added observation makes, if any."""
    fam = FAMILIES.get(obs.family)
    if fam is None or not fam.checkable:
        return None
    if obs.family == "format.line_length":
        return _line_length(profile, group, path, obs)
    if obs.family == "errors.exception_base":
        return _exception_base(profile, group, path, obs)
    subject = f" `{obs.subject}`" if obs.subject else ""
    what = f"{fam.one[:1].upper()}{fam.one[1:]}{subject}"
    configured = _configured(profile, group, obs.family)
    if configured is not None:  # the formatter's / linter's value, not the measured one
        setting, expected = configured
        if obs.variant == expected:
            return None
        message = _message(what, fam.label(obs.variant), obs, setting)
        return Violation(path, obs.line, setting.id, message, setting.evidence)
    conv = _strong(profile, f"{group}.{obs.family}")
    if (
        conv is not None
        and conv.kind == "dominant"
        and fam.enforces(conv.value)
        and not fam.satisfies(obs.variant, conv.value)
    ):
        return Violation(
            path,
            obs.line,
            conv.id,
            _message(what, fam.label(obs.variant), obs, conv),
            conv.evidence,
        )
    avoid = _strong(profile, f"{group}.{obs.family}.avoid-{obs.variant}")
    if avoid is not None:
        return Violation(
            path,
            obs.line,
            avoid.id,
            _message(what, fam.label(obs.variant), obs, avoid),
            avoid.evidence,
        )
    return None


def _message(what: str, found: str, obs: Observation, conv: Convention) -> str:
    shown = "" if found.strip("`") == obs.subject else f" ({found})"
    return f"{what}{shown} breaks the convention: {conv.statement}"


def _configured(
    profile: ConventionProfile, group: str, family: str
) -> tuple[Convention, str] | None:
    """The strong tooling setting that settles a measured family, with the variant it wants."""
    for key, measured in MEASURED_FAMILY.items():
        if measured == family and key != "line_length":
            setting = _strong(profile, f"{group}.tooling.{key}")
            expected = setting_variant(key, setting.value) if setting is not None else None
            return (setting, expected) if setting is not None and expected else None
    return None


def _strong(profile: ConventionProfile, convention_id: str) -> Convention | None:
    conv = profile.get(convention_id)
    return conv if conv is not None and conv.strong else None


def _line_length(
    profile: ConventionProfile, group: str, path: str, obs: Observation
) -> Violation | None:
    conv = _strong(profile, f"{group}.tooling.line_length") or _strong(
        profile, f"{group}.format.line_length"
    )
    if conv is None or not conv.value.isdigit() or not obs.subject.isdigit():
        return None
    length, limit = int(obs.subject), int(conv.value)
    if length <= limit:
        return None
    message = f"Line is {length} characters long; the limit here is {limit}."
    return Violation(path, obs.line, conv.id, message, conv.evidence)


def _exception_base(
    profile: ConventionProfile, group: str, path: str, obs: Observation
) -> Violation | None:
    conv = _strong(profile, f"{group}.errors.exception_base")
    builtin = PY_BUILTIN_EXCEPTIONS if group == "python" else JS_BUILTIN_ERRORS
    if conv is None or obs.variant not in builtin or obs.subject == conv.value:
        return None
    if obs.subject.endswith("Warning"):
        return None
    message = (
        f"Exception class `{obs.subject}` derives from `{obs.variant}` directly; "
        f"the convention here: {conv.statement}"
    )
    return Violation(path, obs.line, conv.id, message, conv.evidence)


# -- the post-change text ---------------------------------------------------------------------
def post_change_text(diff: FileDiff, root: Path | None) -> tuple[str, str]:
    """The file's text after the change and a note when a fallback was needed ("" if not)."""
    new_side = diff.side("new")
    if diff.is_new:
        if root is not None:
            disk = _read(root / diff.path)
            if disk is not None and _agrees(disk, new_side):
                return disk, ""
        return "\n".join(text for _, text in sorted(new_side.items())) + "\n", ""
    if root is not None:
        disk = _read(root / diff.path)
        if disk is not None and _agrees(disk, new_side):
            return disk, ""
        old = _read(root / (diff.old_path or diff.path))
        if old is not None and _agrees(old, diff.side("old")):
            return apply_hunks(old, diff.hunks), ""
    last = max(new_side, default=0)
    text = "\n".join(new_side.get(n, "") for n in range(1, last + 1)) + "\n"
    where = f"in {root}" if root is not None else "(no repo root given)"
    note = (
        f"{diff.path}: neither the working tree's file {where} nor its pre-change version "
        "matches the diff; only the diff's hunks were checked."
    )
    return text, note


def _read(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return None


def _agrees(text: str, side: dict[int, str]) -> bool:
    lines = text.splitlines()
    return all(
        n <= len(lines) and lines[n - 1].rstrip("\r") == expected.rstrip("\r")
        for n, expected in side.items()
    )


def apply_hunks(old: str, hunks: Sequence[Hunk]) -> str:
    """The old text with the hunks applied (the hunks must agree with it)."""
    lines = old.splitlines()
    out: list[str] = []
    pos = 0
    for hunk in hunks:
        upto = hunk.old_start - 1 if hunk.old_count > 0 else hunk.old_start
        out.extend(lines[pos:upto])
        pos = upto
        for tag, text in hunk.lines:
            if tag == " ":
                out.append(lines[pos] if pos < len(lines) else text)
                pos += 1
            elif tag == "-":
                pos += 1
            else:
                out.append(text)
    out.extend(lines[pos:])
    return "\n".join(out) + "\n"
