"""Relative date literals (`TODAY`, `LAST_N_DAYS:30`, `THIS_FISCAL_QUARTER`, ...) as date ranges.

Ranges follow the SOQL date-literal reference, in UTC and with weeks starting on Sunday
(the en_US locale). `LAST_N_DAYS:n` covers today and the n days before it (n + 1 days),
`NEXT_N_DAYS:n` starts tomorrow, and the `LAST_N_<unit>S:n` forms for weeks, months,
quarters and years cover the n whole units before the current one. The sandbox org's
fiscal year is the calendar year starting in January, so every `*_FISCAL_*` literal
equals its calendar counterpart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

__all__ = ["DateRange", "UnknownDateLiteralError", "date_range", "datetime_bound"]

DateRange = tuple[dt.date, dt.date]
"""First and last day, both included."""


class UnknownDateLiteralError(ValueError):
    """A relative date literal that SOQL does not define, or one missing its `:n`."""


def _week_start(day: dt.date) -> dt.date:
    # isoweekday: Monday 1 ... Sunday 7; the week starts on Sunday.
    return day - dt.timedelta(days=day.isoweekday() % 7)


def _month_start(day: dt.date, shift: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 + shift
    return dt.date(index // 12, index % 12 + 1, 1)


def _quarter_start(day: dt.date, shift: int = 0) -> dt.date:
    first = dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return _month_start(first, 3 * shift)


def _year_start(day: dt.date, shift: int = 0) -> dt.date:
    return dt.date(day.year + shift, 1, 1)


_ONE_DAY = dt.timedelta(days=1)

# unit name -> (start of the unit containing a day, shifted by k units)
_UNITS: dict[str, Callable[[dt.date, int], dt.date]] = {
    "WEEK": lambda day, k: _week_start(day) + dt.timedelta(weeks=k),
    "MONTH": _month_start,
    "QUARTER": _quarter_start,
    "YEAR": _year_start,
    "FISCAL_QUARTER": _quarter_start,
    "FISCAL_YEAR": _year_start,
}


def _units(today: dt.date, unit: str, first: int, count: int) -> DateRange:
    """Return the `count` whole units starting `first` units from the current one."""
    shift = _UNITS[unit]
    return shift(today, first), shift(today, first + count) - _ONE_DAY


def _fixed_range(name: str, today: dt.date) -> DateRange | None:
    days = {"YESTERDAY": -1, "TODAY": 0, "TOMORROW": 1}
    if name in days:
        day = today + dt.timedelta(days=days[name])
        return day, day
    if name == "LAST_90_DAYS":
        return today - dt.timedelta(days=90), today
    if name == "NEXT_90_DAYS":
        return today + _ONE_DAY, today + dt.timedelta(days=90)
    for prefix, first in (("LAST_", -1), ("THIS_", 0), ("NEXT_", 1)):
        unit = name.removeprefix(prefix)
        if name.startswith(prefix) and unit in _UNITS:
            return _units(today, unit, first, 1)
    return None


def _n_range(name: str, n: int, today: dt.date) -> DateRange | None:
    if name == "LAST_N_DAYS":
        return today - dt.timedelta(days=n), today
    if name == "NEXT_N_DAYS":
        return today + _ONE_DAY, today + dt.timedelta(days=n)
    if name == "N_DAYS_AGO":
        day = today - dt.timedelta(days=n)
        return day, day
    for unit in _UNITS:
        if name == f"LAST_N_{unit}S":
            return _units(today, unit, -n, n)
        if name == f"NEXT_N_{unit}S":
            return _units(today, unit, 1, n)
        if name == f"N_{unit}S_AGO":
            return _units(today, unit, -n, 1)
    return None


def date_range(name: str, n: int | None, today: dt.date) -> DateRange:
    """Return the first and last day a relative date literal covers on `today`.

    Raises:
        UnknownDateLiteralError: `name` is not a SOQL date literal, or `n` is missing
            for an `_N_` form (or given for a fixed one).
    """
    found = _fixed_range(name, today) if n is None else _n_range(name, n, today)
    if found is None:
        msg = f"unknown date literal {name}{'' if n is None else f':{n}'}"
        raise UnknownDateLiteralError(msg)
    return found


def datetime_bound(day: dt.date) -> str:
    """Return the stored datetime text of midnight UTC on `day` (`2024-01-31T00:00:00.000+0000`)."""
    return f"{day.isoformat()}T00:00:00.000+0000"
