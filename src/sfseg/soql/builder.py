"""Helpers that compose syntax trees, so callers never build SOQL by concatenation.

Names given as text (`"Account.Name"`) are checked against SOQL's name syntax
and split on dots. Values go through `literal`, so the one formatter escapes them. Render the result with `sfseg.soql.render`.

    query = select("Id", "Email", sobject="Contact",
                   where=and_(eq("Email", "o'brien@example.org"), ne("AccountId", None)))
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import cast

from sfseg.soql import ast
from sfseg.soql.literals import LiteralValue, like_pattern, literal, literal_list
from sfseg.soql.strings import has_like_escapes

__all__ = [
    "aliased",
    "and_",
    "anti_join",
    "call",
    "count_query",
    "eq",
    "excludes",
    "field",
    "ge",
    "gt",
    "in_",
    "includes",
    "le",
    "like",
    "like_pattern",
    "lt",
    "ne",
    "not_",
    "not_in",
    "or_",
    "order_by",
    "select",
    "semi_join",
]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

FieldLike = str | ast.FieldPath | ast.FunctionCall
SelectLike = str | ast.FieldPath | ast.FunctionCall | ast.SelectField | ast.SubQuery | ast.TypeOf
ValueLike = (
    LiteralValue
    | ast.StringLiteral
    | ast.NumberLiteral
    | ast.BooleanLiteral
    | ast.NullLiteral
    | ast.DateLiteral
    | ast.DateTimeLiteral
    | ast.DateRangeLiteral
)
_VALUE_NODES = (
    ast.StringLiteral,
    ast.NumberLiteral,
    ast.BooleanLiteral,
    ast.NullLiteral,
    ast.DateLiteral,
    ast.DateTimeLiteral,
    ast.DateRangeLiteral,
)


# --- Names ------------------------------------------------------------------------


def field(path: FieldLike) -> ast.Expression:
    """Turn `"Account.Owner.Name"` into a FieldPath; expressions pass through.

    Raises ValueError when a part is not a SOQL name.
    """
    if isinstance(path, ast.FieldPath | ast.FunctionCall):
        return path
    parts = tuple(path.split("."))
    for part in parts:
        _check_name(part, path)
    return ast.FieldPath(parts)


def _check_name(name: str, context: str) -> str:
    if not _NAME.match(name):
        msg = (
            f"invalid SOQL name {name!r} in {context!r}: use letters, digits and "
            "underscores, starting with a letter"
        )
        raise ValueError(msg)
    return name


def call(name: str, *args: FieldLike | ValueLike) -> ast.FunctionCall:
    """Build a function call such as `call("COUNT_DISTINCT", "Email")`.

    Text arguments are field paths; other values become literals.
    """
    _check_name(name, name)
    built = tuple(
        field(arg) if isinstance(arg, str | ast.FieldPath | ast.FunctionCall) else _value(arg)
        for arg in args
    )
    return ast.FunctionCall(name, built)


# --- Comparisons -------------------------------------------------------------------


def _value(value: object) -> ast.Value:
    if isinstance(value, _VALUE_NODES):
        return value
    return literal(cast(LiteralValue, value))


def _compare(path: FieldLike, operator: ast.ComparisonOperator, value: ValueLike) -> ast.Comparison:
    return ast.Comparison(field(path), operator, _value(value))


def eq(path: FieldLike, value: ValueLike) -> ast.Comparison:
    """`path = value`; `eq(f, None)` is `f = null`."""
    return _compare(path, "=", value)


def ne(path: FieldLike, value: ValueLike) -> ast.Comparison:
    return _compare(path, "!=", value)


def lt(path: FieldLike, value: ValueLike) -> ast.Comparison:
    return _compare(path, "<", value)


def le(path: FieldLike, value: ValueLike) -> ast.Comparison:
    return _compare(path, "<=", value)


def gt(path: FieldLike, value: ValueLike) -> ast.Comparison:
    return _compare(path, ">", value)


def ge(path: FieldLike, value: ValueLike) -> ast.Comparison:
    return _compare(path, ">=", value)


def like(path: FieldLike, pattern: str) -> ast.Comparison:
    """`path LIKE pattern`, where *pattern* is a LIKE pattern value: `%` and `_`
    are wildcards and `\\%`, `\\_`, `\\\\` are literal. Build it with `like_pattern`."""
    literal_node = ast.StringLiteral(pattern, like_escapes=has_like_escapes(pattern))
    return ast.Comparison(field(path), "LIKE", literal_node)


def in_(path: FieldLike, values: Iterable[ValueLike]) -> ast.Comparison:
    """`path IN (...)`. Raises ValueError for an empty list."""
    return ast.Comparison(field(path), "IN", _list(values))


def not_in(path: FieldLike, values: Iterable[ValueLike]) -> ast.Comparison:
    """`path NOT IN (...)`. Raises ValueError for an empty list."""
    return ast.Comparison(field(path), "NOT IN", _list(values))


def includes(path: FieldLike, values: Iterable[ValueLike]) -> ast.Comparison:
    """`path INCLUDES (...)` for multi-select picklists; `'a;b'` means both a and b."""
    return ast.Comparison(field(path), "INCLUDES", _list(values))


def excludes(path: FieldLike, values: Iterable[ValueLike]) -> ast.Comparison:
    return ast.Comparison(field(path), "EXCLUDES", _list(values))


def _list(values: Iterable[ValueLike]) -> ast.ListValue:
    items = tuple(_value(item) for item in values)
    if not items:
        return literal_list(())  # raises the empty-list error
    return ast.ListValue(items)


def semi_join(path: FieldLike, query: ast.Query) -> ast.Comparison:
    """`path IN (SELECT ...)`: keep rows whose *path* is selected by *query*."""
    return ast.Comparison(field(path), "IN", ast.SubQuery(query))


def anti_join(path: FieldLike, query: ast.Query) -> ast.Comparison:
    """`path NOT IN (SELECT ...)`."""
    return ast.Comparison(field(path), "NOT IN", ast.SubQuery(query))


# --- Boolean operators ----------------------------------------------------------------


def and_(*conditions: ast.Condition | None) -> ast.Condition:
    """Join conditions with AND, skipping None and flattening nested ANDs.

    One condition comes back unchanged. Raises ValueError when none is given.
    """
    return _join(ast.And, conditions)


def or_(*conditions: ast.Condition | None) -> ast.Condition:
    """Join conditions with OR, skipping None and flattening nested ORs."""
    return _join(ast.Or, conditions)


def _join(
    kind: type[ast.And] | type[ast.Or], conditions: tuple[ast.Condition | None, ...]
) -> ast.Condition:
    items: list[ast.Condition] = []
    for condition in conditions:
        if isinstance(condition, kind):
            items.extend(condition.items)
        elif condition is not None:
            items.append(condition)
    if not items:
        msg = f"{kind.__name__.upper()} needs at least one condition"
        raise ValueError(msg)
    if len(items) == 1:
        return items[0]
    return kind(tuple(items))


def not_(condition: ast.Condition) -> ast.Not:
    return ast.Not(condition)


# --- Statements ----------------------------------------------------------------------


def order_by(
    path: FieldLike, *, descending: bool = False, nulls_last: bool | None = None
) -> ast.OrderItem:
    """Build one ORDER BY item. A *nulls_last* of None keeps Salesforce's default."""
    if nulls_last is None:
        return ast.OrderItem(field(path), descending=descending)
    return ast.OrderItem(
        field(path), descending=descending, nulls="LAST" if nulls_last else "FIRST"
    )


def aliased(expression: FieldLike, alias: str) -> ast.SelectField:
    """Build a field-list item with an alias, such as `COUNT(Id) n`.

    Raises ValueError when *alias* is not a SOQL name.
    """
    return ast.SelectField(field(expression), _check_name(alias, alias))


def select(
    *fields: SelectLike,
    sobject: str,
    where: ast.Condition | None = None,
    group_by: Iterable[FieldLike] = (),
    rollup: bool = False,
    order: Iterable[ast.OrderItem | str] = (),
    limit: int | None = None,
    offset: int | None = None,
) -> ast.Query:
    """Build `SELECT fields FROM sobject [WHERE] [GROUP BY] [ORDER BY] [LIMIT] [OFFSET]`.

    *rollup* groups with `GROUP BY ROLLUP(...)`. Raises ValueError for an empty field
    list, a bad name, a negative count, or *rollup* without GROUP BY fields.
    """
    if not fields:
        msg = f"SELECT from {sobject} needs at least one field, for example 'Id'"
        raise ValueError(msg)
    for name, count in (("LIMIT", limit), ("OFFSET", offset)):
        if count is not None and count < 0:
            msg = f"{name} must be zero or more, not {count}"
            raise ValueError(msg)

    grouped = tuple(field(item) for item in group_by)
    if rollup and not grouped:
        msg = f"GROUP BY ROLLUP on {sobject} needs at least one field"
        raise ValueError(msg)
    grouping = None
    if grouped:
        grouping = ast.GroupBy(grouped, "ROLLUP" if rollup else "plain")

    return ast.Query(
        select=tuple(_select_item(item) for item in fields),
        from_=ast.FromClause(_check_name(sobject, sobject)),
        where=where,
        group_by=grouping,
        order_by=tuple(
            item if isinstance(item, ast.OrderItem) else order_by(item) for item in order
        ),
        limit=limit,
        offset=offset,
    )


def _select_item(item: SelectLike) -> ast.SelectItem:
    if isinstance(item, ast.SelectField | ast.SubQuery | ast.TypeOf):
        return item
    return ast.SelectField(field(item))


def count_query(query: ast.Query) -> ast.Query:
    """Turn *query* into `SELECT COUNT() FROM ...` with the same FROM, WHERE, WITH
    and USING SCOPE, dropping ORDER BY, LIMIT, OFFSET and FOR clauses.

    Raises ValueError for a grouped query, whose row count COUNT() cannot give.
    """
    if query.group_by is not None:
        msg = "cannot count a GROUP BY query with COUNT(); count its groups from the results"
        raise ValueError(msg)
    return replace(
        query,
        select=(ast.SelectField(ast.FunctionCall("COUNT")),),
        order_by=(),
        limit=None,
        offset=None,
        for_=(),
        update=None,
    )
