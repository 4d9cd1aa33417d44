"""Semi-joins and anti-joins: `Id IN (SELECT ContactId FROM CampaignMember WHERE ...)`."""

from __future__ import annotations

import datetime as dt

from sfseg.sandbox.query import errors
from sfseg.sandbox.query.expressions import ID_TYPES, compile_expression
from sfseg.sandbox.query.resolve import CompileContext, Scope
from sfseg.soql import ast

__all__ = ["semi_join_sql"]


def semi_join_sql(
    context: CompileContext, query: ast.Query, today: dt.date, *, exclude_nulls: bool
) -> str:
    """Compile a semi-join to the SQL subquery that selects its one id or reference field.

    `exclude_nulls` drops null values, which an anti-join needs because SQL's
    `x NOT IN (..., NULL)` is never true.

    Raises:
        QueryError: INVALID_TYPE for an unknown object, INVALID_FIELD for a selected
            field that is not an id or reference, MALFORMED_QUERY for anything but one field.
    """
    from sfseg.sandbox.query.conditions import ConditionCompiler

    sobject = context.schema.get(query.from_.sobject)
    if sobject is None:
        raise errors.invalid_type(context.soql, query.from_.position, query.from_.sobject)
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
