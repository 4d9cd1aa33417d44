"""Date and datetime values in criteria: each kind only on its own field type.

Salesforce rejects a date literal on a datetime field and a datetime literal on a date
field. Criteria with either mismatch are reported before anything is sent. Criteria that
compile run on the sandbox org, which rejects both mismatches as Salesforce does.
"""

from __future__ import annotations

from typing import Any

import pytest

from sfseg.sandbox.org import Org
from sfseg.sandbox.query import QueryEngine
from sfseg.segments.criteria import CriteriaError, MetadataCache, compile_criteria

API_VERSION = "66.0"
DATETIME_FIX = (
    "use YYYY-MM-DDThh:mm:ssZ with a time zone (2024-01-01T00:00:00Z is midnight UTC) "
    "or a relative date such as LAST_N_DAYS:30"
)
DATE_FIX = "use YYYY-MM-DD or a relative date such as LAST_N_DAYS:30"


@pytest.fixture(scope="module")
def org() -> Org:
    return Org.open(seed="empty")


@pytest.fixture(scope="module")
def metadata(org: Org) -> MetadataCache:
    return MetadataCache(lambda sobject: org.describe(sobject, API_VERSION))


def _problems(criteria: Any, metadata: MetadataCache) -> list[str]:
    with pytest.raises(CriteriaError) as caught:
        compile_criteria(criteria, metadata=metadata, target="contact")
    return [str(problem) for problem in caught.value.problems]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        (
            "CreatedDate >= 2024-01-01",
            f"row 1, column 1: CreatedDate is a datetime: {DATETIME_FIX}, not 2024-01-01",
        ),
        (
            "Email != null AND Account.CreatedDate IN (TODAY, 2024-01-01)",
            f"row 1, column 19: CreatedDate is a datetime: {DATETIME_FIX}, not 2024-01-01",
        ),
        (
            "Birthdate = 2024-01-01T00:00:00Z",
            f"row 1, column 1: Birthdate is a date: {DATE_FIX}, not 2024-01-01T00:00:00Z",
        ),
        (
            "Id IN (SELECT ContactId FROM Opportunity\n  WHERE CloseDate > 2024-01-01T00:00:00Z)",
            f"row 2, column 9: CloseDate is a date: {DATE_FIX}, not 2024-01-01T00:00:00Z",
        ),
        (
            "DAY_ONLY(CreatedDate) = 2024-01-01T00:00:00Z",
            f"row 1, column 1: DAY_ONLY(CreatedDate) is a date: {DATE_FIX}, not 2024-01-01T00:00:00Z",
        ),
    ],
)
def test_where_date_kind_mismatch(metadata: MetadataCache, where: str, expected: str) -> None:
    """A WHERE clause with the wrong date kind is reported at the field's row and column."""
    assert _problems(where, metadata) == [expected]


def _rules(field: str, value: str, op: str = "gte") -> str:
    return f"target: contact\nmatch:\n  all:\n    - {{field: {field}, op: {op}, value: {value}}}\n"


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            _rules("CreatedDate", "2024-01-01"),
            f"match.all[0].value: CreatedDate is a datetime: {DATETIME_FIX}, not 2024-01-01",
        ),
        (
            _rules("LastModifiedDate", "['2024-01-01', TODAY]", op="in"),
            f"match.all[0].value: LastModifiedDate is a datetime: {DATETIME_FIX}, not '2024-01-01'",
        ),
        (
            _rules("Birthdate", "2000-01-01T00:00:00Z"),
            "match.all[0].value: Birthdate is a date: give YYYY-MM-DD, not the datetime "
            "2000-01-01T00:00:00+00:00",
        ),
    ],
)
def test_rule_date_kind_mismatch(metadata: MetadataCache, document: str, expected: str) -> None:
    """A rule value of the wrong date kind names the field, the value and the fix."""
    assert _problems(document, metadata) == [expected]


RULES_WITH_DATES = """
target: contact
match:
  all:
    - {field: CreatedDate, op: gte, value: 2024-01-01T00:00:00Z}
    - {field: LastModifiedDate, op: lt, value: '2024-03-01T12:30:00+02:00'}
    - {field: Birthdate, op: lt, value: 2000-01-01}
    - {field: CreatedDate, op: in, value: [LAST_N_DAYS:30, THIS_YEAR]}
    - related: {object: Opportunity, via: ContactId,
                match: {all: [{field: CloseDate, op: gt, value: 2024-01-01},
                              {field: CreatedDate, op: eq, value: LAST_N_DAYS:7}]}}
"""


@pytest.mark.parametrize(
    ("criteria", "where"),
    [
        (
            RULES_WITH_DATES,
            "CreatedDate >= 2024-01-01T00:00:00Z AND LastModifiedDate < 2024-03-01T10:30:00Z "
            "AND Birthdate < 2000-01-01 AND CreatedDate IN (LAST_N_DAYS:30,THIS_YEAR) "
            "AND Id IN (SELECT ContactId FROM Opportunity "
            "WHERE CloseDate > 2024-01-01 AND CreatedDate = LAST_N_DAYS:7)",
        ),
        (
            "CreatedDate > 2024-01-01T00:00:00Z AND Birthdate < 2000-01-01 AND LastModifiedDate = TODAY",
            "CreatedDate > 2024-01-01T00:00:00Z AND Birthdate < 2000-01-01 AND LastModifiedDate = TODAY",
        ),
        (
            "DAY_ONLY(CreatedDate) = 2024-01-01 AND CALENDAR_YEAR(CreatedDate) IN (2023, 2024)",
            "DAY_ONLY(CreatedDate) = 2024-01-01 AND CALENDAR_YEAR(CreatedDate) IN (2023,2024)",
        ),
    ],
)
def test_compiled_dates_run_on_the_sandbox(
    org: Org, metadata: MetadataCache, criteria: str, where: str
) -> None:
    """Compiled date filters use the literal each field type takes, so the org runs them."""
    soql = compile_criteria(criteria, metadata=metadata, target="contact").soql("Contact")
    assert soql == f"SELECT Id FROM Contact WHERE {where}"
    page = QueryEngine(org).execute(soql, include_deleted=False, api_version=API_VERSION)
    assert (page["totalSize"], page["done"]) == (0, True)
