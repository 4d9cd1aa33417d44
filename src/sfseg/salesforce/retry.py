"""Retry policy: which failures get another try, and how long to wait first.

Both rules are pure functions so tests can run them without sleeping; the
client drives them through tenacity with an injectable `sleep`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sfseg.salesforce.errors import (
    QueryTimeoutError,
    RetriableAPIError,
    SalesforceError,
    TransportError,
    WriteOutcomeUnknownError,
)

__all__ = ["DEFAULT_RETRY_POLICY", "RetryPolicy", "backoff", "should_retry"]

#: Attempts per request, the first one included. Salesforce publishes no backoff
#: formula. Five tries wait at most 15 s in all (1 + 2 + 4 + 8 s before jitter),
#: longer than the 10 s Salesforce waits for a row lock before UNABLE_TO_LOCK_ROW.
MAX_ATTEMPTS = 5
#: Seconds before the first retry, doubled each time up to `MAX_WAIT`.
INITIAL_WAIT = 1.0
MAX_WAIT = 60.0
#: QUERY_TIMEOUT gets one retry only: a query that timed out twice needs a more
#: selective filter, not more tries.
QUERY_TIMEOUT_ATTEMPTS = 2


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Limits and hooks for retries; tests pin `jitter` and replace `sleep`."""

    max_attempts: int = MAX_ATTEMPTS
    initial_wait: float = INITIAL_WAIT
    max_wait: float = MAX_WAIT
    jitter: Callable[[], float] = field(default=random.random)
    sleep: Callable[[float], None] = field(default=time.sleep)


DEFAULT_RETRY_POLICY = RetryPolicy()


def should_retry(error: BaseException, attempt: int, policy: RetryPolicy = DEFAULT_RETRY_POLICY) -> bool:
    """Decide whether the request that failed with `error` on try `attempt` (1-based) is sent again.

    The request layer has already turned a lost response to a write that cannot
    be replayed into `WriteOutcomeUnknownError`, which is never retried here.
    """
    if attempt >= policy.max_attempts:
        return False
    if isinstance(error, WriteOutcomeUnknownError):
        return False
    if isinstance(error, QueryTimeoutError):
        return attempt < QUERY_TIMEOUT_ATTEMPTS
    return isinstance(error, RetriableAPIError | TransportError)


def backoff(
    attempt: int, retry_after: float | None = None, policy: RetryPolicy = DEFAULT_RETRY_POLICY
) -> float:
    """Seconds to wait after failed try `attempt` (1-based) before the next one.

    A server's `Retry-After` wins, capped at `policy.max_wait`. Otherwise the wait
    is exponential with full jitter: `jitter() * min(max_wait, initial_wait * 2**(attempt-1))`,
    where `jitter()` returns a number in [0, 1].
    """
    if retry_after is not None:
        return min(retry_after, policy.max_wait)
    try:
        ceiling = min(policy.max_wait, policy.initial_wait * 2 ** (attempt - 1))
    except OverflowError:
        ceiling = policy.max_wait
    return float(ceiling * policy.jitter())


def retry_after_of(error: BaseException) -> float | None:
    """Return the `Retry-After` seconds a retriable error carried, if any."""
    if isinstance(error, RetriableAPIError):
        return error.retry_after
    return None


def describe_cause(error: BaseException) -> str:
    """Short cause for the retry log line: the error code, or the exception class."""
    if isinstance(error, SalesforceError) and error.error_code:
        return error.error_code
    return type(error).__name__
