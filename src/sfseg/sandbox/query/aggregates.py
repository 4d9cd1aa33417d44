"""Compile aggregate queries (aggregate functions, GROUP BY, ROLLUP, CUBE, HAVING).

SQLite has no ROLLUP or CUBE, so those run as a UNION ALL of one GROUP BY per grouping
set, with the rolled-up columns null. Without an ORDER BY the rows come in Salesforce's
subtotal order: each group's detail rows, then its subtotal, and the grand total last.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from sfseg.sandbox.metadata import ObjectSchema
from sfseg.sandbox.query import errors
from sfseg.sandbox.query.conditions import ConditionCompiler
from sfseg.sandbox.query.expressions import TEXT_TYPES, Operand, compile_expression
from sfseg.sandbox.query.plan import AggregatePlan, CountPlan
from sfseg.sandbox.query.resolve import CompileContext, Scope
from sfseg.sandbox.query.shape import Slot, converter_for
from sfseg.soql import ast

__all__ = ["compile_aggregate", "is_count_only"]


def is_count_only(query: ast.Query) -> bool:
    """`SELECT COUNT() FROM ...`: the only select item is COUNT() without arguments or alias."""
    if len(query.select) != 1:
        return False
    item = query.select[0]
    return (
        isinstance(item, ast.SelectField)
        and item.alias is None
        and isinstance(item.expression, ast.FunctionCall)
        and item.expression.name.upper() == "COUNT"
        and not item.expression.args
    )


@dataclass(frozen=True)
class _Column:
    """One output column: an aggregate, a grouped expression (`group` is its index in
    GROUP BY) or GROUPING(field)."""

    kind: str
    sql: str
    group: int | None


class _AggregateBuilder:
    def __init__(
        self, context: CompileContext, query: ast.Query, sobject: ObjectSchema, today: dt.date
    ) -> None:
        self.context = context
        self.query = query
        self.today = today
        self.scope = Scope(context, sobject, query.from_.alias)
        self.groups: list[Operand] = []

    @property
    def soql(self) -> str | None:
        return self.context.soql

    def compile_groups(self) -> None:
        if self.query.group_by is None:
            return
        for expression in self.query.group_by.expressions:
            operand = compile_expression(self.scope, expression)
            position = getattr(expression, "position", None)
            if operand.aggregate:
                msg = "GROUP BY cannot contain an aggregate function"
                raise errors.malformed_query(msg, self.soql, position)
            if operand.field is not None and not operand.field.groupable:
                reason = f"field '{operand.name}' can not be grouped in a query call"
                raise errors.invalid_field(self.soql, position, reason)
            self.groups.append(operand)

    def group_index(self, operand: Operand) -> int | None:
        for index, group in enumerate(self.groups):
            if group.sql == operand.sql:
                return index
        return None

    def select_columns(self) -> tuple[list[_Column], list[Slot]]:
        columns: list[_Column] = []
        slots: list[Slot] = []
        unnamed = 0
        for item in self.query.select:
            if not isinstance(item, ast.SelectField):
                msg = "Aggregate queries cannot contain subqueries or TYPEOF"
                raise errors.malformed_query(msg)
            column, operand = self._select_column(item.expression)
            if item.alias:
                key = item.alias
            elif column.kind == "group" and operand.resolved is not None:
                key = operand.name
            else:
                key = f"expr{unnamed}"
                unnamed += 1
            columns.append(column)
            slots.append(Slot(key, len(slots), converter_for(operand.type)))
        return columns, slots

    def _select_column(self, expression: ast.Expression) -> tuple[_Column, Operand]:
        if isinstance(expression, ast.FunctionCall) and expression.name.upper() == "GROUPING":
            inner = compile_expression(self.scope, expression.args[0]) if expression.args else None
            index = self.group_index(inner) if inner else None
            if index is None:
                msg = "GROUPING() takes a field listed in GROUP BY ROLLUP or CUBE"
                raise errors.malformed_query(msg, self.soql, expression.position)
            return _Column("grouping", "0", index), Operand(
                "0", "int", "GROUPING", None, None, True
            )
        operand = compile_expression(self.scope, expression)
        if operand.aggregate:
            return _Column("aggregate", operand.sql, None), operand
        index = self.group_index(operand)
        if index is None:
            msg = f"Field must be grouped or aggregated: {operand.name}"
            raise errors.malformed_query(msg, self.soql, getattr(expression, "position", None))
        return _Column("group", operand.sql, index), operand

    def order_operands(self) -> list[Operand]:
        operands = []
        for item in self.query.order_by:
            operand = compile_expression(self.scope, item.expression)
            if not operand.aggregate and self.group_index(operand) is None:
                msg = f"Ordered field must be grouped or aggregated: {operand.name}"
                raise errors.malformed_query(
                    msg, self.soql, getattr(item.expression, "position", None)
                )
            operands.append(operand)
        return operands

    def conditions(self) -> tuple[list[str], str | None]:
        where = [f for f in [self.scope.deleted_filter()] if f]
        if self.query.where is not None:
            where.append(ConditionCompiler(self.scope, self.today).compile(self.query.where))
        having = None
        if self.query.having is not None:
            compiler = ConditionCompiler(self.scope, self.today, aggregates=True)
            having = compiler.compile(self.query.having)
        return where, having


def _order_term(sql: str, operand: Operand, item: ast.OrderItem) -> str:
    collate = " COLLATE NOCASE" if operand.type in TEXT_TYPES else ""
    direction = "DESC" if item.descending else "ASC"
    return f"{sql}{collate} {direction} NULLS {item.nulls or 'FIRST'}"


def _limit_clause(query: ast.Query) -> str:
    if query.limit is None and query.offset is None:
        return ""
    return f" LIMIT {-1 if query.limit is None else query.limit} OFFSET {query.offset or 0}"


def _grouping_sets(kind: str, count: int) -> list[tuple[int, ...]]:
    if kind == "ROLLUP":
        return [tuple(range(size)) for size in range(count, -1, -1)]
    return [
        subset
        for size in range(count, -1, -1)
        for subset in itertools.combinations(range(count), size)
    ]


def compile_aggregate(
    context: CompileContext, query: ast.Query, sobject: ObjectSchema, today: dt.date
) -> AggregatePlan | CountPlan:
    """Compile a query with aggregate functions or GROUP BY.

    Raises:
        QueryError: MALFORMED_QUERY for a selected field that is neither grouped nor
            aggregated, INVALID_FIELD for a field that cannot be grouped or aggregated.
    """
    builder = _AggregateBuilder(context, query, sobject, today)
    builder.compile_groups()
    if is_count_only(query):
        return _count_plan(builder)
    columns, slots = builder.select_columns()
    order_operands = builder.order_operands()
    where, having = builder.conditions()
    kind = query.group_by.kind if query.group_by else "plain"
    if kind == "plain":
        sql = _plain_sql(builder, columns, order_operands, where, having)
    else:
        sql = _grouping_sets_sql(builder, kind, columns, order_operands, where, having)
    return AggregatePlan(sql, slots)


def _where_clause(where: list[str]) -> str:
    return " WHERE " + " AND ".join(where) if where else ""


def _count_plan(builder: _AggregateBuilder) -> CountPlan:
    where, having = builder.conditions()
    query = builder.query
    plain = not builder.groups and query.limit is None and query.offset is None
    if plain and where == [builder.scope.deleted_filter()]:
        return CountPlan(builder.scope.live_count_sql())
    used = " ".join([*where, *(g.sql for g in builder.groups), having or ""])
    inner = f"SELECT 1 FROM {builder.scope.from_sql(used_in=used)}{_where_clause(where)}"
    if builder.groups:
        inner += " GROUP BY " + ", ".join(g.sql for g in builder.groups)
        if having:
            inner += f" HAVING {having}"
    inner += _limit_clause(builder.query)
    return CountPlan(f"SELECT COUNT(*) FROM ({inner})")


def _plain_sql(
    builder: _AggregateBuilder,
    columns: list[_Column],
    order_operands: list[Operand],
    where: list[str],
    having: str | None,
) -> str:
    select = ", ".join(column.sql if column.kind != "grouping" else "0" for column in columns)
    sql = f"SELECT {select} FROM {builder.scope.from_sql()}{_where_clause(where)}"
    if builder.groups:
        sql += " GROUP BY " + ", ".join(g.sql for g in builder.groups)
    if having:
        sql += f" HAVING {having}"
    if order_operands:
        terms = [
            _order_term(operand.sql, operand, item)
            for operand, item in zip(order_operands, builder.query.order_by, strict=True)
        ]
        sql += " ORDER BY " + ", ".join(terms)
    return sql + _limit_clause(builder.query)


def _grouping_sets_sql(
    builder: _AggregateBuilder,
    kind: str,
    columns: list[_Column],
    order_operands: list[Operand],
    where: list[str],
    having: str | None,
) -> str:
    groups = builder.groups
    branches = []
    for grouping_set in _grouping_sets(kind, len(groups)):
        parts = [f"{_branch_value(c, grouping_set)} AS c{i}" for i, c in enumerate(columns)]
        for index, group in enumerate(groups):
            parts.append(f"{group.sql if index in grouping_set else 'NULL'} AS k{index}")
            parts.append(f"{0 if index in grouping_set else 1} AS g{index}")
        for index, operand in enumerate(order_operands):
            position = builder.group_index(operand)
            rolled_up = position is not None and position not in grouping_set
            parts.append(f"{'NULL' if rolled_up else operand.sql} AS o{index}")
        branch = f"SELECT {', '.join(parts)} FROM {builder.scope.from_sql()}{_where_clause(where)}"
        if grouping_set:
            branch += " GROUP BY " + ", ".join(groups[i].sql for i in grouping_set)
        if having:
            branch += f" HAVING {having}"
        branches.append(branch)
    if order_operands:
        terms = [
            _order_term(f"o{i}", operand, item)
            for i, (operand, item) in enumerate(
                zip(order_operands, builder.query.order_by, strict=True)
            )
        ]
    else:
        terms = [term for i in range(len(groups)) for term in (f"g{i}", f"k{i} NULLS FIRST")]
    outer = ", ".join(f"c{i}" for i in range(len(columns)))
    union = " UNION ALL ".join(branches)
    return (
        f"SELECT {outer} FROM ({union}) ORDER BY {', '.join(terms)}{_limit_clause(builder.query)}"
    )


def _branch_value(column: _Column, grouping_set: tuple[int, ...]) -> str:
    if column.kind == "aggregate":
        return column.sql
    rolled_up = column.group not in grouping_set
    if column.kind == "grouping":
        return "1" if rolled_up else "0"
    return "NULL" if rolled_up else column.sql
