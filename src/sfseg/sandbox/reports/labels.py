"""Display labels of report values in the en_US locale, as the Reports API writes them.

A label is text for people (`$56,000,000`, `3,250`); the matching `value` carries the
number. Blank values show as `-`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

__all__ = ["BLANK_LABEL", "format_label"]

BLANK_LABEL = "-"


def _grouped(number: Decimal, places: int | None) -> str:
    if places is None:
        places = 0 if number == number.to_integral_value() else 2
    return f"{number:,.{places}f}"


def format_label(value: Any, data_type: str) -> str:
    """Return the en_US label of a value of a report column's data type."""
    if value is None or value == "":
        return BLANK_LABEL
    if data_type == "boolean":
        return "true" if value is True or str(value).lower() == "true" else "false"
    if data_type in ("currency", "int", "double", "percent"):
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        if data_type == "currency":
            sign = "-" if number < 0 else ""
            return f"{sign}${_grouped(abs(number), None)}"
        if data_type == "percent":
            return f"{_grouped(number, None)}%"
        return _grouped(number, 0 if data_type == "int" else None)
    if data_type == "date":
        text = str(value)[:10]
        year, month, day = text.split("-")
        return f"{int(month)}/{int(day)}/{year}"
    return str(value)
