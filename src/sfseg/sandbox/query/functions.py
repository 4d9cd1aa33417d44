"""SQLite functions the compiled statements call.

SQLite's own `SUM`/`AVG` add binary floats, so `0.1 + 0.2 + 0.3` comes out as
`0.6000000000000001`; Salesforce adds currency and doubles exactly. `sf_sum` and
`sf_avg` add the shortest decimal text of each value and return the nearest float,
whose shortest text is the exact decimal result (for up to 15 significant digits,
which is all a stored REAL holds).

SQLite's `LIKE` and `NOCASE` fold ASCII letters only; `sf_fold` and `sf_like` fold
every letter and are used when a literal has non-ASCII characters.
"""

from __future__ import annotations

import math
import re
import sqlite3
from decimal import Decimal
from functools import lru_cache
from typing import Any, cast

__all__ = ["register_functions", "split_multipicklist"]


class _DecimalSum:
    def __init__(self) -> None:
        self.total = Decimal(0)
        self.count = 0

    def step(self, value: float | int | None) -> None:
        if value is None:
            return
        self.total += Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        self.count += 1

    def finalize(self) -> float | None:
        return float(self.total) if self.count else None


class _DecimalAverage(_DecimalSum):
    def finalize(self) -> float | None:
        return float(self.total / self.count) if self.count else None


def _fold(value: str | None) -> str | None:
    return None if value is None else value.casefold()


@lru_cache(maxsize=256)
def _like_regex(pattern: str) -> re.Pattern[str]:
    # The pattern arrives in SQLite form: `\` escapes the next character.
    parts: list[str] = []
    chars = iter(pattern)
    for char in chars:
        if char == "\\":
            parts.append(re.escape(next(chars, "\\")))
        elif char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def _like(value: str | None, pattern: str | None) -> int | None:
    if value is None or pattern is None:
        return None
    return int(_like_regex(pattern).fullmatch(value) is not None)


def split_multipicklist(value: str | None) -> set[str]:
    """Split a stored multi-select picklist (`a;b;c`) into case-folded values."""
    if not value:
        return set()
    return {part.strip().casefold() for part in value.split(";") if part.strip()}


def _multipicklist_has(value: str | None, wanted: str) -> int:
    # INCLUDES ('a;b') matches a record that has both a and b.
    return int(split_multipicklist(wanted) <= split_multipicklist(value))


def _multipicklist_equals(value: str | None, wanted: str) -> int | None:
    if value is None:
        return None
    return int(split_multipicklist(wanted) == split_multipicklist(value))


# Mean Earth radius (IUGG), for the great-circle distances of DISTANCE().
_EARTH_RADIUS = {"km": 6371.0088, "mi": 3958.7613}


def _distance(
    latitude: float | None,
    longitude: float | None,
    to_latitude: float,
    to_longitude: float,
    unit: str,
) -> float | None:
    """Great-circle (haversine) distance between two points in degrees, in `unit`."""
    if latitude is None or longitude is None:
        return None
    phi1, phi2 = math.radians(latitude), math.radians(to_latitude)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(to_longitude - longitude) / 2
    h = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2 * _EARTH_RADIUS[unit] * math.asin(min(1.0, math.sqrt(h)))


def register_functions(connection: sqlite3.Connection) -> None:
    """Register the `sf_*` functions on `connection` (safe to call more than once)."""
    # typeshed types aggregate results as int only; SQLite takes any SQL value.
    connection.create_aggregate("sf_sum", 1, cast(Any, _DecimalSum))
    connection.create_aggregate("sf_avg", 1, cast(Any, _DecimalAverage))
    connection.create_function("sf_fold", 1, _fold, deterministic=True)
    connection.create_function("sf_like", 2, _like, deterministic=True)
    connection.create_function("sf_mp_has", 2, _multipicklist_has, deterministic=True)
    connection.create_function("sf_mp_eq", 2, _multipicklist_equals, deterministic=True)
    connection.create_function("sf_distance", 5, _distance, deterministic=True)
