"""The walkers find field paths, comparisons and subqueries in statement order."""

from __future__ import annotations

from sfseg.soql import ast, parse, parse_condition, walk

_QUERY = parse(
    "SELECT Id, Account.Name, COUNT_DISTINCT(Email), FIELDS(STANDARD), "
    "TYPEOF What WHEN Account THEN Phone END, (SELECT Subject FROM Tasks WHERE Status = 'Open') "
    "FROM Contact WHERE LastName = 'x' AND Id IN (SELECT ContactId FROM CampaignMember WHERE Status = 'Sent') "
    "GROUP BY Account.Name HAVING COUNT(Id) > 1 ORDER BY CALENDAR_YEAR(CreatedDate)"
)


def _dotted(paths: object) -> list[str]:
    return [path.dotted for path in paths]  # type: ignore[attr-defined]


def test_field_paths_stay_in_one_query() -> None:
    """Paths of the FROM object only: no subquery fields, TYPEOF branches or FIELDS() sets."""
    assert _dotted(walk.field_paths(_QUERY)) == [
        "Id",
        "Account.Name",
        "Email",
        "What",
        "LastName",
        "Id",
        "Account.Name",
        "Id",
        "CreatedDate",
    ]


def test_field_paths_into_subqueries() -> None:
    paths = _dotted(walk.field_paths(_QUERY, into_subqueries=True))

    assert "Subject" in paths
    assert "ContactId" in paths
    assert paths.count("Status") == 2


def test_field_paths_of_condition() -> None:
    condition = parse_condition("A = 1 AND (B.C = 2 OR NOT D IN ('x'))")

    assert _dotted(walk.field_paths(condition)) == ["A", "B.C", "D"]


def test_comparisons_in_where_and_having() -> None:
    found = list(walk.comparisons(_QUERY))

    assert [comparison.operator for comparison in found] == ["=", "IN", ">"]
    assert isinstance(found[1].right, ast.SubQuery)


def test_comparisons_into_subqueries() -> None:
    found = list(walk.comparisons(_QUERY, into_subqueries=True))

    assert [render_left(comparison) for comparison in found] == [
        "LastName",
        "Id",
        "Status",
        "COUNT",
        "Status",
    ]


def render_left(comparison: ast.Comparison) -> str:
    left = comparison.left
    return left.dotted if isinstance(left, ast.FieldPath) else left.name


def test_subqueries_found() -> None:
    found = list(walk.subqueries(_QUERY))

    assert [subquery.query.from_.sobject for subquery in found] == ["Tasks", "CampaignMember"]
