"""JSON to and from Salesforce: exact numbers, dates and datetimes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from sfseg.salesforce import wire
from sfseg.salesforce.describe import convert_value


def test_fractions_parse_as_decimal() -> None:
    """0.1, 0.2 and 0.3 from JSON sum to exactly 0.6; integers stay int."""
    values = wire.loads(b'{"a": 0.1, "b": 0.2, "c": 0.3, "n": 7}')
    assert values["a"] + values["b"] + values["c"] == Decimal("0.6")
    assert type(values["n"]) is int


def test_salesforce_datetime_read_as_utc() -> None:
    """`+0000` and `+0200` offsets become aware UTC datetimes."""
    assert wire.parse_datetime("2018-12-18T22:51:36.000+0000") == dt.datetime(2018, 12, 18, 22, 51, 36, tzinfo=dt.UTC)
    assert wire.parse_datetime("2021-08-11T14:52:08.000+02:00") == dt.datetime(2021, 8, 11, 12, 52, 8, tzinfo=dt.UTC)


def test_datetime_written_in_utc() -> None:
    """An aware datetime is sent in UTC with milliseconds and Z."""
    moment = dt.datetime(2021, 8, 11, 14, 52, 8, 62712, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert wire.format_datetime(moment) == "2021-08-11T12:52:08.062Z"


def test_naive_datetime_rejected() -> None:
    """A naive datetime is rejected with the fix."""
    with pytest.raises(ValueError, match="has no time zone; give an aware datetime"):
        wire.format_datetime(dt.datetime(2021, 8, 11, 12, 52, 8))


def test_dumps_types() -> None:
    """Decimal, date and datetime take Salesforce's JSON forms; NaN is rejected."""
    body = {"amount": Decimal("12.50"), "count": Decimal("3"), "day": dt.date(2026, 1, 31), "at": dt.datetime(2026, 1, 31, tzinfo=dt.UTC)}
    assert wire.dumps(body) == b'{"amount":12.5,"count":3,"day":"2026-01-31","at":"2026-01-31T00:00:00.000Z"}'
    with pytest.raises(ValueError, match="NaN is not a number Salesforce accepts"):
        wire.dumps({"x": Decimal("NaN")})


@pytest.mark.parametrize(
    ("field_type", "raw", "expected"),
    [
        ("currency", 5, Decimal(5)),
        ("percent", Decimal("12.5"), Decimal("12.5")),
        ("double", 1, Decimal(1)),
        ("date", "2026-01-31", dt.date(2026, 1, 31)),
        ("datetime", "2026-01-31T10:00:00.000+0000", dt.datetime(2026, 1, 31, 10, tzinfo=dt.UTC)),
        ("time", "10:30:00.000Z", dt.time(10, 30)),
        ("int", 4, 4),
        ("string", "x", "x"),
        ("currency", None, None),
    ],
)
def test_convert_value_by_type(field_type: str, raw: object, expected: object) -> None:
    """Each describe type gets its Python type; other types pass through."""
    converted = convert_value(field_type, raw)
    assert converted == expected
    assert type(converted) is type(expected)
