"""Compiled queries: the SQL statements of one SOQL query and how to shape their rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from sfseg.sandbox.query.shape import RecordShape, Slot

__all__ = ["AggregatePlan", "ChildPlan", "Columns", "CountPlan", "Plan", "RecordPlan"]

# Binds a JSON array of values as one parameter, so a page of 2,000 ids needs no
# 2,000 placeholders.
JSON_VALUES = "(SELECT value FROM json_each(?))"


class Columns:
    """The SELECT list of one statement; equal expressions share a column."""

    def __init__(self) -> None:
        self.expressions: list[str] = []
        self._index: dict[str, int] = {}

    def add(self, sql: str) -> int:
        if sql not in self._index:
            self._index[sql] = len(self.expressions)
            self.expressions.append(sql)
        return self._index[sql]

    def sql(self) -> str:
        return ", ".join(self.expressions)


@dataclass
class ChildPlan:
    """A child-relationship subquery (`(SELECT LastName FROM Contacts)`), fetched for a
    whole page of parents with one statement."""

    key: str
    plan: RecordPlan
    link_column: int
    """Column holding the child's reference to its parent."""
    limit: int | None
    offset: int | None

    def sql(self) -> str:
        """Select the children of the parents whose ids are bound as one JSON array."""
        return self.plan.statement(self.plan.columns.sql(), with_limit=False)


@dataclass
class RecordPlan:
    """A query returning records: rows of one object with parents nested."""

    sobject: str
    root_alias: str
    from_sql: str
    columns: Columns
    where: list[str]
    order_by: list[str]
    limit: int | None
    offset: int | None
    shape: RecordShape
    children: list[ChildPlan] = field(default_factory=list)
    deleted_filter: str | None = None
    filter_from_sql: str | None = None
    """FROM clause with only the joins WHERE and ORDER BY read (for counting and row ids)."""
    live_count_sql: str | None = None
    """A faster count for a query whose only filter hides deleted rows."""

    @property
    def rowid(self) -> str:
        return f"{self.root_alias}.rowid"

    def statement(
        self, select: str, *, with_limit: bool = True, from_sql: str | None = None
    ) -> str:
        sql = f"SELECT {select} FROM {from_sql or self.from_sql}"
        if self.where:
            sql += " WHERE " + " AND ".join(self.where)
        sql += " ORDER BY " + ", ".join([*self.order_by, self.rowid])
        if with_limit and (self.limit is not None or self.offset is not None):
            sql += f" LIMIT {-1 if self.limit is None else self.limit} OFFSET {self.offset or 0}"
        return sql

    def rowid_sql(self) -> str:
        """Select the row ids of the whole result, in result order."""
        return self.statement(self.rowid, from_sql=self.filter_from_sql)

    @property
    def keyset(self) -> bool:
        """Whether pages can be read by row id ranges: the result is in row id order
        (no ORDER BY) and is not cut by LIMIT or OFFSET."""
        return not self.order_by and self.limit is None and self.offset is None

    def count_sql(self) -> str:
        if self.live_count_sql and self.where == [self.deleted_filter]:
            return self.live_count_sql
        sql = f"SELECT COUNT(*) FROM {self.filter_from_sql or self.from_sql}"
        if self.where:
            sql += " WHERE " + " AND ".join(self.where)
        return sql

    def keyset_sql(self) -> str:
        """Up to `?` rows after row id `?` (bound in that order: row id, then count);
        the row id is the last column."""
        where = " AND ".join([*self.where, f"{self.rowid} > ?"])
        return (
            f"SELECT {self.columns.sql()}, {self.rowid} FROM {self.from_sql} WHERE {where} "
            f"ORDER BY {self.rowid} LIMIT ?"
        )

    def first_page_sql(self) -> str:
        """Up to `?` rows from the start of the result (after any OFFSET), in order;
        the row id is the last column."""
        sql = self.statement(f"{self.columns.sql()}, {self.rowid}", with_limit=False)
        return sql + f" LIMIT ? OFFSET {self.offset or 0}"

    def offset_sql(self) -> str:
        """Select up to `?` rows after skipping `?` rows (bound in that order).

        A range-read cursor uses it for an offset it did not hand out. The row id is
        the last column."""
        sql = self.statement(f"{self.columns.sql()}, {self.rowid}", with_limit=False)
        return sql + " LIMIT ? OFFSET ?"

    def page_sql(self) -> str:
        """Select the rows whose row ids are bound as one JSON array, with the row id last."""
        sql = f"SELECT {self.columns.sql()}, {self.rowid} FROM {self.from_sql} WHERE {self.rowid} IN {JSON_VALUES}"
        if self.deleted_filter:
            sql += f" AND {self.deleted_filter}"
        return sql


@dataclass
class AggregatePlan:
    """A query returning `AggregateResult` rows."""

    sql: str
    slots: list[Slot]


@dataclass
class CountPlan:
    """`SELECT COUNT() FROM ...`: the count is the totalSize, with no records."""

    sql: str


Plan = RecordPlan | AggregatePlan | CountPlan
