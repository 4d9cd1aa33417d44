"""SQL text helpers: quoted identifiers and literals.

Literal values from the parsed statement are written into the SQL text rather than
bound as parameters, because one compiled query yields several statements (the page,
the row-id list, the child fetch) that share fragments.
"""

from __future__ import annotations

import math

__all__ = ["identifier", "literal"]


def identifier(name: str) -> str:
    """Quote a table or column name (object and field API names are used as is)."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str | int | float | None) -> str:
    """Write a Python value as an SQLite literal."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            msg = f"{value!r} is not a finite number; SOQL numbers are finite"
            raise ValueError(msg)
        return repr(value)
    if "\x00" in value:
        # A NUL cannot appear inside SQL text, so splice it in with char(0).
        return " || char(0) || ".join(literal(part) for part in value.split("\x00"))
    return "'" + value.replace("'", "''") + "'"
