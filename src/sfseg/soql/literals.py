"""Python values as SOQL literals: the one place values enter query text.

Rules (SOQL and SOSL Reference, "Quoted String Escape Sequences" and "Date
Formats and Date Literals in WHERE"):
- `str`: single-quoted; the backslash is escaped first, then `'`, `"` and the
  control characters `\\n \\r \\t \\b \\f`; other control characters as `\\uXXXX`.
- `bool`: `true` / `false`; `None`: `null`.
- `int`, `Decimal`, finite `float`: plain decimal notation, never an exponent.
  A float is taken by its shortest repr, so `0.1` is written `0.1`.
- `datetime.date`: `YYYY-MM-DD`.
- `datetime.datetime`: converted to UTC and truncated to whole seconds,
  `YYYY-MM-DDTHH:MM:SSZ`. A naive datetime is rejected, because its instant is unknown.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from decimal import Decimal

from sfseg.soql import ast
from sfseg.soql.render import render

__all__ = ["LiteralValue", "format_literal", "like_pattern", "literal", "literal_list"]

LiteralValue = str | bool | int | float | Decimal | dt.date | dt.datetime | None

_LIKE_SPECIAL = {"\\": "\\\\", "%": "\\%", "_": "\\_"}


def literal(value: LiteralValue) -> ast.Value:
    """Turn a Python value into a literal node.

    Raises TypeError for a type SOQL has no literal for, and ValueError for NaN,
    infinity and naive datetimes.
    """
    if value is None:
        return ast.NullLiteral()
    if isinstance(value, bool):
        return ast.BooleanLiteral(value)
    if isinstance(value, str):
        return ast.StringLiteral(value)
    if isinstance(value, int | float | Decimal):
        return ast.NumberLiteral(_decimal(value))
    if isinstance(value, dt.datetime):
        return ast.DateTimeLiteral(_utc_seconds(value))
    if isinstance(value, dt.date):
        return ast.DateLiteral(value)
    msg = (
        f"cannot write a {type(value).__name__} as a SOQL literal: {value!r}; "
        "pass str, bool, int, Decimal, finite float, date, aware datetime or None"
    )
    raise TypeError(msg)


def format_literal(value: LiteralValue) -> str:
    """Return the SOQL text of *value* (see `literal` for the rules and errors)."""
    return render(literal(value))


def literal_list(values: Iterable[LiteralValue]) -> ast.ListValue:
    """Turn values into the parenthesised list of IN, NOT IN, INCLUDES and EXCLUDES.

    Raises ValueError for an empty list, which SOQL cannot express.
    """
    items = tuple(literal(value) for value in values)
    if not items:
        msg = "an IN list needs at least one value; skip the condition when there are none"
        raise ValueError(msg)
    return ast.ListValue(items)


def like_pattern(text: str, *, prefix: bool = False, contains: bool = False) -> str:
    """Escape `\\`, `%` and `_` in *text* so a LIKE pattern matches it literally.

    With *prefix* the pattern matches values starting with *text* (`text%`); with
    *contains*, values containing it (`%text%`). The result is the pattern value
    for a LIKE `StringLiteral` (see `builder.like`), not quoted SOQL text.
    """
    escaped = "".join(_LIKE_SPECIAL.get(char, char) for char in text)
    if contains:
        return f"%{escaped}%"
    if prefix:
        return f"{escaped}%"
    return escaped


def _decimal(value: int | float | Decimal) -> Decimal:
    if isinstance(value, float):
        if not math.isfinite(value):
            msg = f"cannot write {value!r} as a SOQL number; NaN and infinity have no literal"
            raise ValueError(msg)
        return Decimal(repr(value))
    number = Decimal(value)
    if not number.is_finite():
        msg = f"cannot write {value!r} as a SOQL number; NaN and infinity have no literal"
        raise ValueError(msg)
    return number


def _utc_seconds(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        msg = (
            f"cannot write naive datetime {value.isoformat()} as a SOQL literal; "
            "attach a time zone, for example value.replace(tzinfo=datetime.UTC)"
        )
        raise ValueError(msg)
    try:
        return value.astimezone(dt.UTC).replace(microsecond=0)
    except OverflowError:
        msg = (
            f"cannot write {value.isoformat()} as a SOQL literal: it is outside years 1-9999 in UTC"
        )
        raise ValueError(msg) from None
