"""The org's API allowances: the daily request count and the requests in flight.

Salesforce counts every REST call against one rolling 24-hour allowance per org
(a Composite request once, a Composite batch once per subrequest) and rejects more
than 25 concurrent long-running requests. The sandbox keeps both counters in memory
for the life of the server. The daily count never rolls over on its own, so tests
see exact numbers, and `reset()` starts a new day.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

__all__ = [
    "CONCURRENT_LIMIT_MESSAGE",
    "DAILY_LIMIT_MESSAGE",
    "REQUEST_LIMIT_EXCEEDED",
    "ApiLimits",
    "limits_body",
]

REQUEST_LIMIT_EXCEEDED = "REQUEST_LIMIT_EXCEEDED"
DAILY_LIMIT_MESSAGE = "TotalRequests Limit exceeded."
# Salesforce's text for the concurrent long-running request limit, as captured from
# live orgs. Clients tell the two limits apart by this message, not by the code.
CONCURRENT_LIMIT_MESSAGE = "ConcurrentPerOrgLongTxn Limit exceeded."


@dataclass(frozen=True, slots=True)
class ApiUsage:
    used: int
    max: int

    def header(self) -> str:
        """Value of the `Sforce-Limit-Info` response header."""
        return f"api-usage={self.used}/{self.max}"


class ApiLimits:
    """Daily API-call counter and in-flight request counter, safe across threads."""

    def __init__(self, daily_max: int, max_concurrent: int) -> None:
        self.daily_max = daily_max
        self.max_concurrent = max_concurrent
        self._used = 0
        self._in_flight = 0
        self._lock = threading.Lock()

    @property
    def used(self) -> int:
        return self._used

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def usage(self) -> ApiUsage:
        return ApiUsage(self._used, self.daily_max)

    def exhausted(self) -> bool:
        return self._used >= self.daily_max

    def charge(self, calls: int = 1) -> bool:
        """Count `calls` API calls; return False, counting nothing, when they do not fit."""
        with self._lock:
            if self._used + calls > self.daily_max:
                return False
            self._used += calls
            return True

    def enter(self) -> bool:
        """Admit one request in flight; return False when the concurrency limit is reached."""
        with self._lock:
            if self._in_flight >= self.max_concurrent:
                return False
            self._in_flight += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def exhaust(self) -> None:
        """Use up the rest of the daily allowance, as a DAILY_LIMIT fault does."""
        with self._lock:
            self._used = max(self._used, self.daily_max)

    def reset(self) -> None:
        with self._lock:
            self._used = 0

    def set(self, *, used: int | None = None, daily_max: int | None = None) -> None:
        """Set the count of calls used today and the daily allowance (for tests)."""
        with self._lock:
            if daily_max is not None:
                self.daily_max = daily_max
            if used is not None:
                self._used = used


def limits_body(limits: ApiLimits) -> dict[str, dict[str, int]]:
    """Body of `GET /limits`: Salesforce's map of `{"Max", "Remaining"}` by limit name.

    `DailyApiRequests` is live. The limits route replaces the Bulk query-job and report-run
    entries with the live ones of those APIs; the other allowances are never drawn down
    and carry the values of a Developer Edition org.
    """
    remaining = max(limits.daily_max - limits.used, 0)

    def allowance(maximum: int, left: int | None = None) -> dict[str, int]:
        return {"Max": maximum, "Remaining": maximum if left is None else left}

    return {
        "ConcurrentAsyncGetReportInstances": allowance(200),
        "ConcurrentSyncReportRuns": allowance(20),
        "DailyApiRequests": allowance(limits.daily_max, remaining),
        "DailyBulkApiBatches": allowance(15_000),
        "DailyBulkV2QueryFileStorageMB": allowance(976_562),
        "DailyBulkV2QueryJobs": allowance(10_000),
        "DataStorageMB": allowance(5),
        "FileStorageMB": allowance(20),
        "HourlyAsyncReportRuns": allowance(1_200),
        "HourlyDashboardRefreshes": allowance(200),
        "HourlyDashboardResults": allowance(5_000),
        "HourlySyncReportRuns": allowance(500),
    }
