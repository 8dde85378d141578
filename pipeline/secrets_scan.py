"""Scan the added lines of a patch for secrets with detect-secrets, before anything is committed.

Every detect-secrets plugin runs with its default heuristic filters (lockfiles and non-text
files are skipped, as ``detect-secrets scan`` does). A finding names the file, the line and the
detector, never the secret itself.

detect-secrets' own diff entry point (``scan_diff``) needs ``unidiff``, which is not installed;
the added lines we already parsed go through the same line routine ``scan_diff`` uses.
detect-secrets keeps its settings in process-global state, so scans are serialized by a lock.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from detect_secrets.core.scan import _is_filtered_out, _process_line_based_plugins
from detect_secrets.settings import default_settings

from specpilot.pipeline.diffparse import Patch, parse_diff
from specpilot.pipeline.errors import SecretsFound

logger = logging.getLogger(__name__)

_SETTINGS_LOCK = threading.Lock()
_ON_DISK_FILTER = "detect_secrets.filters.common.is_invalid_file"  # we scan text, not files


@dataclass(frozen=True, slots=True)
class SecretFinding:
    path: str
    line: int
    kind: str  # the detector, e.g. "AWS Access Key"

    def describe(self) -> str:
        return f"{self.path}:{self.line} ({self.kind})"


def scan_patch(patch: Patch) -> tuple[SecretFinding, ...]:
    """Findings in the added lines of ``patch``, one per (file, line, detector), in order."""
    found: dict[tuple[str, int, str], SecretFinding] = {}
    with _SETTINGS_LOCK, default_settings() as settings:
        settings.disable_filters(_ON_DISK_FILTER)
        for f in patch.files:
            if f.binary or not f.added_lines:
                continue
            if _is_filtered_out(required_filter_parameters=["filename"], filename=f.path):
                logger.debug("secrets scan skips %s (a lockfile or non-text file)", f.path)
                continue
            lines = [(d.number, d.text) for d in f.added_lines]
            for secret in _process_line_based_plugins(lines, filename=f.path):
                number = secret.line_number
                key = (f.path, number, str(secret.type))
                found.setdefault(key, SecretFinding(f.path, number, str(secret.type)))
    return tuple(sorted(found.values(), key=lambda s: (s.path, s.line, s.kind)))


def scan_diff(diff_text: str) -> tuple[SecretFinding, ...]:
    """:func:`scan_patch` of a unified diff."""
    return scan_patch(parse_diff(diff_text))


def secrets_message(findings: tuple[SecretFinding, ...]) -> str:
    where = ", ".join(f.describe() for f in findings)
    return (
        f"The change adds {len(findings)} likely secret(s) at {where}; remove them "
        "(use an environment variable or a secret store), or mark a false positive with an "
        "inline '# pragma: allowlist secret' comment."
    )


def ensure_no_secrets(patch: Patch) -> None:
    """Raise :class:`SecretsFound` naming each file and line when ``patch`` adds a secret."""
    findings = scan_patch(patch)
    if findings:
        raise SecretsFound(secrets_message(findings))
