"""Date and datetime filters: date literals on date fields, datetime literals on datetime
fields, and every relative date literal evaluated against the sandbox clock, matching whole
UTC days on datetime fields."""

from __future__ import annotations

import datetime as dt

import pytest

from sfseg.sandbox.query import QueryError
from sfseg.sandbox.query.dates import UnknownDateLiteralError, date_range
from tests.sandbox.test_query_org import QueryOrg, query_org

__all__ = ["query_org"]

# Wednesday 15 May 2024; the week runs Sunday 12 May to Saturday 18 May.
TODAY = dt.date(2024, 5, 15)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.mark.parametrize(
    ("name", "n", "first", "last"),
    [
        ("YESTERDAY", None, "2024-05-14", "2024-05-14"),
        ("TODAY", None, "2024-05-15", "2024-05-15"),
        ("TOMORROW", None, "2024-05-16", "2024-05-16"),
        ("LAST_WEEK", None, "2024-05-05", "2024-05-11"),
        ("THIS_WEEK", None, "2024-05-12", "2024-05-18"),
        ("NEXT_WEEK", None, "2024-05-19", "2024-05-25"),
        ("LAST_MONTH", None, "2024-04-01", "2024-04-30"),
        ("THIS_MONTH", None, "2024-05-01", "2024-05-31"),
        ("NEXT_MONTH", None, "2024-06-01", "2024-06-30"),
        ("LAST_90_DAYS", None, "2024-02-15", "2024-05-15"),
        ("NEXT_90_DAYS", None, "2024-05-16", "2024-08-13"),
        ("LAST_N_DAYS", 7, "2024-05-08", "2024-05-15"),
        ("NEXT_N_DAYS", 7, "2024-05-16", "2024-05-22"),
        ("N_DAYS_AGO", 3, "2024-05-12", "2024-05-12"),
        ("LAST_N_WEEKS", 2, "2024-04-28", "2024-05-11"),
        ("NEXT_N_WEEKS", 2, "2024-05-19", "2024-06-01"),
        ("N_WEEKS_AGO", 1, "2024-05-05", "2024-05-11"),
        ("LAST_N_MONTHS", 2, "2024-03-01", "2024-04-30"),
        ("NEXT_N_MONTHS", 8, "2024-06-01", "2025-01-31"),
        ("N_MONTHS_AGO", 5, "2023-12-01", "2023-12-31"),
        ("THIS_QUARTER", None, "2024-04-01", "2024-06-30"),
        ("LAST_QUARTER", None, "2024-01-01", "2024-03-31"),
        ("NEXT_QUARTER", None, "2024-07-01", "2024-09-30"),
        ("LAST_N_QUARTERS", 2, "2023-10-01", "2024-03-31"),
        ("NEXT_N_QUARTERS", 3, "2024-07-01", "2025-03-31"),
        ("N_QUARTERS_AGO", 2, "2023-10-01", "2023-12-31"),
        ("THIS_YEAR", None, "2024-01-01", "2024-12-31"),
        ("LAST_YEAR", None, "2023-01-01", "2023-12-31"),
        ("NEXT_YEAR", None, "2025-01-01", "2025-12-31"),
        ("LAST_N_YEARS", 2, "2022-01-01", "2023-12-31"),
        ("NEXT_N_YEARS", 1, "2025-01-01", "2025-12-31"),
        ("N_YEARS_AGO", 10, "2014-01-01", "2014-12-31"),
        ("THIS_FISCAL_QUARTER", None, "2024-04-01", "2024-06-30"),
        ("LAST_FISCAL_QUARTER", None, "2024-01-01", "2024-03-31"),
        ("NEXT_FISCAL_QUARTER", None, "2024-07-01", "2024-09-30"),
        ("LAST_N_FISCAL_QUARTERS", 1, "2024-01-01", "2024-03-31"),
        ("NEXT_N_FISCAL_QUARTERS", 2, "2024-07-01", "2024-12-31"),
        ("N_FISCAL_QUARTERS_AGO", 4, "2023-04-01", "2023-06-30"),
        ("THIS_FISCAL_YEAR", None, "2024-01-01", "2024-12-31"),
        ("LAST_FISCAL_YEAR", None, "2023-01-01", "2023-12-31"),
        ("NEXT_FISCAL_YEAR", None, "2025-01-01", "2025-12-31"),
        ("LAST_N_FISCAL_YEARS", 3, "2021-01-01", "2023-12-31"),
        ("NEXT_N_FISCAL_YEARS", 2, "2025-01-01", "2026-12-31"),
        ("N_FISCAL_YEARS_AGO", 1, "2023-01-01", "2023-12-31"),
    ],
)
def test_relative_date_ranges(name: str, n: int | None, first: str, last: str) -> None:
    """Each relative date literal covers its documented days (weeks from Sunday, fiscal = calendar)."""
    assert date_range(name, n, TODAY) == (d(first), d(last))


def test_week_starts_on_sunday() -> None:
    """On a Sunday, THIS_WEEK starts that day."""
    assert date_range("THIS_WEEK", None, d("2024-05-12")) == (d("2024-05-12"), d("2024-05-18"))


def test_months_wrap_the_year() -> None:
    """LAST_MONTH in January is December of the year before."""
    assert date_range("LAST_MONTH", None, d("2024-01-10")) == (d("2023-12-01"), d("2023-12-31"))


@pytest.mark.parametrize(
    ("name", "n"), [("LAST_N_DAYS", None), ("TODAY", 3), ("LAST_FORTNIGHT", None)]
)
def test_unknown_or_incomplete_literal(name: str, n: int | None) -> None:
    """A literal SOQL does not define, or an _N_ form without n, is rejected."""
    with pytest.raises(UnknownDateLiteralError):
        date_range(name, n, TODAY)


def names(
    query_org: QueryOrg, where: str, sobject: str = "Contact", field: str = "LastName"
) -> list[str]:
    return sorted(query_org.values(f"SELECT {field} FROM {sobject} WHERE {where}", field))


# Contacts were created at: Smith 2024-05-15T08:30Z, smith 2024-05-14T23:59Z,
# Ångström 2024-04-01T00:00Z, 100%_Max 2023-12-31T23:00Z (the clock: 2024-05-15T12:00Z).
@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("CreatedDate = TODAY", ["Smith"]),
        ("CreatedDate = YESTERDAY", ["smith"]),
        ("CreatedDate = LAST_N_DAYS:1", ["Smith", "smith"]),
        ("CreatedDate < LAST_N_DAYS:1", ["100%_Max", "Ångström"]),
        ("CreatedDate = THIS_MONTH", ["Smith", "smith"]),
        ("CreatedDate = LAST_MONTH", ["Ångström"]),
        ("CreatedDate <= LAST_MONTH", ["100%_Max", "Ångström"]),
        ("CreatedDate > LAST_MONTH", ["Smith", "smith"]),
        ("CreatedDate >= THIS_QUARTER", ["Smith", "smith", "Ångström"]),
        ("CreatedDate != THIS_YEAR", ["100%_Max"]),
        ("CreatedDate = LAST_YEAR", ["100%_Max"]),
        ("CreatedDate IN (LAST_YEAR, TODAY)", ["100%_Max", "Smith"]),
        ("CreatedDate = 2024-05-14T23:59:00Z", ["smith"]),
        ("CreatedDate > 2024-05-14T23:59:00Z", ["Smith"]),
        ("CreatedDate <= 2024-01-01T01:00:00+02:00", ["100%_Max"]),
        ("CreatedDate < 2024-01-01T01:00:00+02:00", []),
        ("CreatedDate = 2024-05-15T08:30:00.000Z", ["Smith"]),
    ],
)
def test_datetime_filters(query_org: QueryOrg, where: str, expected: list[str]) -> None:
    """Datetime fields take datetime literals exactly and relative dates as whole UTC days."""
    assert names(query_org, where) == expected


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("CloseDate = TODAY", ["opp4"]),
        ("CloseDate = THIS_MONTH", ["opp1", "opp4"]),
        ("CloseDate = NEXT_N_DAYS:46", ["opp2"]),
        ("CloseDate = NEXT_N_DAYS:45", []),
        ("CloseDate = LAST_N_DAYS:14", ["opp1", "opp4"]),
        ("CloseDate = LAST_N_DAYS:13", ["opp4"]),
        ("CloseDate = N_DAYS_AGO:14", ["opp1"]),
        ("CloseDate = LAST_N_MONTHS:6", ["opp3"]),
        ("CloseDate > THIS_QUARTER", []),
        ("CloseDate < THIS_YEAR", ["opp3"]),
        ("CloseDate = 2024-06-30", ["opp2"]),
        ("CloseDate > 2024-05-01", ["opp2", "opp4"]),
        ("CloseDate IN (2024-05-01, 2023-11-15)", ["opp1", "opp3"]),
        ("CloseDate NOT IN (2024-05-01, 2023-11-15)", ["opp2", "opp4"]),
    ],
)
def test_date_filters(query_org: QueryOrg, where: str, expected: list[str]) -> None:
    """Date fields take date literals and relative ranges; LAST_N_DAYS:n includes today."""
    assert names(query_org, where, "Opportunity", "Name") == expected


@pytest.mark.parametrize(
    ("soql", "column", "soap_type"),
    [
        ("SELECT Id FROM Contact WHERE CreatedDate > 2024-05-14", 30, "dateTime"),
        ("SELECT Id FROM Contact WHERE CreatedDate IN (TODAY, 2024-05-14)", 30, "dateTime"),
        ("SELECT Id FROM Opportunity WHERE CloseDate = 2024-06-30T00:00:00Z", 34, "date"),
        ("SELECT Id FROM Opportunity WHERE CloseDate >= 2024-06-30T00:00:00+02:00", 34, "date"),
    ],
)
def test_date_kind_must_match_field(
    query_org: QueryOrg, soql: str, column: int, soap_type: str
) -> None:
    """A date literal on a datetime field, or the reverse, is INVALID_FIELD with a caret."""
    with pytest.raises(QueryError) as caught:
        query_org.values(soql, "Id")
    error = caught.value
    field = "CreatedDate" if "CreatedDate" in soql else "CloseDate"
    assert error.error_code == "INVALID_FIELD"
    assert error.message == (
        f"\n{soql}\n{' ' * (column - 1)}^\nERROR at Row:1:Column:{column}\n"
        f"value of filter criterion for field '{field}' must be of type {soap_type} "
        "and should not be enclosed in quotes"
    )


def test_relative_dates_follow_the_clock(query_org: QueryOrg) -> None:
    """Moving the org clock moves TODAY."""
    try:
        query_org.clock.set(dt.datetime(2024, 6, 30, 9, 0, tzinfo=dt.UTC))
        assert names(query_org, "CloseDate = TODAY", "Opportunity", "Name") == ["opp2"]
    finally:
        query_org.clock.set(dt.datetime(2024, 5, 15, 12, 0, tzinfo=dt.UTC))
