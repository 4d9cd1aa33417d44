"""Aggregate queries: AggregateResult rows, expr naming, exact sums, GROUP BY with
ROLLUP and CUBE, HAVING, date functions and COUNT()."""

from __future__ import annotations

import json

import pytest

from sfseg.sandbox.query import QueryError
from tests.sandbox.test_query_org import QueryOrg, build_org, query_org

__all__ = ["query_org"]

AGGREGATE = {"type": "AggregateResult"}


def test_count_only_answers_total_size(query_org: QueryOrg) -> None:
    """SELECT COUNT() puts the count in totalSize and returns no records."""
    result = query_org.query("SELECT COUNT() FROM Contact WHERE LastName = 'smith'")
    assert result == {"totalSize": 2, "done": True, "records": []}


def test_count_only_honours_limit(query_org: QueryOrg) -> None:
    """COUNT() with LIMIT counts at most LIMIT rows."""
    assert query_org.query("SELECT COUNT() FROM Contact LIMIT 3")["totalSize"] == 3


def test_unaliased_aggregates_are_expr_n(query_org: QueryOrg) -> None:
    """Unaliased aggregates are expr0, expr1... in select order; aliases are kept."""
    soql = "SELECT COUNT(Id), MAX(Amount) biggest, MIN(CloseDate) FROM Opportunity"
    assert query_org.records(soql) == [
        {"attributes": AGGREGATE, "expr0": 4, "biggest": 1000.0, "expr1": "2023-11-15"}
    ]


def test_sum_of_cents_is_exact(query_org: QueryOrg) -> None:
    """0.1 + 0.2 + 0.3 sums to 0.6 exactly, also once written as JSON."""
    record = query_org.records(
        "SELECT SUM(Amount) total, AVG(Amount) mean FROM Opportunity WHERE Amount < 1"
    )[0]
    assert record["total"] == 0.6
    assert (
        json.dumps(record)
        == '{"attributes": {"type": "AggregateResult"}, "total": 0.6, "mean": 0.2}'
    )


def test_sum_of_int_field_is_int(query_org: QueryOrg) -> None:
    """SUM over an int field stays an int."""
    record = query_org.records("SELECT SUM(NumberOfEmployees) FROM Account")[0]
    assert record["expr0"] == 150
    assert isinstance(record["expr0"], int)


def test_count_field_and_count_distinct(query_org: QueryOrg) -> None:
    """COUNT(field) skips nulls; COUNT_DISTINCT counts distinct values."""
    record = query_org.records(
        "SELECT COUNT(Title), COUNT_DISTINCT(LeadSource), COUNT(Id) FROM Contact"
    )[0]
    assert record == {"attributes": AGGREGATE, "expr0": 1, "expr1": 2, "expr2": 4}


def test_group_by_relationship_keyed_by_last_segment(query_org: QueryOrg) -> None:
    """Grouping by Account.Name keys the value as `Name`."""
    soql = "SELECT Account.Name, COUNT(Id) FROM Contact GROUP BY Account.Name ORDER BY Account.Name"
    assert query_org.records(soql) == [
        {"attributes": AGGREGATE, "Name": None, "expr0": 1},
        {"attributes": AGGREGATE, "Name": "Acme", "expr0": 2},
        {"attributes": AGGREGATE, "Name": "Globex", "expr0": 1},
    ]


def test_group_by_with_aliases_and_having(query_org: QueryOrg) -> None:
    """Aliases name grouped fields and aggregates; HAVING filters groups."""
    soql = (
        "SELECT StageName s, SUM(Amount) total FROM Opportunity GROUP BY StageName "
        "HAVING COUNT(Id) > 1 ORDER BY StageName"
    )
    assert query_org.records(soql) == [
        {"attributes": AGGREGATE, "s": "Closed Won", "total": 1000.3},
        {"attributes": AGGREGATE, "s": "Prospecting", "total": 0.3},
    ]


def test_having_on_exact_sum(query_org: QueryOrg) -> None:
    """HAVING compares the exact sum."""
    soql = "SELECT StageName FROM Opportunity GROUP BY StageName HAVING SUM(Amount) = 0.3"
    assert query_org.values(soql, "StageName") == ["Prospecting"]


def test_order_by_aggregate(query_org: QueryOrg) -> None:
    """ORDER BY an aggregate, descending."""
    soql = (
        "SELECT AccountId, COUNT(Id) n FROM Opportunity GROUP BY AccountId ORDER BY COUNT(Id) DESC"
    )
    assert query_org.values(soql, "n") == [3, 1]


def test_rollup_adds_subtotals(query_org: QueryOrg) -> None:
    """GROUP BY ROLLUP adds a subtotal per group and a grand total last."""
    soql = "SELECT StageName, Account.Name, COUNT(Id) FROM Opportunity GROUP BY ROLLUP(StageName, Account.Name)"
    rows = [(r["StageName"], r["Name"], r["expr0"]) for r in query_org.records(soql)]
    assert rows == [
        ("Closed Won", "Acme", 1),
        ("Closed Won", "Globex", 1),
        ("Closed Won", None, 2),
        ("Prospecting", "Acme", 2),
        ("Prospecting", None, 2),
        (None, None, 4),
    ]


def test_cube_adds_every_subtotal(query_org: QueryOrg) -> None:
    """GROUP BY CUBE adds subtotals for every combination; GROUPING() marks them."""
    soql = (
        "SELECT StageName, Account.Name, COUNT(Id), GROUPING(StageName) gs, GROUPING(Account.Name) ga "
        "FROM Opportunity GROUP BY CUBE(StageName, Account.Name)"
    )
    rows = {
        (r["StageName"], r["Name"], r["gs"], r["ga"]): r["expr0"] for r in query_org.records(soql)
    }
    assert rows == {
        ("Closed Won", "Acme", 0, 0): 1,
        ("Closed Won", "Globex", 0, 0): 1,
        ("Prospecting", "Acme", 0, 0): 2,
        ("Closed Won", None, 0, 1): 2,
        ("Prospecting", None, 0, 1): 2,
        (None, "Acme", 1, 0): 3,
        (None, "Globex", 1, 0): 1,
        (None, None, 1, 1): 4,
    }


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        ("CALENDAR_YEAR(CloseDate)", [2023, 2024]),
        ("CALENDAR_QUARTER(CloseDate)", [2, 4]),
        ("CALENDAR_MONTH(CloseDate)", [5, 6, 11]),
        ("FISCAL_YEAR(CloseDate)", [2023, 2024]),
        ("DAY_IN_MONTH(CloseDate)", [1, 15, 30]),
        ("DAY_IN_WEEK(CloseDate)", [1, 4]),
        ("DAY_IN_YEAR(CloseDate)", [122, 136, 182, 319]),
        ("WEEK_IN_MONTH(CloseDate)", [1, 3, 5]),
        ("WEEK_IN_YEAR(CloseDate)", [18, 20, 26, 46]),
        ("HOUR_IN_DAY(CreatedDate)", [12]),
        ("DAY_ONLY(CreatedDate)", ["2024-05-15"]),
    ],
)
def test_date_functions_group(query_org: QueryOrg, function: str, expected: list[object]) -> None:
    """Date functions group by their value; unaliased they are named exprN."""
    soql = f"SELECT {function}, COUNT(Id) FROM Opportunity GROUP BY {function} ORDER BY {function}"
    assert query_org.values(soql, "expr0") == expected


def test_date_function_in_where(query_org: QueryOrg) -> None:
    """A date function can filter rows."""
    soql = "SELECT Name FROM Opportunity WHERE CALENDAR_YEAR(CloseDate) = 2023"
    assert query_org.values(soql, "Name") == ["opp3"]


def test_aggregate_over_2000_groups_is_rejected() -> None:
    """More than 2,000 aggregate rows raise EXCEEDED_ID_LIMIT, and LIMIT makes them fit."""
    built = build_org()
    with built.org.transaction():
        for index in range(2001):
            built.org.create("Lead", {"LastName": f"L{index:05d}", "Company": "Bulk"})
    with pytest.raises(QueryError) as caught:
        built.query("SELECT LastName, COUNT(Id) FROM Lead GROUP BY LastName")
    assert caught.value.error_code == "EXCEEDED_ID_LIMIT"
    assert caught.value.message == (
        "Aggregate query does not support queryMore(), use LIMIT to restrict the results to a single batch"
    )
    limited = built.query("SELECT LastName, COUNT(Id) FROM Lead GROUP BY LastName LIMIT 2000")
    assert limited["totalSize"] == 2000
    assert limited["done"] is True
    built.org.close()
