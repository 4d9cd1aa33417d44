"""Call statistics the admin API reports: API calls by route and faults fired.

Records written by object come from the org itself (`Org.records_written`); this
module keeps what only the HTTP layer observes.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

__all__ = ["CallStats"]


class CallStats:
    """Counters of API calls (total and by route) and faults fired, safe across threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls_by_route: Counter[str] = Counter()
        self.faults_fired: Counter[str] = Counter()

    @property
    def api_calls(self) -> int:
        return sum(self.calls_by_route.values())

    def count_call(self, route: str, calls: int = 1) -> None:
        with self._lock:
            self.calls_by_route[route] += calls

    def count_fault(self, kind: str) -> None:
        with self._lock:
            self.faults_fired[kind] += 1

    def snapshot(self, records_written: Counter[str]) -> dict[str, Any]:
        """Body of `GET /__sandbox/stats`."""
        with self._lock:
            return {
                "api_calls": sum(self.calls_by_route.values()),
                "api_calls_by_route": dict(sorted(self.calls_by_route.items())),
                "records_written": dict(sorted(records_written.items())),
                "faults_fired": dict(sorted(self.faults_fired.items())),
            }

    def reset(self) -> None:
        with self._lock:
            self.calls_by_route.clear()
            self.faults_fired.clear()
