"""The builder composes trees that render to the expected SOQL and parse back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from sfseg.soql import ast, parse, render
from sfseg.soql import builder as b


def test_select_with_conditions_renders() -> None:
    query = b.select(
        "Id",
        "Account.Name",
        sobject="Contact",
        where=b.and_(
            b.eq("LastName", "O'Brien"),
            b.ne("Email", None),
            b.ge(
                "CreatedDate",
                dt.datetime(2021, 8, 11, 14, 52, 8, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            ),
        ),
        order=["LastName", b.order_by("CreatedDate", descending=True, nulls_last=True)],
        limit=10,
        offset=5,
    )

    assert render(query) == (
        "SELECT Id, Account.Name FROM Contact WHERE LastName = 'O\\'Brien' AND Email != null "
        "AND CreatedDate >= 2021-08-11T12:52:08Z ORDER BY LastName, CreatedDate DESC NULLS LAST "
        "LIMIT 10 OFFSET 5"
    )
    assert parse(render(query)) == query


@pytest.mark.parametrize(
    ("condition", "text"),
    [
        (b.eq("A", 1), "A = 1"),
        (b.ne("A", "x"), "A != 'x'"),
        (b.lt("A", Decimal("0.5")), "A < 0.5"),
        (b.le("A", dt.date(2024, 1, 31)), "A <= 2024-01-31"),
        (b.gt("A", ast.DateRangeLiteral("LAST_N_DAYS", 30)), "A > LAST_N_DAYS:30"),
        (b.ge("A", True), "A >= true"),
        (b.in_("Id", ["a", "b"]), "Id IN ('a','b')"),
        (b.not_in("Status", ("Closed",)), "Status NOT IN ('Closed')"),
        (
            b.includes("Hobbies__c", ["golf;tennis", "chess"]),
            "Hobbies__c INCLUDES ('golf;tennis','chess')",
        ),
        (b.excludes("Hobbies__c", ["golf"]), "Hobbies__c EXCLUDES ('golf')"),
        (b.like("Name", b.like_pattern("50%", prefix=True)), "Name LIKE '50\\%%'"),
        (b.not_(b.eq("A", 1)), "NOT A = 1"),
        (b.not_(b.or_(b.eq("A", 1), b.eq("B", 2))), "NOT (A = 1 OR B = 2)"),
        (b.or_(b.and_(b.eq("A", 1), b.eq("B", 2)), b.eq("C", 3)), "(A = 1 AND B = 2) OR C = 3"),
        (b.eq(b.call("CALENDAR_YEAR", "CloseDate"), 2024), "CALENDAR_YEAR(CloseDate) = 2024"),
    ],
)
def test_condition_helpers_render(condition: ast.Condition, text: str) -> None:
    """Each helper renders its operator, and the text parses back to the same tree."""
    from sfseg.soql import parse_condition

    assert render(condition) == text
    assert parse_condition(text) == condition


def test_and_flattens_and_skips_none() -> None:
    a, c = b.eq("A", 1), b.eq("C", 3)

    assert b.and_(b.and_(a, None), c) == ast.And((a, c))
    assert b.and_(None, a) == a


def test_and_needs_a_condition() -> None:
    with pytest.raises(ValueError, match="AND needs at least one condition"):
        b.and_(None)


def test_in_needs_values() -> None:
    with pytest.raises(ValueError, match="at least one value"):
        b.in_("Id", [])


@pytest.mark.parametrize("name", ["Id FROM Contact", "Name--", "1Field", "a.", "Na'me", ""])
def test_field_names_are_checked(name: str) -> None:
    """Text that is not a SOQL name cannot slip into a statement as a field."""
    with pytest.raises(ValueError, match="invalid SOQL name"):
        b.eq(name, 1)


def test_object_name_is_checked() -> None:
    with pytest.raises(ValueError, match="invalid SOQL name"):
        b.select("Id", sobject="Contact WHERE Id != null")


def test_select_needs_fields() -> None:
    with pytest.raises(ValueError, match="at least one field"):
        b.select(sobject="Contact")


def test_negative_limit_rejected() -> None:
    with pytest.raises(ValueError, match="LIMIT must be zero or more, not -1"):
        b.select("Id", sobject="Contact", limit=-1)


def test_semi_and_anti_join() -> None:
    members = b.select(
        "ContactId", sobject="CampaignMember", where=b.eq("CampaignId", "701000000000001")
    )
    query = b.select(
        "Id",
        sobject="Contact",
        where=b.and_(
            b.semi_join("Id", members), b.anti_join("Id", b.select("WhoId", sobject="Task"))
        ),
    )

    assert render(query) == (
        "SELECT Id FROM Contact WHERE Id IN (SELECT ContactId FROM CampaignMember "
        "WHERE CampaignId = '701000000000001') AND Id NOT IN (SELECT WhoId FROM Task)"
    )
    assert parse(render(query)) == query


def test_count_query_keeps_filter() -> None:
    """count_query keeps FROM, WHERE, WITH and USING SCOPE and drops paging clauses."""
    query = parse(
        "SELECT Id, Name FROM Lead USING SCOPE Mine WHERE Status = 'Open' WITH SECURITY_ENFORCED "
        "ORDER BY Name LIMIT 5 OFFSET 10 FOR VIEW"
    )

    assert render(b.count_query(query)) == (
        "SELECT COUNT() FROM Lead USING SCOPE Mine WHERE Status = 'Open' WITH SECURITY_ENFORCED"
    )


def test_count_query_rejects_grouped_query() -> None:
    with pytest.raises(ValueError, match="GROUP BY"):
        b.count_query(parse("SELECT Status, COUNT(Id) FROM Lead GROUP BY Status"))


def test_call_with_literal_arguments() -> None:
    distance = b.call("DISTANCE", "Location__c", b.call("GEOLOCATION", 37.775, -122.418), "mi")

    # Text arguments are field paths, so a quoted unit is passed as a StringLiteral.
    assert render(distance) == "DISTANCE(Location__c, GEOLOCATION(37.775, -122.418), mi)"
    unit = b.call("DISTANCE", "Location__c", b.call("GEOLOCATION", 1, 2), ast.StringLiteral("km"))
    assert render(unit) == "DISTANCE(Location__c, GEOLOCATION(1, 2), 'km')"


def test_grouped_select_with_aliases() -> None:
    query = b.select(
        "LeadSource",
        b.aliased(b.call("COUNT", "Id"), "n"),
        b.aliased(b.call("MAX", "Account.AnnualRevenue"), "hi0"),
        sobject="Contact",
        group_by=["LeadSource"],
        order=[b.order_by(b.call("COUNT", "Id"), descending=True)],
        limit=2000,
    )
    text = render(query)
    assert text == (
        "SELECT LeadSource, COUNT(Id) n, MAX(Account.AnnualRevenue) hi0 FROM Contact "
        "GROUP BY LeadSource ORDER BY COUNT(Id) DESC LIMIT 2000"
    )
    assert parse(text) == query


def test_rollup_select_renders() -> None:
    query = b.select(
        "IsClosed", "IsPrimary", b.aliased(b.call("GROUPING", "IsPrimary"), "subtotal"),
        sobject="OpportunityContactRole", group_by=["IsClosed", "IsPrimary"], rollup=True,
    )  # fmt: skip
    assert render(query).endswith("GROUP BY ROLLUP(IsClosed, IsPrimary)")
    assert parse(render(query)) == query


def test_rollup_needs_group_fields() -> None:
    with pytest.raises(ValueError, match="ROLLUP on Contact needs at least one field"):
        b.select("Id", sobject="Contact", rollup=True)


def test_alias_name_is_checked() -> None:
    with pytest.raises(ValueError, match="invalid SOQL name 'not ok'"):
        b.aliased("Id", "not ok")
