"""Semi-join limits: the engine rejects what the SOQL parser rejects, with its message."""

from __future__ import annotations

import pytest

from tests.sandbox.test_query_errors import query_error
from tests.sandbox.test_query_org import QueryOrg, query_org

__all__ = ["query_org"]

SEMI = "Id IN (SELECT ContactId FROM Opportunity)"
ANTI = "Id NOT IN (SELECT ContactId FROM Opportunity)"


@pytest.mark.parametrize(
    ("where", "column", "reason"),
    [
        (f"{SEMI} AND {ANTI} AND {SEMI}", 126, "Maximum 2 semi join sub-selects are allowed"),
        (
            f"{SEMI} OR LastName = 'x'",
            30,
            "Semi join sub-selects are not allowed with the 'OR' operator",
        ),
        (
            f"LastName = 'x' OR (Email = null AND {ANTI})",
            66,
            "Semi join sub-selects are not allowed with the 'OR' operator",
        ),
        (
            f"NOT (LastName = 'x' AND {SEMI})",
            54,
            "Semi join sub-selects are not allowed with the 'NOT' operator; use NOT IN for an anti-join",
        ),
    ],
)
def test_semi_join_limit_rejected(
    query_org: QueryOrg, where: str, column: int, reason: str
) -> None:
    """Over two semi-joins, or OR / NOT around one, is MALFORMED_QUERY at the subquery."""
    error = query_error(query_org, f"SELECT Id FROM Contact WHERE {where}")
    assert error.error_code == "MALFORMED_QUERY"
    assert f"\nERROR at Row:1:Column:{column}\n{reason}" in error.message
    assert error.message.endswith(reason)


def test_two_semi_joins_allowed(query_org: QueryOrg) -> None:
    """Two semi-joins (here one and one anti-join) joined by AND run."""
    rows = query_org.values(f"SELECT Id FROM Contact WHERE {SEMI} AND {ANTI}")
    assert rows == []
