"""Statement rules Salesforce rejects as MALFORMED_QUERY although the grammar allows them.

They need the whole tree, so they run after parsing:
- a plain field takes an alias only in a query with GROUP BY;
- a WHERE clause contains at most two semi-joins or anti-joins (`Id IN (SELECT ...)`);
- a semi-join is not under NOT (NOT IN is the anti-join) nor combined with OR;
- a semi-join sub-select selects one plain field and has no semi-join, ORDER BY,
  LIMIT or OFFSET of its own;
- HAVING contains no semi-join.
A tree deeper than MAX_DEPTH levels (nested parentheses, NOT, subqueries or
function calls) is rejected before the other checks, because the checks, the
renderer and the executor walk trees recursively.
Limits that need data or metadata (OFFSET above 2,000, field types) belong to the
executor.
"""

from __future__ import annotations

from collections.abc import Iterator

from sfseg.soql import ast
from sfseg.soql.errors import SoqlSyntaxError

__all__ = ["MAX_DEPTH", "MAX_SEMI_JOINS", "check_condition", "check_query", "check_depth"]

MAX_SEMI_JOINS = 2
# Far beyond any real statement, and well inside Python's default recursion limit
# for the recursive walks over the tree (each level costs them up to three frames).
MAX_DEPTH = 150


def check_depth(node: ast.Query | ast.Condition) -> None:
    """Raise SoqlSyntaxError if the tree under *node* is more than MAX_DEPTH levels deep.

    Walks the tree with an explicit stack, so it cannot itself run out of recursion.
    """
    # Each entry carries the nearest position seen on its path, to locate the error.
    stack: list[tuple[object, int, ast.Position | None]] = [(node, 1, None)]
    while stack:
        current, depth, position = stack.pop()
        own = getattr(current, "position", None)
        if isinstance(own, ast.Position):
            position = own
        if depth > MAX_DEPTH:
            msg = (
                f"statement is nested more than {MAX_DEPTH} levels deep; "
                "flatten the parentheses, NOT operators or subqueries"
            )
            raise _located(msg, position or _first_position(current))
        stack.extend((child, depth + 1, position) for child in _tree_children(current))


def _first_position(node: object) -> ast.Position | None:
    """Return the position of the first node under *node* that has one."""
    queue = [node]
    while queue:
        current = queue.pop(0)
        position = getattr(current, "position", None)
        if isinstance(position, ast.Position):
            return position
        queue.extend(_tree_children(current))
    return None


def _tree_children(node: object) -> tuple[object, ...]:
    if isinstance(node, ast.Query):
        clauses = (node.where, node.having, node.group_by, *node.order_by)
        return (*node.select, *(clause for clause in clauses if clause is not None))
    if isinstance(node, ast.And | ast.Or):
        return node.items
    if isinstance(node, ast.Not):
        return (node.item,)
    if isinstance(node, ast.Comparison):
        return (node.left, node.right)
    if isinstance(node, ast.FunctionCall):
        return node.args
    if isinstance(node, ast.SubQuery):
        return (node.query,)
    if isinstance(node, ast.SelectField | ast.OrderItem):
        return (node.expression,)
    if isinstance(node, ast.GroupBy):
        return node.expressions
    return ()


def check_query(query: ast.Query) -> None:
    """Raise SoqlSyntaxError if *query* or one of its subqueries breaks a rule above."""
    _check_aliases(query)
    if query.where is not None:
        check_condition(query.where)
    if query.having is not None:
        _reject_semi_joins(query.having, "are not allowed in HAVING")
    for item in query.select:
        if isinstance(item, ast.SubQuery):
            check_query(item.query)


def check_condition(condition: ast.Condition) -> None:
    """Raise SoqlSyntaxError if a WHERE condition breaks a semi-join rule."""
    semi_joins = list(_semi_joins(condition))
    if len(semi_joins) > MAX_SEMI_JOINS:
        msg = f"Maximum {MAX_SEMI_JOINS} semi join sub-selects are allowed"
        raise _error(semi_joins[MAX_SEMI_JOINS], msg)

    _check_placement(condition)
    for comparison in semi_joins:
        _check_semi_join(comparison)


def _check_aliases(query: ast.Query) -> None:
    if query.group_by is not None:
        return
    for item in query.select:
        if not isinstance(item, ast.SelectField) or item.alias is None:
            continue
        if isinstance(item.expression, ast.FieldPath):
            msg = "only aggregate expressions use field aliasing"
            raise _located(msg, item.alias_position or item.expression.position)


def _check_placement(condition: ast.Condition) -> None:
    if isinstance(condition, ast.Not):
        _reject_semi_joins(
            condition.item,
            "are not allowed with the 'NOT' operator; use NOT IN for an anti-join",
        )
        _check_placement(condition.item)
    elif isinstance(condition, ast.Or):
        _reject_semi_joins(condition, "are not allowed with the 'OR' operator")
    elif isinstance(condition, ast.And):
        for item in condition.items:
            _check_placement(item)


def _check_semi_join(comparison: ast.Comparison) -> None:
    assert isinstance(comparison.right, ast.SubQuery)
    sub = comparison.right.query

    if sub.where is not None:
        for nested in _semi_joins(sub.where):
            raise _error(nested, "Nesting of semi join sub-selects is not supported")
    if sub.order_by:
        raise _error(comparison, "ORDER BY is not allowed in a semi join sub-select")
    if sub.limit is not None:
        raise _error(comparison, "LIMIT is not allowed in a semi join sub-select")
    if sub.offset is not None:
        raise _error(comparison, "OFFSET is not allowed in a semi join sub-select")

    only = sub.select[0] if len(sub.select) == 1 else None
    if not (isinstance(only, ast.SelectField) and isinstance(only.expression, ast.FieldPath)):
        msg = "a semi join sub-select must select exactly one Id or reference field"
        raise _error(comparison, msg)


def _reject_semi_joins(condition: ast.Condition, reason: str) -> None:
    for comparison in _semi_joins(condition):
        raise _error(comparison, f"Semi join sub-selects {reason}")


def _semi_joins(condition: ast.Condition) -> Iterator[ast.Comparison]:
    if isinstance(condition, ast.Comparison):
        if isinstance(condition.right, ast.SubQuery):
            yield condition
    elif isinstance(condition, ast.Not):
        yield from _semi_joins(condition.item)
    else:
        for item in condition.items:
            yield from _semi_joins(item)


def _error(comparison: ast.Comparison, message: str) -> SoqlSyntaxError:
    return _located(message, comparison.position)


def _located(message: str, position: ast.Position | None) -> SoqlSyntaxError:
    if position is None:
        return SoqlSyntaxError(message)
    return SoqlSyntaxError(message, position.line, position.column)
