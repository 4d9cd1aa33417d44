"""Render syntax trees as canonical SOQL text.

Canonical text has keywords in upper case, names and function names as spelt in
the tree, one space around operators, datetimes in UTC, and parentheses only
where AND, OR and NOT need them. List items are separated by `, ` except in value
lists (`IN ('a','b')`), which stay compact because long IN lists travel in URLs. For every
tree the parser builds, `parse(render(tree)) == tree`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sfseg.soql import ast
from sfseg.soql.strings import encode_string

__all__ = ["render", "render_datetime", "render_number"]


def render(node: Any) -> str:
    """Return the SOQL text of a Query, Condition, Value, ListValue, SubQuery,
    expression, select item or ORDER BY item.

    Raises TypeError for anything else.
    """
    renderer = _RENDERERS.get(type(node))
    if renderer is None:
        msg = f"cannot render {type(node).__name__} as SOQL; pass an sfseg.soql.ast node"
        raise TypeError(msg)
    text: str = renderer(node)
    return text


# --- Values -----------------------------------------------------------------------


def render_number(value: Decimal) -> str:
    """Write a Decimal in plain notation (SOQL has no exponent form)."""
    text = format(value, "f")
    return text


def render_datetime(value: dt.datetime) -> str:
    """Write an aware datetime in UTC as `YYYY-MM-DDTHH:MM:SSZ`, keeping any fraction."""
    utc = value.astimezone(dt.UTC)
    text = utc.replace(tzinfo=None, microsecond=0).isoformat()
    if utc.microsecond:
        text += f".{utc.microsecond:06d}".rstrip("0")
    return text + "Z"


def _number(node: ast.NumberLiteral) -> str:
    return (node.currency or "") + render_number(node.value)


def _date_range(node: ast.DateRangeLiteral) -> str:
    return node.name if node.n is None else f"{node.name}:{node.n}"


def _list_value(node: ast.ListValue) -> str:
    return "(" + ",".join(render(item) for item in node.items) + ")"


# --- Expressions and conditions -----------------------------------------------------


def _function(node: ast.FunctionCall) -> str:
    return f"{node.name}(" + ", ".join(render(arg) for arg in node.args) + ")"


def _comparison(node: ast.Comparison) -> str:
    left = render(node.left)
    if node.operator == "LIKE" and isinstance(node.right, ast.StringLiteral):
        return f"{left} LIKE {encode_string(node.right.value, like=True)}"
    return f"{left} {node.operator} {render(node.right)}"


def _and(node: ast.And) -> str:
    return " AND ".join(_operand(item) for item in node.items)


def _or(node: ast.Or) -> str:
    return " OR ".join(_operand(item) for item in node.items)


def _not(node: ast.Not) -> str:
    if isinstance(node.item, ast.Comparison):
        return "NOT " + render(node.item)
    return f"NOT ({render(node.item)})"


def _operand(item: ast.Condition) -> str:
    """Render an AND or OR operand, parenthesising nested AND and OR."""
    if isinstance(item, ast.And | ast.Or):
        return f"({render(item)})"
    return render(item)


# --- Clauses -----------------------------------------------------------------------


def _select_field(node: ast.SelectField) -> str:
    text = render(node.expression)
    return text if node.alias is None else f"{text} {node.alias}"


def _typeof(node: ast.TypeOf) -> str:
    parts = [f"TYPEOF {node.field.dotted}"]
    for when in node.whens:
        parts.append(f"WHEN {when.sobject} THEN {_paths(when.fields)}")
    if node.else_fields:
        parts.append(f"ELSE {_paths(node.else_fields)}")
    parts.append("END")
    return " ".join(parts)


def _paths(paths: tuple[ast.FieldPath, ...]) -> str:
    return ", ".join(path.dotted for path in paths)


def _from(node: ast.FromClause) -> str:
    return node.sobject if node.alias is None else f"{node.sobject} {node.alias}"


def _group_by(node: ast.GroupBy) -> str:
    expressions = ", ".join(render(expression) for expression in node.expressions)
    if node.kind == "plain":
        return expressions
    return f"{node.kind}({expressions})"


def _order_item(node: ast.OrderItem) -> str:
    text = render(node.expression)
    if node.descending:
        text += " DESC"
    if node.nulls is not None:
        text += f" NULLS {node.nulls}"
    return text


def _query(node: ast.Query) -> str:
    parts = ["SELECT " + ", ".join(render(item) for item in node.select)]
    parts.append("FROM " + ", ".join(_from(item) for item in (node.from_, *node.from_related)))
    if node.using_scope is not None:
        parts.append(f"USING SCOPE {node.using_scope}")
    if node.where is not None:
        parts.append("WHERE " + render(node.where))
    if node.with_ is not None:
        parts.append(f"WITH {node.with_}")
    if node.group_by is not None:
        parts.append("GROUP BY " + _group_by(node.group_by))
    if node.having is not None:
        parts.append("HAVING " + render(node.having))
    parts.extend(_paging_clauses(node))
    return " ".join(parts)


def _paging_clauses(node: ast.Query) -> list[str]:
    parts: list[str] = []
    if node.order_by:
        parts.append("ORDER BY " + ", ".join(_order_item(item) for item in node.order_by))
    if node.limit is not None:
        parts.append(f"LIMIT {node.limit}")
    if node.offset is not None:
        parts.append(f"OFFSET {node.offset}")
    # Salesforce's order: FOR VIEW|REFERENCE, UPDATE TRACKING|VIEWSTAT, SET OPTIONS, FOR UPDATE.
    for word in node.for_:
        if word != "UPDATE":
            parts.append(f"FOR {word}")
    if node.update is not None:
        parts.append(f"UPDATE {node.update}")
    if node.set_options:
        options = ", ".join(
            f"{option.name} = {render(option.value)}" for option in node.set_options
        )
        parts.append(f"SET OPTIONS ({options})")
    if "UPDATE" in node.for_:
        parts.append("FOR UPDATE")
    return parts


_RENDERERS: dict[type, Any] = {
    ast.StringLiteral: lambda node: encode_string(node.value),
    ast.NumberLiteral: _number,
    ast.BooleanLiteral: lambda node: "true" if node.value else "false",
    ast.NullLiteral: lambda node: "null",
    ast.DateLiteral: lambda node: node.value.isoformat(),
    ast.DateTimeLiteral: lambda node: render_datetime(node.value),
    ast.DateRangeLiteral: _date_range,
    ast.ListValue: _list_value,
    ast.FieldPath: lambda node: node.dotted,
    ast.FunctionCall: _function,
    ast.Comparison: _comparison,
    ast.And: _and,
    ast.Or: _or,
    ast.Not: _not,
    ast.SelectField: _select_field,
    ast.SubQuery: lambda node: f"({render(node.query)})",
    ast.TypeOf: _typeof,
    ast.OrderItem: _order_item,
    ast.GroupBy: _group_by,
    ast.FromClause: _from,
    ast.Query: _query,
}
