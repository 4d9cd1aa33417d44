"""The sandbox clock: the one source of "now" for audit fields, roll-ups and relative dates."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

__all__ = ["Clock", "FixedClock", "SystemClock"]


class Clock:
    """The wall clock in UTC; subclasses pin or move time for tests."""

    def now(self) -> datetime:
        """Return the current time as an aware UTC datetime."""
        return datetime.now(UTC)

    def today(self) -> date:
        """Return today's date in UTC."""
        return self.now().date()


SystemClock = Clock


class FixedClock(Clock):
    """A clock that stays at one instant until `advance` or `set` moves it."""

    def __init__(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            msg = f"FixedClock needs an aware datetime, got naive {moment.isoformat()}; add tzinfo=UTC"
            raise ValueError(msg)
        self._moment = moment.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._moment

    def set(self, moment: datetime) -> None:
        """Move the clock to `moment` (aware)."""
        if moment.tzinfo is None:
            msg = f"FixedClock.set needs an aware datetime, got naive {moment.isoformat()}"
            raise ValueError(msg)
        with self._lock:
            self._moment = moment.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward by `delta`."""
        with self._lock:
            self._moment += delta
