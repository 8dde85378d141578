"""The client's retry policy (the SDK's): which answers are retried, and after how long."""

from __future__ import annotations

import email.utils
import time

from specpilot.pipeline.model.retry import retry_after_s, retry_delay_s, should_retry


def test_which_answers_are_retried() -> None:
    assert all(should_retry(s, {}) for s in (408, 409, 429, 500, 503, 529))
    assert not any(should_retry(s, {}) for s in (400, 401, 404, 413))
    assert not should_retry(500, {"x-should-retry": "false"})  # the server's word wins
    assert should_retry(400, {"x-should-retry": "true"})


def test_the_wait_a_server_asks_for() -> None:
    assert retry_after_s({"retry-after-ms": "250"}) == 0.25
    assert retry_after_s({"retry-after": "3"}) == 3.0
    in_ten = email.utils.formatdate(time.time() + 10, usegmt=True)
    assert 8 <= (retry_after_s({"retry-after": in_ten}) or 0) <= 10
    assert retry_after_s({"retry-after": "soon"}) is None and retry_after_s(None) is None
    assert retry_delay_s(0, {"retry-after": "30"}) == 30.0


def test_backoff_doubles_up_to_8_s_less_jitter() -> None:
    for retries, full in ((0, 0.5), (1, 1.0), (2, 2.0), (5, 8.0), (50, 8.0)):
        delay = retry_delay_s(retries)
        assert 0.75 * full <= delay <= full
