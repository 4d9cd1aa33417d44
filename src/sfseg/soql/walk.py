"""Iterate over the parts of a syntax tree.

By default the walkers stay in one query: they yield what refers to the object in
its FROM clause and do not enter child-relationship subqueries or semi-join
sub-selects, whose names refer to other objects. Pass `into_subqueries=True` to
enter them as well.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sfseg.soql import ast

__all__ = ["comparisons", "conditions", "field_paths", "subqueries"]


def field_paths(node: Any, *, into_subqueries: bool = False) -> Iterator[ast.FieldPath]:
    """Yield every field path under *node*, in statement order.

    Includes paths inside function arguments and the polymorphic field of a
    TYPEOF, but not the fields of its WHEN and ELSE branches (they belong to the
    type named in WHEN) nor the set name in `FIELDS(ALL)`.
    """
    if isinstance(node, ast.FieldPath):
        yield node
    elif isinstance(node, ast.FunctionCall):
        if node.name.upper() != "FIELDS":
            for arg in node.args:
                yield from field_paths(arg)
    elif isinstance(node, ast.Query):
        yield from _query_field_paths(node, into_subqueries)
    elif isinstance(node, ast.SubQuery):
        if into_subqueries:
            yield from field_paths(node.query, into_subqueries=True)
    else:
        for child in _children(node):
            yield from field_paths(child, into_subqueries=into_subqueries)


def _query_field_paths(query: ast.Query, into_subqueries: bool) -> Iterator[ast.FieldPath]:
    for item in query.select:
        if isinstance(item, ast.TypeOf):
            yield item.field
        else:
            yield from field_paths(item, into_subqueries=into_subqueries)
    for clause in (query.where, query.group_by, query.having, *query.order_by):
        if clause is not None:
            yield from field_paths(clause, into_subqueries=into_subqueries)


def comparisons(node: Any, *, into_subqueries: bool = False) -> Iterator[ast.Comparison]:
    """Yield every comparison in the WHERE and HAVING conditions under *node*."""
    for condition in conditions(node, into_subqueries=into_subqueries):
        if isinstance(condition, ast.Comparison):
            yield condition


def conditions(node: Any, *, into_subqueries: bool = False) -> Iterator[ast.Condition]:
    """Yield every condition node (And, Or, Not, Comparison) under *node*, parents first."""
    if isinstance(node, ast.Query):
        for clause in (node.where, node.having):
            if clause is not None:
                yield from conditions(clause, into_subqueries=into_subqueries)
        if into_subqueries:
            for item in node.select:
                if isinstance(item, ast.SubQuery):
                    yield from conditions(item.query, into_subqueries=True)
    elif isinstance(node, ast.Comparison):
        yield node
        if into_subqueries and isinstance(node.right, ast.SubQuery):
            yield from conditions(node.right.query, into_subqueries=True)
    elif isinstance(node, ast.And | ast.Or | ast.Not):
        yield node
        for child in _children(node):
            yield from conditions(child, into_subqueries=into_subqueries)
    elif isinstance(node, ast.SubQuery) and into_subqueries:
        yield from conditions(node.query, into_subqueries=True)


def subqueries(node: Any) -> Iterator[ast.SubQuery]:
    """Yield the child-relationship subqueries and semi-join sub-selects directly
    under *node* (not those nested inside them)."""
    if isinstance(node, ast.SubQuery):
        yield node
    elif isinstance(node, ast.Query):
        for item in node.select:
            if isinstance(item, ast.SubQuery):
                yield item
        for clause in (node.where, node.having):
            if clause is not None:
                yield from subqueries(clause)
    else:
        for child in _children(node):
            yield from subqueries(child)


def _children(node: Any) -> tuple[Any, ...]:
    if isinstance(node, ast.And | ast.Or):
        return node.items
    if isinstance(node, ast.Not):
        return (node.item,)
    if isinstance(node, ast.Comparison):
        return (node.left, node.right)
    if isinstance(node, ast.SelectField):
        return (node.expression,)
    if isinstance(node, ast.GroupBy):
        return node.expressions
    if isinstance(node, ast.OrderItem):
        return (node.expression,)
    return ()
