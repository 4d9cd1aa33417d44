"""The pure retry rules: what gets another try and how long to wait."""

from __future__ import annotations

import pytest

from sfseg.salesforce import errors
from sfseg.salesforce.retry import RetryPolicy, backoff, should_retry

PINNED = RetryPolicy(jitter=lambda: 1.0)


def test_backoff_doubles_to_cap() -> None:
    """With jitter pinned at 1 the waits double from 1 s and stop at 60 s."""
    assert [backoff(n, None, PINNED) for n in range(1, 9)] == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]


def test_backoff_full_jitter() -> None:
    """Full jitter scales the exponential wait by the jitter value."""
    half = RetryPolicy(jitter=lambda: 0.5)
    assert [backoff(n, None, half) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]


def test_retry_after_wins() -> None:
    """A Retry-After value replaces the computed wait, capped at max_wait."""
    assert backoff(1, 12.0, PINNED) == 12.0
    assert backoff(4, 0.0, PINNED) == 0.0
    assert backoff(1, 3600.0, PINNED) == 60.0


def test_huge_attempt_number_capped() -> None:
    """An attempt number that overflows the float power still returns the cap."""
    assert backoff(5000, None, PINNED) == 60.0


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (errors.ServerUnavailableError("x"), True),
        (errors.ConcurrencyLimitError("x"), True),
        (errors.RowLockError("x"), True),
        (errors.TransportError("x"), True),
        (errors.WriteOutcomeUnknownError("x"), False),
        (errors.QuotaExceededError("x"), False),
        (errors.SessionExpiredError("x"), False),
        (errors.AuthenticationError("x"), False),
        (errors.ValidationError("x"), False),
        (ValueError("x"), False),
    ],
)
def test_should_retry_first_attempt(error: BaseException, expected: bool) -> None:
    """Only retriable API errors and transport errors that cannot duplicate a write are retried."""
    assert should_retry(error, 1, PINNED) is expected


def test_query_timeout_retried_once() -> None:
    """QUERY_TIMEOUT gets exactly one more try."""
    error = errors.QueryTimeoutError("x")
    assert should_retry(error, 1, PINNED) is True
    assert should_retry(error, 2, PINNED) is False


def test_attempts_capped() -> None:
    """No retry once max_attempts tries were made."""
    error = errors.ServerUnavailableError("x")
    assert should_retry(error, 4, PINNED) is True
    assert should_retry(error, 5, PINNED) is False
