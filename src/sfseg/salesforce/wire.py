"""JSON to and from Salesforce: exact numbers, dates and datetimes in the wire formats."""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from typing import Any

__all__ = ["dumps", "format_datetime", "loads", "parse_date", "parse_datetime", "parse_time"]


def loads(data: bytes | str) -> Any:
    """Parse a response body; JSON numbers with a fraction become `Decimal`, so 0.1 stays 0.1."""
    return json.loads(data, parse_float=Decimal)


def dumps(value: Any) -> bytes:
    """Serialize a request body; `Decimal`, dates and aware datetimes take Salesforce's forms."""
    return json.dumps(value, default=_default, allow_nan=False, separators=(",", ":")).encode("utf-8")


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            msg = f"{value} is not a number Salesforce accepts"
            raise ValueError(msg)
        # NOTE: the stdlib encoder has no exact decimal output, so values go out
        # as the nearest float. Up to 15 significant digits survive unchanged;
        # longer Decimals lose their last digits.
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    msg = f"{type(value).__name__} value {value!r} cannot be sent as JSON"
    raise TypeError(msg)


def format_datetime(value: dt.datetime) -> str:
    """`2021-08-11T12:52:08.062Z`: an aware datetime in UTC with milliseconds."""
    if value.tzinfo is None:
        msg = f"datetime {value.isoformat()} has no time zone; give an aware datetime (for example with tzinfo=UTC)"
        raise ValueError(msg)
    utc = value.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_datetime(text: str) -> dt.datetime:
    """Read `2018-12-18T22:51:36.000+0000` (Salesforce's form) or any ISO-8601 datetime, as UTC."""
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def parse_date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def parse_time(text: str) -> dt.time:
    """Read `HH:MM:SS.sssZ`; the time has no date, so it stays naive."""
    return dt.time.fromisoformat(text.rstrip("Z"))


def is_finite_number(value: Any) -> bool:
    """False for float or Decimal NaN and infinities; True for everything else."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, Decimal):
        return value.is_finite()
    return True
