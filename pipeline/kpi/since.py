"""The start of a report's window: ``30d``, ``12h``, ``2w`` before now, or an ISO date/time."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from specpilot.pipeline.core.errors import ReportError

_SPAN = re.compile(r"^\s*(\d+)\s*([hdw])\s*$", re.IGNORECASE)
_UNIT = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def parse_since(text: str, now: datetime) -> datetime:
    """``now`` minus a span (``12h``, ``30d``, ``2w``), or an ISO 8601 date or time (UTC when
    it names no zone). ReportError names the value and what is valid."""
    m = _SPAN.match(text)
    if m:
        return now - int(m.group(1)) * _UNIT[m.group(2).lower()]
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ReportError(
            f"--since {text!r} is neither a span (like 12h, 30d, 2w) nor an ISO date "
            "(like 2026-01-31 or 2026-01-31T09:00)."
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)
