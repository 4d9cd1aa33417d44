"""Conversions of aggregate query values to counts, amounts, dates and value keys."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sfseg.soql import ast, builder

# `COUNT(Id) n`: the record count every analysis aggregate reads as `n`.
COUNT_N: ast.SelectField = builder.aliased(builder.call("COUNT", "Id"), "n")


def aggregate(function: str, path: str, alias: str) -> ast.SelectField:
    """Build the field-list item `FUNCTION(path) alias`, such as `MAX(CloseDate) lastclose`."""
    return builder.aliased(builder.call(function, path), alias)


def _int(value: Any) -> int:
    return 0 if value is None else int(value)


def _decimal(value: Any) -> Decimal:
    if value is None:
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _max_date(*values: dt.date | None) -> dt.date | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _ratio(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else round(numerator / denominator, 6)


def _value_key(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
