"""When a failed Messages API attempt is tried again, and after how long: the SDK's policy,
kept here so the client can hold all attempts of one call to a deadline.

The SDK's own retry loop sleeps for as long as ``retry-after`` says and gives every attempt
the full request timeout, so it cannot keep a call inside the run's remaining wall time. The
client turns the SDK's retries off and loops itself with these rules, which are the SDK's:
408, 409, 429 and 5xx are retried, a server's ``x-should-retry`` header overrides that, the
wait is ``retry-after-ms`` / ``retry-after`` (seconds or an HTTP date) when the server sends
one, else an exponential backoff of 0.5 s doubling up to 8 s, less up to a quarter of jitter.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping

INITIAL_DELAY_S = 0.5
MAX_DELAY_S = 8.0
RETRIED_STATUSES = frozenset({408, 409, 429})


def should_retry(status: int, headers: Mapping[str, str]) -> bool:
    """Whether an error answer with HTTP ``status`` is worth another attempt."""
    header = headers.get("x-should-retry")
    if header in ("true", "false"):
        return header == "true"
    return status in RETRIED_STATUSES or status >= 500


def retry_after_s(headers: Mapping[str, str] | None) -> float | None:
    """The wait the server asked for, in seconds; None when it asked for none."""
    if not headers:
        return None
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        try:
            return float(headers[name]) / scale
        except (KeyError, TypeError, ValueError):
            pass
    parsed = email.utils.parsedate_tz(headers.get("retry-after", ""))
    if parsed is None:
        return None
    return float(email.utils.mktime_tz(parsed) - time.time())


def retry_delay_s(retries_taken: int, headers: Mapping[str, str] | None = None) -> float:
    """Seconds to wait before retry number ``retries_taken + 1``."""
    asked = retry_after_s(headers)
    if asked is not None and asked > 0:
        return asked
    backoff = min(INITIAL_DELAY_S * 2.0 ** min(retries_taken, 1000), MAX_DELAY_S)
    return backoff * (1 - 0.25 * random.random())
