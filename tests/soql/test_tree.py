"""The parser builds the documented tree: values decoded, names kept, positions set."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sfseg.soql import ast, parse, parse_condition


def _where(statement: str) -> ast.Condition:
    where = parse(statement).where
    assert where is not None
    return where


def test_select_fields_and_positions() -> None:
    """Field paths keep the user's spelling and their 1-based position."""
    query = parse("select Id, account.Owner.Name from Contact")

    first, second = query.select
    assert isinstance(second, ast.SelectField)
    assert second.expression == ast.FieldPath(("account", "Owner", "Name"))
    assert second.expression.position == ast.Position(1, 12)
    assert query.from_ == ast.FromClause("Contact")
    assert query.from_.position == ast.Position(1, 36)


def test_positions_ignored_in_equality() -> None:
    """Trees compare by content, not by where the text put them."""
    assert parse("SELECT Id FROM Contact") == parse("SELECT   Id\nFROM Contact")


def test_comparison_values_decoded() -> None:
    condition = parse_condition(
        "A = 'O\\'Brien' AND B = -1.50 AND C = USD10 AND D = 2024-02-29 "
        "AND E = 2024-01-01T10:00:00+01:00 AND F = NEXT_N_FISCAL_YEARS:3 AND G = TRUE AND H = null"
    )

    assert isinstance(condition, ast.And)
    values = [item.right for item in condition.items if isinstance(item, ast.Comparison)]
    assert values == [
        ast.StringLiteral("O'Brien"),
        ast.NumberLiteral(Decimal("-1.50")),
        ast.NumberLiteral(Decimal(10), currency="USD"),
        ast.DateLiteral(dt.date(2024, 2, 29)),
        ast.DateTimeLiteral(dt.datetime(2024, 1, 1, 9, 0, tzinfo=dt.UTC)),
        ast.DateRangeLiteral("NEXT_N_FISCAL_YEARS", 3),
        ast.BooleanLiteral(True),
        ast.NullLiteral(),
    ]


def test_like_value_keeps_pattern_escapes() -> None:
    """In LIKE, `\\%`, `\\_` and `\\\\` stay escaped so wildcards stay unambiguous."""
    condition = parse_condition("Name LIKE '50\\%\\_a\\\\%'")

    assert condition == ast.Comparison(
        ast.FieldPath(("Name",)), "LIKE", ast.StringLiteral("50\\%\\_a\\\\%", like_escapes=True)
    )


def test_like_with_only_escaped_backslash() -> None:
    """An escaped backslash alone does not mark the pattern as using LIKE escapes."""
    condition = parse_condition("Name LIKE 'a\\\\b%'")

    assert isinstance(condition, ast.Comparison)
    assert condition.right == ast.StringLiteral("a\\\\b%", like_escapes=False)


def test_semi_join_and_anti_join() -> None:
    condition = _where(
        "SELECT Id FROM Contact WHERE Id IN (SELECT ContactId FROM CampaignMember) "
        "AND Id NOT IN (SELECT WhoId FROM Task)"
    )

    assert isinstance(condition, ast.And)
    semi, anti = condition.items
    assert isinstance(semi, ast.Comparison) and isinstance(anti, ast.Comparison)
    assert semi.operator == "IN"
    assert isinstance(semi.right, ast.SubQuery)
    assert semi.right.query.from_.sobject == "CampaignMember"
    assert anti.operator == "NOT IN"


def test_in_list_values() -> None:
    condition = parse_condition("Status IN ('Sent', 'Responded')")

    assert condition == ast.Comparison(
        ast.FieldPath(("Status",)),
        "IN",
        ast.ListValue((ast.StringLiteral("Sent"), ast.StringLiteral("Responded"))),
    )


def test_mixed_boolean_nesting() -> None:
    condition = parse_condition("NOT (A = 1 OR B = 2) AND C = 3")

    a, b, c = (
        ast.Comparison(ast.FieldPath((name,)), "=", ast.NumberLiteral(Decimal(value)))
        for name, value in (("A", 1), ("B", 2), ("C", 3))
    )
    assert condition == ast.And((ast.Not(ast.Or((a, b))), c))


def test_typeof_structure() -> None:
    query = parse(
        "SELECT TYPEOF What WHEN Account THEN Phone, Owner.Name WHEN Opportunity THEN Amount "
        "ELSE Name END FROM Event"
    )

    assert query.select == (
        ast.TypeOf(
            ast.FieldPath(("What",)),
            (
                ast.TypeOfWhen(
                    "Account", (ast.FieldPath(("Phone",)), ast.FieldPath(("Owner", "Name")))
                ),
                ast.TypeOfWhen("Opportunity", (ast.FieldPath(("Amount",)),)),
            ),
            (ast.FieldPath(("Name",)),),
        ),
    )


def test_aggregate_aliases_and_grouping() -> None:
    query = parse(
        "SELECT LeadSource src, COUNT(Id) n FROM Lead GROUP BY CUBE(LeadSource) "
        "HAVING COUNT(Id) > 2 ORDER BY COUNT(Id) DESC NULLS LAST LIMIT 3 OFFSET 1"
    )

    count = ast.FunctionCall("COUNT", (ast.FieldPath(("Id",)),))
    assert query.select == (
        ast.SelectField(ast.FieldPath(("LeadSource",)), "src"),
        ast.SelectField(count, "n"),
    )
    assert query.group_by == ast.GroupBy((ast.FieldPath(("LeadSource",)),), "CUBE")
    assert query.having == ast.Comparison(count, ">", ast.NumberLiteral(Decimal(2)))
    assert query.order_by == (ast.OrderItem(count, descending=True, nulls="LAST"),)
    assert (query.limit, query.offset) == (3, 1)


def test_count_without_arguments() -> None:
    query = parse("SELECT COUNT() FROM Contact")

    assert query.select == (ast.SelectField(ast.FunctionCall("COUNT")),)


def test_nested_function_arguments() -> None:
    condition = parse_condition("DISTANCE(Location__c, GEOLOCATION(37.775, -122.418), 'mi') < 20")

    assert isinstance(condition, ast.Comparison)
    assert condition.left == ast.FunctionCall(
        "DISTANCE",
        (
            ast.FieldPath(("Location__c",)),
            ast.FunctionCall(
                "GEOLOCATION",
                (ast.NumberLiteral(Decimal("37.775")), ast.NumberLiteral(Decimal("-122.418"))),
            ),
            ast.StringLiteral("mi"),
        ),
    )


def test_statement_options() -> None:
    query = parse(
        "SELECT Id FROM Account USING SCOPE Mine WHERE Name != null WITH USER_MODE "
        "FOR REFERENCE UPDATE VIEWSTAT"
    )

    assert query.using_scope == "Mine"
    assert query.with_ == "USER_MODE"
    assert query.for_ == ("REFERENCE",)
    assert query.update == "VIEWSTAT"


def test_for_update_ordered_last() -> None:
    """FOR words are stored in Salesforce's clause order whatever the input order."""
    query = parse("SELECT Id FROM Contact FOR UPDATE FOR VIEW")

    assert query.for_ == ("VIEW", "UPDATE")


def test_data_category_kept_as_text() -> None:
    query = parse(
        "SELECT Id FROM KnowledgeArticleVersion WITH DATA CATEGORY geo__c above_or_below (a__c,b__c)"
    )

    assert query.with_ == "DATA CATEGORY geo__c ABOVE_OR_BELOW (a__c, b__c)"


def test_from_aliases() -> None:
    query = parse("SELECT Id FROM Contact c, c.Account a WHERE a.Name = 'x'")

    assert query.from_ == ast.FromClause("Contact", "c")
    assert query.from_related == (ast.FromClause("c.Account", "a"),)


def test_keyword_like_names_stay_names() -> None:
    """Type, Name, Group and Order are names where the grammar expects a name."""
    query = parse("SELECT Type, Name FROM Group WHERE Type = 'Queue' ORDER BY Name")

    assert [item.expression for item in query.select if isinstance(item, ast.SelectField)] == [
        ast.FieldPath(("Type",)),
        ast.FieldPath(("Name",)),
    ]
    assert query.from_.sobject == "Group"
