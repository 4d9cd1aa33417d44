"""Semi-joins and anti-joins: `Id IN (SELECT ContactId FROM CampaignMember WHERE ...)`."""

from __future__ import annotations

import datetime as dt

from sfseg.sandbox.metadata import ObjectSchema
from sfseg.sandbox.query import errors
from sfseg.sandbox.query.expressions import ID_TYPES, compile_expression
from sfseg.sandbox.query.resolve import Scope
from sfseg.soql import ast

__all__ = ["SAME_OBJECT", "semi_join_sql"]

# Salesforce's MALFORMED_QUERY reason for `Id IN (SELECT ... FROM X)` inside `FROM X`.
SAME_OBJECT = "The inner and outer selects should not be on the same object type"


def semi_join_sql(
    outer: Scope,
    query: ast.Query,
    today: dt.date,
    *,
    exclude_nulls: bool,
    position: ast.Position | None,
) -> str:
    """Compile a semi-join in `outer`'s WHERE to the SQL subquery that selects its one
    id or reference field.

    `exclude_nulls` drops null values, which an anti-join needs because SQL's
    `x NOT IN (..., NULL)` is never true. `position` is where the semi-join starts,
    for the caret of an error about the semi-join as a whole.

    Raises:
        QueryError: INVALID_TYPE for an unknown object, INVALID_FIELD for a selected
            field that is not an id or reference, MALFORMED_QUERY for anything but one
            field or for a subquery on the outer query's object.
    """
    from sfseg.sandbox.query.conditions import ConditionCompiler

    context = outer.context
    sobject = _inner_object(outer, query, position)
    selected = query.select[0] if len(query.select) == 1 else None
    if not isinstance(selected, ast.SelectField) or not isinstance(
        selected.expression, ast.FieldPath
    ):
        msg = "A semi join subquery must select exactly one Id or reference field"
        raise errors.malformed_query(msg, context.soql, query.from_.position)
    scope = Scope(context, sobject, query.from_.alias)
    operand = compile_expression(scope, selected.expression)
    if operand.type not in ID_TYPES:
        reason = f"field '{operand.name}' in a semi join subquery must be an Id or reference field"
        raise errors.invalid_field(context.soql, selected.expression.position, reason)
    where = [f for f in [scope.deleted_filter()] if f]
    if query.where is not None:
        where.append(ConditionCompiler(scope, today).compile(query.where))
    if exclude_nulls:
        where.append(f"{operand.sql} IS NOT NULL")
    sql = f"SELECT {operand.sql} FROM {scope.from_sql()}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return sql


def _inner_object(outer: Scope, query: ast.Query, position: ast.Position | None) -> ObjectSchema:
    """Resolve the subquery's FROM object, which must differ from the outer one."""
    context = outer.context
    sobject = context.schema.get(query.from_.sobject)
    if sobject is None:
        raise errors.invalid_type(context.soql, query.from_.position, query.from_.sobject)
    if sobject.name.casefold() == outer.sobject.name.casefold():
        # NOTE: the caret column Salesforce reports for this error is unconfirmed. It is
        # put at the semi-join's left operand, as for the parser's other semi-join errors.
        raise errors.malformed_query(SAME_OBJECT, context.soql, position)
    return sobject
