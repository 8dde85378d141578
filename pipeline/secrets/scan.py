"""Scan every line a patch adds for secrets, before anything is committed or pushed.

Two layers, and a line is blocked when either reports it:

1. the gitleaks-derived rules of :mod:`pipeline.secret_rules` (provider token formats, passwords
   in URLs, private key blocks, a keyword-gated entropy rule);
2. detect-secrets through its public API (``SecretsCollection.scan_file`` under
   ``transient_settings``) with its format plugins. Its two keyword-less entropy plugins are
   off (they block hashes, commit ids and integrity strings), and so are the IP address plugin
   (an address is not a credential), the bare PEM-header plugin (layer 1 needs a key body),
   its keyword plugin (any quoted value after "password", entropy or not) and the four IBM
   assignment plugins (Cloudant, IAM, COS, SoftLayer: their optional-prefix regexes cost
   three quarters of the scan time, and layer 1's keyword rule covers ``*_key = <random>``).

Every file type is scanned — lockfiles, CSS, SVG, minified files — and so is every binary file:
the bytes a ``GIT binary patch`` adds are decoded (:mod:`pipeline.binary_patch`); NUL bytes are
dropped first, so UTF-16 text reads as text. A binary file whose bytes the diff does not carry
cannot be scanned and is blocked (``unreadable-binary``). Inline allowlist comments do not
count; only the user's policy allowlist does (:mod:`pipeline.secret_allowlist`).

A finding names the file, the line, the rule and the secret's SHA-256 fingerprint — never the
secret. detect-secrets keeps its settings in process-global state, so its scans hold a lock.
"""

from __future__ import annotations

import hashlib
import logging
import re
import tempfile
import threading
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from detect_secrets.core.secrets_collection import SecretsCollection
from detect_secrets.plugins.base import RegexBasedDetector
from detect_secrets.plugins.jwt import JwtTokenDetector
from detect_secrets.settings import get_plugins, transient_settings

from specpilot.pipeline.core.diffparse import FileDiff, Patch, parse_diff
from specpilot.pipeline.core.errors import DiffError, SecretsFound
from specpilot.pipeline.secrets.allowlist import Allowlist
from specpilot.pipeline.secrets.binary_patch import added_bytes
from specpilot.pipeline.secrets.rules import (
    CODE_SUFFIXES,
    entropy,
    line_starts,
    private_keys,
    scan_lines,
)

logger = logging.getLogger(__name__)

_SETTINGS_LOCK = threading.Lock()
_PLUGINS = (
    "AWSKeyDetector",
    "ArtifactoryDetector",
    "AzureStorageKeyDetector",
    "DiscordBotTokenDetector",
    "GitHubTokenDetector",
    "GitLabTokenDetector",
    "JwtTokenDetector",
    "MailchimpDetector",
    "NpmDetector",
    "OpenAIDetector",
    "PypiTokenDetector",
    "SendGridDetector",
    "SlackDetector",
    "SquareOAuthDetector",
    "StripeDetector",
    "TelegramBotTokenDetector",
    "TwilioKeyDetector",
)
# detect-secrets' heuristics on a secret's value; not its file filters (lockfiles, "non-text"
# extensions, swagger files) and not its inline-pragma filter.
_FILTERS = tuple(
    {"path": f"detect_secrets.filters.heuristic.{name}"}
    for name in (
        "is_sequential_string",
        "is_potential_uuid",
        "is_likely_id_string",
        "is_templated_secret",
        "is_prefixed_with_dollar_sign",
        "is_indirect_reference",
        "is_not_alphanumeric_string",
    )
)
_NON_TEXT_FILTER = "detect_secrets.filters.heuristic.is_non_text_file"
_DS_MIN_ENTROPY = 3.0  # for a reported value of 16+ characters (shorter: often a regex group)
# analyze_string implementations that only report matches of the plugin's denylist
_DENYLIST_METHODS = (RegexBasedDetector.analyze_string, JwtTokenDetector.analyze_string)


@dataclass(frozen=True, slots=True)
class SecretFinding:
    path: str
    line: int  # in the new file; 0 when unknown (a binary delta, an unreadable binary file)
    rule: str  # e.g. "github-token", "detect-secrets:aws-access-key"
    fingerprint: str = ""  # "sha256:<hex>" of the secret (of the line, for detect-secrets)

    def describe(self) -> str:
        return f"{self.path}:{self.line or 'binary'} ({self.rule})"


@dataclass(frozen=True, slots=True)
class _Lines:
    path: str
    numbers: tuple[int, ...]  # the new-file line number of each text (0: unknown)
    texts: tuple[str, ...]


def fingerprint(secret: str) -> str:
    return "sha256:" + hashlib.sha256(secret.encode("utf-8", "surrogateescape")).hexdigest()


def scan_patch(patch: Patch, *, allowlist: Sequence[str] = ()) -> tuple[SecretFinding, ...]:
    """Findings in the lines ``patch`` adds, one per (file, line, rule), in order, less those the
    user's ``allowlist`` (the policy's ``secrets_allowlist``) allows."""
    allowed = Allowlist.parse(allowlist)
    found: list[SecretFinding] = []
    files: list[_Lines] = []
    for file in patch.files:
        lines, unreadable = _added(file)
        if unreadable is not None:
            logger.warning("secrets scan cannot read %s: %s", file.path, unreadable)
            found.append(SecretFinding(file.path, 0, "unreadable-binary"))
        if lines is not None and lines.texts:
            files.append(lines)
    ours: dict[tuple[str, int], list[str]] = {}  # (path, line) -> secrets the rules found
    for lines in files:
        for finding, secret in _scan_rules(lines):
            ours.setdefault((finding.path, finding.line), []).append(secret)
            found.append(finding)
    for finding, value in _scan_detect_secrets(files):
        seen = ours.get((finding.path, finding.line), ())
        if not any(value in s or s in value for s in seen):
            found.append(finding)  # a secret only detect-secrets knows
    unique: dict[tuple[str, int, str], SecretFinding] = {}
    for f in found:  # one finding per secret and line: the first, most specific rule
        unique.setdefault((f.path, f.line, f.fingerprint or f.rule), f)
    kept = (f for f in unique.values() if not allowed.allows(f.path, f.rule, f.fingerprint))
    return tuple(sorted(kept, key=lambda s: (s.path, s.line, s.rule)))


def scan_diff(diff_text: str, *, allowlist: Sequence[str] = ()) -> tuple[SecretFinding, ...]:
    """:func:`scan_patch` of a unified diff."""
    return scan_patch(parse_diff(diff_text), allowlist=allowlist)


def secrets_message(findings: Sequence[SecretFinding]) -> str:
    where = ", ".join(f.describe() for f in findings)
    prints = ", ".join(dict.fromkeys(f.fingerprint for f in findings if f.fingerprint))
    allow = f" (fingerprints: {prints})" if prints else ""
    return (
        f"The change adds {len(findings)} likely secret(s) at {where}; remove them (read them "
        "from an environment variable or a secret store). Inline allowlist comments do not "
        "count: only the user can allow a false positive, in the policy's secrets_allowlist, by "
        f"fingerprint{allow} or as '<rule>@<path glob>'."
    )


def ensure_no_secrets(patch: Patch, *, allowlist: Sequence[str] = ()) -> None:
    """Raise :class:`SecretsFound` naming each file, line and rule when ``patch`` adds a secret."""
    findings = scan_patch(patch, allowlist=allowlist)
    if findings:
        raise SecretsFound(secrets_message(findings))


def _added(f: FileDiff) -> tuple[_Lines | None, str | None]:
    """The added lines of ``f`` (decoded from its binary patch for a binary file), or why they
    cannot be read."""
    if not f.binary:
        numbers = tuple(d.number for d in f.added_lines)
        return _Lines(
            f.path, numbers, tuple(d.text.replace("\x00", "") for d in f.added_lines)
        ), None
    if f.is_deleted:
        return None, None
    if not f.binary_patch:
        return None, "the diff has no binary patch for it (use 'git diff --binary')"
    try:
        added = added_bytes(f.binary_patch, f.path)
    except DiffError as err:
        return None, str(err)
    texts = tuple(added.data.replace(b"\x00", b"").decode("utf-8", "replace").split("\n"))
    numbers = tuple(range(1, len(texts) + 1)) if added.kind == "literal" else (0,) * len(texts)
    return _Lines(f.path, numbers, texts), None


def _scan_rules(lines: _Lines) -> list[tuple[SecretFinding, str]]:
    code = PurePosixPath(lines.path).suffix.lower() in CODE_SUFFIXES
    matches = [*scan_lines(lines.texts, code=code), *private_keys(lines.texts)]
    return [
        (SecretFinding(lines.path, lines.numbers[m.index], m.rule, fingerprint(m.secret)), m.secret)
        for m in matches
    ]


def _scan_detect_secrets(files: Sequence[_Lines]) -> list[tuple[SecretFinding, str]]:
    """detect-secrets' plugins over each file's added lines, written to a temporary file with
    the file's own name (its config handling goes by the extension). Only the lines one of the
    plugins' own ``denylist`` regexes matches are written: a regex plugin reports nothing on
    any other line, and its per-line dispatch is the slow part. Its reported value is often
    only part of the token (a regex group), so the fingerprint is the line's."""
    out: list[tuple[SecretFinding, str]] = []
    if not files:
        return out
    config = {"plugins_used": [{"name": n} for n in _PLUGINS], "filters_used": list(_FILTERS)}
    with (
        _SETTINGS_LOCK,
        tempfile.TemporaryDirectory(prefix="specpilot-secrets-") as tmp,
        transient_settings(config) as settings,
    ):
        settings.disable_plugins(*(p for p in list(settings.plugins) if p not in _PLUGINS))
        settings.disable_filters(_NON_TEXT_FILTER)
        prefilter = _denylists(get_plugins())
        collection = SecretsCollection(root=tmp)
        picked: dict[str, tuple[_Lines, list[int]]] = {}
        for i, lines in enumerate(files):
            # ASCII with replacement: every format is ASCII, and no locale can make the read fail
            texts = [t.rstrip().encode("ascii", "replace").decode() for t in lines.texts]
            keep = _candidates(texts, prefilter)
            if not keep:
                continue
            name = f"{i}/{Path(lines.path).name or 'file'}"
            (Path(tmp) / str(i)).mkdir()
            (Path(tmp) / name).write_text("".join(texts[k] + "\n" for k in keep))
            picked[name] = (lines, keep)
            collection.scan_file(name)
        for name, secret in collection:
            lines, keep = picked[name]
            index = keep[min(max(secret.line_number - 1, 0), len(keep) - 1)]
            value = secret.secret_value or ""
            if len(value) >= 16 and entropy(value) < _DS_MIN_ENTROPY:
                continue  # a DNA string, a run of "A"s in a base64 blob, an "SKxxxx" placeholder
            rule = "detect-secrets:" + re.sub(r"[^a-z0-9]+", "-", str(secret.type).lower())
            print_ = fingerprint(lines.texts[index].strip())
            finding = SecretFinding(lines.path, lines.numbers[index], rule, print_)
            out.append((finding, value))
    return out


def _denylists(plugins: Sequence[object]) -> tuple[re.Pattern[str], ...] | None:
    """The plugins' regexes, compiled for a whole text (``^``/``$`` per line); ``None`` when a
    plugin finds secrets other than through its denylist (then every line goes to it)."""
    patterns: list[re.Pattern[str]] = []
    for plugin in plugins:
        method = getattr(type(plugin), "analyze_string", None)
        if not isinstance(plugin, RegexBasedDetector) or method not in _DENYLIST_METHODS:
            return None
        patterns.extend(re.compile(p.pattern, p.flags | re.MULTILINE) for p in plugin.denylist)
    return tuple(patterns)


def _candidates(texts: list[str], patterns: tuple[re.Pattern[str], ...] | None) -> list[int]:
    """Indexes of the lines a pattern matches in the joined text, with every line a match
    spans (a match across a line break may hide one inside it, so all of it is kept)."""
    if patterns is None:
        return list(range(len(texts)))
    text, starts = "\n".join(texts), line_starts(texts)
    keep: set[int] = set()
    for pattern in patterns:
        for m in pattern.finditer(text):
            first = bisect_right(starts, m.start()) - 1
            last = bisect_right(starts, max(m.end() - 1, m.start())) - 1
            keep.update(range(first, last + 1))
    return sorted(keep)
