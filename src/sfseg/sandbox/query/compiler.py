"""One SOQL syntax tree → one compiled plan, after the checks every query gets."""

from __future__ import annotations

import datetime as dt

from sfseg.sandbox.metadata import OrgSchema
from sfseg.sandbox.query import errors
from sfseg.sandbox.query.aggregates import compile_aggregate
from sfseg.sandbox.query.expressions import contains_aggregate
from sfseg.sandbox.query.plan import Plan
from sfseg.sandbox.query.records import compile_records
from sfseg.sandbox.query.resolve import CompileContext
from sfseg.soql import ast

__all__ = ["MAX_OFFSET", "compile_query", "is_aggregate"]

# Salesforce rejects OFFSET above 2,000 with NUMBER_OUTSIDE_VALID_RANGE.
MAX_OFFSET = 2000


def is_aggregate(query: ast.Query) -> bool:
    """Whether the query returns AggregateResult rows (GROUP BY or an aggregate function)."""
    if query.group_by is not None:
        return True
    return any(
        isinstance(item, ast.SelectField) and contains_aggregate(item.expression)
        for item in query.select
    )


def compile_query(
    schema: OrgSchema,
    query: ast.Query,
    *,
    soql: str | None,
    include_deleted: bool,
    today: dt.date,
) -> Plan:
    """Compile `query` against `schema`; `soql` is its text, quoted in error messages.

    Raises:
        QueryError: INVALID_TYPE, INVALID_FIELD, MALFORMED_QUERY,
            INVALID_QUERY_FILTER_OPERATOR or NUMBER_OUTSIDE_VALID_RANGE, with
            Salesforce's messages.
    """
    sobject = schema.get(query.from_.sobject)
    if sobject is None:
        raise errors.invalid_type(soql, query.from_.position, query.from_.sobject)
    if query.offset is not None and query.offset > MAX_OFFSET:
        raise errors.offset_too_large(MAX_OFFSET)
    context = CompileContext(schema, soql, include_deleted)
    if is_aggregate(query):
        return compile_aggregate(context, query, sobject, today)
    return compile_records(context, query, sobject, today)
