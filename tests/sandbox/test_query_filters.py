"""WHERE semantics: case-insensitive text, LIKE, null handling, ids, multi-select
picklists, semi-joins and anti-joins, and boolean logic."""

from __future__ import annotations

import pytest

from tests.sandbox.test_query_org import QueryOrg, query_org

__all__ = ["query_org"]


def last_names(query_org: QueryOrg, where: str, *, sobject: str = "Contact") -> list[str]:
    return sorted(query_org.values(f"SELECT LastName FROM {sobject} WHERE {where}", "LastName"))


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("LastName = 'SMITH'", ["Smith", "smith"]),
        ("Email = 'jane.smith@example.org'", ["Smith"]),
        ("LastName != 'smith'", ["100%_Max", "Ångström"]),
        ("LastName IN ('smith', 'NOBODY')", ["Smith", "smith"]),
        ("LastName NOT IN ('Smith')", ["100%_Max", "Ångström"]),
        ("LastName < 'B'", ["100%_Max"]),
        ("LastName > 'r'", ["Smith", "smith", "Ångström"]),
        ("LastName = 'ångström'", ["Ångström"]),
        ("FirstName IN ('ZOË')", ["Ångström"]),
    ],
)
def test_text_comparison_ignores_case(query_org: QueryOrg, where: str, expected: list[str]) -> None:
    """Text equality, ordering and IN compare without regard to case, Unicode included."""
    assert last_names(query_org, where) == expected


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("LastName LIKE 'sm%'", ["Smith", "smith"]),
        ("LastName LIKE 'SMIT_'", ["Smith", "smith"]),
        ("LastName LIKE '%ITH'", ["Smith", "smith"]),
        ("Email LIKE '%@EXAMPLE.ORG'", ["Smith", "smith", "Ångström"]),
        ("LastName LIKE '100\\%%'", ["100%_Max"]),
        ("LastName LIKE '100%\\_Max'", ["100%_Max"]),
        ("LastName LIKE '1_0\\%\\_%'", ["100%_Max"]),
        ("LastName LIKE '10\\_%'", []),
        ("LastName LIKE 'å%'", ["Ångström"]),
        ("Title LIKE 'C:\\\\%'", ["100%_Max"]),
        ("NOT LastName LIKE 's%'", ["100%_Max", "Ångström"]),
    ],
)
def test_like_patterns(query_org: QueryOrg, where: str, expected: list[str]) -> None:
    """LIKE: % any run, _ one character, \\% and \\_ literal, case-insensitive."""
    assert last_names(query_org, where) == expected


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("Title = null", ["Smith", "smith", "Ångström"]),
        ("Title != null", ["100%_Max"]),
        ("AccountId = null", ["100%_Max"]),
        ("Account.Name != 'Acme'", ["100%_Max", "Ångström"]),
        ("Account.Name = 'Acme'", ["Smith", "smith"]),
        ("Account.Name NOT IN ('Acme')", ["100%_Max", "Ångström"]),
        ("Title IN ('C:\\\\Temp', null)", ["100%_Max", "Smith", "smith", "Ångström"]),
        ("NOT (Title = 'nothing')", ["100%_Max", "Smith", "smith", "Ångström"]),
        ("NOT (Account.Name = 'Acme')", ["100%_Max", "Ångström"]),
    ],
)
def test_null_semantics(query_org: QueryOrg, where: str, expected: list[str]) -> None:
    """!= and NOT IN match null fields; NOT is the complement of its condition."""
    assert last_names(query_org, where) == expected


def test_short_id_matches(query_org: QueryOrg) -> None:
    """A 15-character id finds the record; the id comes back in 18 characters."""
    jane = query_org.ids["jane"]
    assert query_org.values(f"SELECT Id FROM Contact WHERE Id = '{jane[:15]}'") == [jane]
    assert query_org.values(
        f"SELECT Id FROM Contact WHERE Id IN ('{jane[:15]}', '{query_org.ids['john']}')"
    ) == [
        jane,
        query_org.ids["john"],
    ]


def test_short_id_on_reference_field(query_org: QueryOrg) -> None:
    """Reference fields accept 15-character ids too."""
    acme = query_org.ids["acme"]
    assert last_names(query_org, f"AccountId = '{acme[:15]}'") == ["Smith", "smith"]


def test_ids_compare_case_sensitively(query_org: QueryOrg) -> None:
    """A 15-character id with the wrong letter case names another record."""
    jane = query_org.ids["jane"]
    swapped = jane[:15].swapcase()
    assert query_org.values(f"SELECT Id FROM Contact WHERE Id = '{swapped}'") == []


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("Interests__c INCLUDES ('golf')", ["Smith"]),
        ("Interests__c INCLUDES ('GOLF;TENNIS')", ["Smith"]),
        ("Interests__c INCLUDES ('TENNIS;CHESS')", []),
        ("Interests__c INCLUDES ('TENNIS', 'CHESS')", ["Smith", "smith"]),
        ("Interests__c EXCLUDES ('GOLF')", ["100%_Max", "smith", "Ångström"]),
        ("Interests__c = 'TENNIS;GOLF'", ["Smith"]),
        ("Interests__c = 'GOLF'", []),
    ],
)
def test_multipicklist_operators(query_org: QueryOrg, where: str, expected: list[str]) -> None:
    """INCLUDES matches any listed entry, 'a;b' needs both, = compares the whole set."""
    assert last_names(query_org, where) == expected


def test_semi_join(query_org: QueryOrg) -> None:
    """Id IN (SELECT ContactId FROM CampaignMember ...) keeps campaign members."""
    spring = query_org.ids["spring"]
    where = f"Id IN (SELECT ContactId FROM CampaignMember WHERE CampaignId = '{spring}')"
    assert last_names(query_org, where) == ["Smith"]


def test_anti_join_ignores_null_ids(query_org: QueryOrg) -> None:
    """NOT IN with a subquery keeps records the subquery does not name, despite null ContactIds."""
    where = "Id NOT IN (SELECT ContactId FROM CampaignMember)"
    assert last_names(query_org, where) == ["100%_Max", "smith", "Ångström"]


def test_semi_join_on_reference_field(query_org: QueryOrg) -> None:
    """A reference field can be the left side of a semi-join, with parent paths inside."""
    where = "AccountId IN (SELECT AccountId FROM Opportunity WHERE StageName = 'closed won' AND Account.Name = 'Globex')"
    assert last_names(query_org, where) == ["Ångström"]


def test_semi_join_on_lead_campaign(query_org: QueryOrg) -> None:
    """Semi-joins work on leads through LeadId."""
    where = "Id IN (SELECT LeadId FROM CampaignMember WHERE Campaign.Name = 'spring launch')"
    assert last_names(query_org, where, sobject="Lead") == ["Lee"]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("LastName = 'Smith' AND FirstName = 'John'", ["smith"]),
        ("LastName = 'Smith' OR LastName = 'Ångström'", ["Smith", "smith", "Ångström"]),
        ("(LastName = 'Smith' OR Title != null) AND NOT FirstName = 'John'", ["100%_Max", "Smith"]),
        ("HasOptedOutOfEmail = true", ["Smith"]),
        ("HasOptedOutOfEmail != null", ["Smith"]),
        ("HasOptedOutOfEmail = null", ["100%_Max", "smith", "Ångström"]),
        ("HasOptedOutOfEmail = false AND LeadSource = 'web'", ["Ångström"]),
        ("Account.NumberOfEmployees > 100", ["Smith", "smith"]),
        ("Account.NumberOfEmployees <= 30.5", ["Ångström"]),
    ],
)
def test_boolean_logic_and_numbers(query_org: QueryOrg, where: str, expected: list[str]) -> None:
    """AND, OR, NOT with parentheses; booleans and numbers compare natively."""
    assert last_names(query_org, where) == expected


def test_order_by_nulls_first_by_default(query_org: QueryOrg) -> None:
    """ORDER BY puts nulls first in both directions unless NULLS LAST is given."""
    ascending = query_org.values(
        "SELECT Title, LastName FROM Contact ORDER BY Title, LastName", "LastName"
    )
    descending = query_org.values(
        "SELECT LastName FROM Contact ORDER BY Title DESC, LastName", "LastName"
    )
    last = query_org.values(
        "SELECT LastName FROM Contact ORDER BY Title NULLS LAST, LastName", "LastName"
    )
    assert ascending[-1] == "100%_Max"
    assert descending[-1] == "100%_Max"
    assert last[0] == "100%_Max"
    assert (
        query_org.values("SELECT LastName FROM Contact ORDER BY Title DESC NULLS LAST", "LastName")[
            0
        ]
        == "100%_Max"
    )


def test_order_by_text_ignores_case(query_org: QueryOrg) -> None:
    """Text sorts case-insensitively: 'smith' and 'Smith' tie and Id breaks the tie."""
    names = query_org.values(
        "SELECT FirstName FROM Contact ORDER BY LastName DESC, FirstName DESC", "FirstName"
    )
    assert names[:3] == ["Zoë", "John", "Jane"]


def test_order_by_parent_field(query_org: QueryOrg) -> None:
    """ORDER BY a parent path, with contacts lacking an account first."""
    names = query_org.values(
        "SELECT LastName FROM Contact ORDER BY Account.Name DESC NULLS FIRST, LastName", "LastName"
    )
    assert names == ["100%_Max", "Ångström", "Smith", "smith"]


def test_limit_and_offset(query_org: QueryOrg) -> None:
    """LIMIT and OFFSET cut the ordered result; totalSize counts what is returned."""
    result = query_org.query("SELECT LastName FROM Contact ORDER BY CreatedDate LIMIT 2 OFFSET 1")
    assert result["totalSize"] == 2
    assert [r["LastName"] for r in result["records"]] == ["Ångström", "smith"]


def test_count_through_two_parent_joins(query_org: QueryOrg) -> None:
    """A filter two relationships up counts the same as the records it returns."""
    where = "Account.Owner.Name = 'sandbox admin'"
    assert query_org.query(f"SELECT COUNT() FROM Contact WHERE {where}")["totalSize"] == 3
    result = query_org.query(f"SELECT Account.Name FROM Contact WHERE {where}")
    assert result["totalSize"] == 3
    assert [r["Account"]["Name"] for r in result["records"]] == ["Acme", "Acme", "Globex"]


def test_case_sensitive_field_keeps_case(query_org: QueryOrg) -> None:
    """A field flagged caseSensitive in describe compares with case."""
    assert last_names(query_org, "Code__c = 'AbC'") == ["Smith"]
    assert last_names(query_org, "Code__c = 'abc'") == []
    assert last_names(query_org, "Code__c IN ('ABC', 'abc')") == []
    assert last_names(query_org, "Code__c LIKE 'ab%'") == ["Smith"]
