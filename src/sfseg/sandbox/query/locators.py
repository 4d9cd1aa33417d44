"""Server-side query cursors behind `nextRecordsUrl`.

A cursor keeps the compiled plan, never the rows. An ordered result also keeps the row
ids of the whole result in order (8 bytes a row in an `array`), and each page is read
again by row id. A result in row id order keeps only the last row id before each page,
so memory per open cursor stays flat whatever the row width. A cursor that has not been
used for `idle_timeout` seconds expires. When more than `max_open` are open, the least
recently used go first. Older SOAP documentation gives 15 minutes idle and 10 open
cursors per user; the sandbox allows more cursors, because its tests share one user.
"""

from __future__ import annotations

import secrets
import threading
import time
from array import array
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from sfseg.sandbox.query.errors import QueryError
from sfseg.sandbox.query.plan import RecordPlan
from sfseg.soql.ids import to_18

__all__ = ["DEFAULT_IDLE_TIMEOUT", "DEFAULT_MAX_OPEN", "Cursor", "CursorStore", "invalid_locator"]

DEFAULT_IDLE_TIMEOUT = 15 * 60.0
DEFAULT_MAX_OPEN = 200

# Query locators carry the key prefix 01g, as in `01gD0000002HU6KIAW-2000`.
_LOCATOR_PREFIX = "01g"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@dataclass
class Cursor:
    """One open query: the plan and how to find any page of it again.

    An ordered result keeps `rowids`, the row ids of the whole result in order, from
    its second page on. A result in row id order (no ORDER BY, LIMIT or OFFSET) keeps
    only `resume`: the last row id before each offset handed out, so the next page is
    a range read.
    """

    plan: RecordPlan
    total: int
    batch_size: int
    last_used: float
    rowids: array[int] | None = None
    resume: dict[int, int] = field(default_factory=dict)


def invalid_locator() -> QueryError:
    # Salesforce's wording; the locator expired, was dropped, or never existed.
    return QueryError("INVALID_QUERY_LOCATOR", "invalid query locator")


class CursorStore:
    """Open cursors by locator id; thread-safe."""

    def __init__(
        self,
        *,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        max_open: int = DEFAULT_MAX_OPEN,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.idle_timeout = idle_timeout
        self.max_open = max_open
        self._monotonic = monotonic
        self._cursors: OrderedDict[str, Cursor] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            self._expire()
            return len(self._cursors)

    def open(self, cursor: Cursor) -> str:
        """Store a cursor and return its locator id (an 18-character `01g...` id)."""
        body = "".join(secrets.choice(_BASE62) for _ in range(12))
        locator = to_18(_LOCATOR_PREFIX + body)
        with self._lock:
            self._expire()
            cursor.last_used = self._monotonic()
            self._cursors[locator] = cursor
            while len(self._cursors) > self.max_open:
                self._cursors.popitem(last=False)
        return locator

    def get(self, locator: str) -> Cursor:
        """Return the cursor behind `locator` and mark it as used now.

        Raises:
            QueryError: INVALID_QUERY_LOCATOR when it expired or never existed.
        """
        with self._lock:
            self._expire()
            cursor = self._cursors.get(locator)
            if cursor is None:
                raise invalid_locator()
            cursor.last_used = self._monotonic()
            self._cursors.move_to_end(locator)
            return cursor

    def _expire(self) -> None:
        deadline = self._monotonic() - self.idle_timeout
        stale = [key for key, cursor in self._cursors.items() if cursor.last_used <= deadline]
        for key in stale:
            del self._cursors[key]
