"""Demographic dimensions: the field each one reads on Contact and Lead, and its bands."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sfseg.segments.criteria.fieldmap import counterpart

__all__ = [
    "Dimension",
    "UnknownFieldError",
    "EMPLOYEE_BANDS",
    "REVENUE_BANDS",
    "DEFAULT_DIMENSIONS",
    "dimensions_for",
    "band_label",
    "band_of",
]


class UnknownFieldError(ValueError):
    """A requested demographic field that none of the segment's objects has."""

    # An error in the user's input, not an API failure: the error log leaves it out.
    user_input = True


@dataclass(frozen=True, slots=True)
class Dimension:
    """A demographic: its field path on Contact and on Lead, and optional numeric bands.

    `bands` are the lower edges of each band; a value falls in the last band whose edge
    it reaches.
    """

    name: str
    contact: str | None
    lead: str | None
    bands: tuple[Decimal, ...] = ()

    def path(self, sobject: str) -> str | None:
        return self.contact if sobject == "Contact" else self.lead


EMPLOYEE_BANDS = tuple(Decimal(n) for n in (0, 10, 100, 1000))
REVENUE_BANDS = tuple(Decimal(n) for n in (0, 10_000_000, 1_000_000_000))

DEFAULT_DIMENSIONS = (
    Dimension("country", "MailingCountry", "Country"),
    Dimension("state", "MailingState", "State"),
    Dimension("title", "Title", "Title"),
    Dimension("department", "Department", None),
    Dimension("lead_source", "LeadSource", "LeadSource"),
    Dimension("industry", "Account.Industry", "Industry"),
    Dimension("employees", "Account.NumberOfEmployees", "NumberOfEmployees", EMPLOYEE_BANDS),
    Dimension("annual_revenue", "Account.AnnualRevenue", "AnnualRevenue", REVENUE_BANDS),
    Dimension("rating", None, "Rating"),
)


def dimensions_for(fields: Sequence[str] | None) -> tuple[Dimension, ...]:
    """Return the default dimensions, or one per field path given (mapped between Contact and Lead)."""
    if not fields:
        return DEFAULT_DIMENSIONS
    chosen = []
    for path in fields:
        known = next(
            (
                d
                for d in DEFAULT_DIMENSIONS
                if path.lower() in (d.name, (d.contact or "").lower(), (d.lead or "").lower())
            ),
            None,
        )
        if known is not None:
            chosen.append(known)
            continue
        on_lead = counterpart(path, "Lead") or path
        on_contact = counterpart(path, "Contact") or path
        chosen.append(Dimension(path, on_contact, on_lead))
    return tuple(chosen)


def band_label(edges: Sequence[Decimal], index: int) -> str:
    """Label band `index`: `10-49` for small whole numbers, `10M-1B` (upper edge excluded)
    for large ones, `5000+` for the last band."""
    low = edges[index]
    if index + 1 == len(edges):
        return f"{_short(low)}+"
    high = edges[index + 1]
    if high < 1_000_000:
        return f"{low}-{high - 1}"
    return f"{_short(low)}-{_short(high)}"


def _short(value: Decimal) -> str:
    for size, suffix in ((Decimal(10**9), "B"), (Decimal(10**6), "M")):
        if value >= size and value % size == 0:
            return f"{value // size}{suffix}"
    return str(value)


def band_of(edges: Sequence[Decimal], value: Decimal) -> int:
    index = 0
    for position, edge in enumerate(edges):
        if value >= edge:
            index = position
    return index
