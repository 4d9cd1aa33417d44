"""`QueryEngine`: runs SOQL against the sandbox org's SQLite store.

The REST query resource pages results: `execute` returns the first page and, when more
rows remain, a `nextRecordsUrl` whose last segment `next_page` takes. `iter_records`
streams every record without paging, for Bulk API query jobs and reports.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from sfseg.sandbox.metadata import OrgSchema
from sfseg.sandbox.query import errors
from sfseg.sandbox.query.compiler import compile_query
from sfseg.sandbox.query.functions import register_functions
from sfseg.sandbox.query.indexes import ensure_query_indexes
from sfseg.sandbox.query.locators import (
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_OPEN,
    Cursor,
    CursorStore,
    invalid_locator,
)
from sfseg.sandbox.query.plan import AggregatePlan, CountPlan, Plan, RecordPlan
from sfseg.soql import SoqlSyntaxError, ast, parse

__all__ = [
    "DEFAULT_API_VERSION",
    "DEFAULT_BATCH_SIZE",
    "MAX_AGGREGATE_ROWS",
    "MAX_BATCH_SIZE",
    "MIN_BATCH_SIZE",
    "OrgLike",
    "QueryEngine",
]

# REST query paging (Sforce-Query-Options batchSize): default and maximum 2,000, minimum 200.
DEFAULT_BATCH_SIZE = 2000
MIN_BATCH_SIZE = 200
MAX_BATCH_SIZE = 2000
# An aggregate query cannot be paged: more rows than this is EXCEEDED_ID_LIMIT.
MAX_AGGREGATE_ROWS = 2000
# Rows a query with OFFSET returns at most, as Salesforce caps it.
MAX_OFFSET_RESULT = 2000
# SOQL statement length limit.
MAX_STATEMENT_LENGTH = 100_000
DEFAULT_API_VERSION = "66.0"
# Below every SQLite row id, to start a row id range read.
_BEFORE_FIRST_ROWID = -(2**63)

Row = Sequence[Any]
Record = dict[str, Any]


class _Clock(Protocol):
    def today(self) -> dt.date: ...


class _Store(Protocol):
    @property
    def connection(self) -> sqlite3.Connection: ...

    @property
    def lock(self) -> AbstractContextManager[Any]: ...


class OrgLike(Protocol):
    """The part of `sfseg.sandbox.org.Org` the engine uses."""

    @property
    def schema(self) -> OrgSchema: ...

    @property
    def store(self) -> _Store: ...

    @property
    def clock(self) -> _Clock: ...


def parse_statement(soql: str) -> ast.Query:
    """Parse SOQL text, turning syntax errors into MALFORMED_QUERY."""
    if not soql or not soql.strip():
        msg = "SOQL statements cannot be empty or null"
        raise errors.malformed_query(msg)
    if len(soql) > MAX_STATEMENT_LENGTH:
        msg = f"SOQL statements can not be longer than {MAX_STATEMENT_LENGTH} characters"
        raise errors.malformed_query(msg)
    try:
        return parse(soql)
    except SoqlSyntaxError as exc:
        raise errors.malformed_query(str(exc)) from None


def _version(api_version: str) -> str:
    return api_version.removeprefix("v")


def _aggregate_record(plan: AggregatePlan, row: Row) -> Record:
    record: Record = {"attributes": {"type": "AggregateResult"}}
    for slot in plan.slots:
        record[slot.key] = slot.build(row, "")
    return record


class QueryEngine:
    """Runs SOQL queries for one sandbox org.

    Args:
        org: the org whose `store` (connection and lock), `schema` and `clock` are used.
        idle_timeout: seconds an unused query locator lives.
        max_open: open locators kept at most; the least recently used go first.
        monotonic: the time source for locator expiry (tests pass a fake).
        create_indexes: create the case-insensitive lookup indexes and the deleted-row
            index the compiled statements use (see `sfseg.sandbox.query.indexes`).
            On a million-row org this takes a few seconds the first time.
    """

    def __init__(
        self,
        org: OrgLike,
        *,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        max_open: int = DEFAULT_MAX_OPEN,
        monotonic: Callable[[], float] = time.monotonic,
        create_indexes: bool = True,
    ) -> None:
        self.org = org
        self.cursors = CursorStore(
            idle_timeout=idle_timeout, max_open=max_open, monotonic=monotonic
        )
        with org.store.lock:
            register_functions(org.store.connection)
            if create_indexes:
                ensure_query_indexes(org.store.connection, org.schema)

    # --- public API -----------------------------------------------------------

    def compile(self, soql_or_query: str | ast.Query, *, include_deleted: bool = False) -> Plan:
        """Parse (if text) and compile a query without running it.

        Raises:
            QueryError: the statement is malformed or names unknown objects or fields.
        """
        if isinstance(soql_or_query, str):
            query, text = parse_statement(soql_or_query), soql_or_query
        else:
            query, text = soql_or_query, None
        return compile_query(
            self.org.schema,
            query,
            soql=text,
            include_deleted=include_deleted,
            today=self.org.clock.today(),
        )

    def execute(
        self,
        soql: str,
        *,
        include_deleted: bool,
        api_version: str,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> dict[str, Any]:
        """Run a query and return its first page in REST form.

        `include_deleted` is queryAll: deleted rows appear, with `IsDeleted` true.
        `batch_size` is clamped to 200..2,000, as Salesforce treats it as a hint.

        Raises:
            QueryError: with Salesforce's errorCode and message.
        """
        plan = self.compile(soql, include_deleted=include_deleted)
        version = _version(api_version)
        if isinstance(plan, CountPlan):
            return {"totalSize": self._count(plan), "done": True, "records": []}
        if isinstance(plan, AggregatePlan):
            records = self._aggregate_records(plan, limit=MAX_AGGREGATE_ROWS)
            return {"totalSize": len(records), "done": True, "records": records}
        size = min(max(batch_size, MIN_BATCH_SIZE), MAX_BATCH_SIZE)
        cursor, rows = self._open_cursor(plan, size)
        return self._page_result(cursor, 0, rows, version)

    def next_page(self, locator: str, api_version: str) -> dict[str, Any]:
        """Return the page a `nextRecordsUrl` names (`locator` is its last path segment).

        Raises:
            QueryError: INVALID_QUERY_LOCATOR when the locator expired or is unknown.
        """
        key, dash, offset_text = locator.rpartition("-")
        if not dash or not offset_text.isdigit():
            raise invalid_locator()
        cursor = self.cursors.get(key)
        offset = int(offset_text)
        if offset >= cursor.total:
            raise invalid_locator()
        rows = self._cursor_rows(cursor, offset)
        return self._page_result(cursor, offset, rows, _version(api_version), key)

    def iter_records(
        self,
        soql_or_query: str | ast.Query,
        *,
        include_deleted: bool = False,
        api_version: str = DEFAULT_API_VERSION,
    ) -> Iterator[Record]:
        """Compile now, then stream every record (or AggregateResult row) without paging.

        Records are read in chunks of 2,000 by row id, so memory stays flat and other
        threads can use the store between chunks. `SELECT COUNT()` yields nothing.

        Raises:
            QueryError: when the query does not compile (before the first record).
        """
        plan = self.compile(soql_or_query, include_deleted=include_deleted)
        return self._stream(plan, _version(api_version))

    # --- running --------------------------------------------------------------

    def _stream(self, plan: Plan, version: str) -> Iterator[Record]:
        if isinstance(plan, CountPlan):
            return
        if isinstance(plan, AggregatePlan):
            yield from self._aggregate_records(plan, limit=None)
            return
        size = MAX_BATCH_SIZE
        cursor, rows = self._open_cursor(plan, size, count=False)
        yield from self._build_page(plan, rows, version)
        if len(rows) < size or (plan.limit is not None and plan.limit <= size):
            return
        offset = size
        while True:
            rows = self._cursor_rows(cursor, offset)
            # A range read ends with a short page. A snapshot page may be short because
            # of deletes, so a snapshot ends at its last id instead.
            if not plan.keyset and offset >= len(cursor.rowids or ()):
                return
            yield from self._build_page(plan, rows, version)
            if plan.keyset and len(rows) < size:
                return
            offset += size

    # --- paging ---------------------------------------------------------------

    def _open_cursor(
        self, plan: RecordPlan, size: int, *, count: bool = True
    ) -> tuple[Cursor, list[Row]]:
        """Open a cursor over the whole result and read the rows of its first page.

        A result in row id order is counted and read in row id ranges, so a
        million-row result needs no id list. An ordered result reads its first page
        with a top-N sort and snapshots its row ids when a second page is asked for.
        """
        if not plan.keyset:
            return self._open_ordered_cursor(plan, size, count=count)
        connection = self.org.store.connection
        with self.org.store.lock:
            total = connection.execute(plan.count_sql()).fetchone()[0] if count else -1
            rows = connection.execute(plan.keyset_sql(), (_BEFORE_FIRST_ROWID, size)).fetchall()
        cursor = Cursor(plan, total, size, 0.0)
        if rows:
            cursor.resume[len(rows)] = rows[-1][-1]
        return cursor, rows

    def _open_ordered_cursor(
        self, plan: RecordPlan, size: int, *, count: bool
    ) -> tuple[Cursor, list[Row]]:
        first = size if plan.limit is None else min(size, plan.limit)
        connection = self.org.store.connection
        with self.org.store.lock:
            rows = connection.execute(plan.first_page_sql(), (first,)).fetchall()
            # A short first page, or one that LIMIT fills, is the whole result.
            more = count and len(rows) == size and (plan.limit is None or plan.limit > size)
            total = connection.execute(plan.count_sql()).fetchone()[0] if more else len(rows)
        if more:
            total = max(0, total - (plan.offset or 0))
            if plan.limit is not None:
                total = min(total, plan.limit)
            if plan.offset is not None:
                total = min(total, MAX_OFFSET_RESULT)
        return Cursor(plan, total, size, 0.0), rows

    def _cursor_rows(self, cursor: Cursor, offset: int) -> list[Row]:
        size = cursor.batch_size
        if not cursor.plan.keyset:
            if cursor.rowids is None:
                cursor.rowids = self._rowids(cursor.plan)
            return self._rows_by_id(cursor.plan, cursor.rowids[offset : offset + size])
        connection = self.org.store.connection
        with self.org.store.lock:
            after = cursor.resume.get(offset)
            if after is None:
                rows = connection.execute(cursor.plan.offset_sql(), (size, offset)).fetchall()
            else:
                rows = connection.execute(cursor.plan.keyset_sql(), (after, size)).fetchall()
            if rows:
                cursor.resume[offset + len(rows)] = rows[-1][-1]
        return rows

    def _page_result(
        self,
        cursor: Cursor,
        offset: int,
        rows: list[Row],
        version: str,
        locator: str | None = None,
    ) -> dict[str, Any]:
        end = offset + cursor.batch_size
        # A short range read means the result ran out. A short snapshot page only
        # means rows were deleted since the snapshot, so later pages still follow.
        ran_out = cursor.plan.keyset and len(rows) < cursor.batch_size
        done = end >= cursor.total or ran_out
        result: dict[str, Any] = {"totalSize": cursor.total, "done": done}
        if not done:
            key = locator or self.cursors.open(cursor)
            result["nextRecordsUrl"] = f"/services/data/v{version}/query/{key}-{end}"
        result["records"] = self._build_page(cursor.plan, rows, version)
        return result

    def _count(self, plan: CountPlan) -> int:
        with self.org.store.lock:
            row = self.org.store.connection.execute(plan.sql).fetchone()
        return int(row[0])

    def _aggregate_records(self, plan: AggregatePlan, *, limit: int | None) -> list[Record]:
        with self.org.store.lock:
            cursor = self.org.store.connection.execute(plan.sql)
            rows = cursor.fetchall() if limit is None else cursor.fetchmany(limit + 1)
            cursor.close()
        if limit is not None and len(rows) > limit:
            raise errors.aggregate_too_large()
        return [_aggregate_record(plan, row) for row in rows]

    def _rowids(self, plan: RecordPlan) -> array[int]:
        with self.org.store.lock:
            cursor = self.org.store.connection.execute(plan.rowid_sql())
            rowids = array("q", (row[0] for row in cursor))
        if plan.offset is not None:
            del rowids[MAX_OFFSET_RESULT:]
        return rowids

    def _rows_by_id(self, plan: RecordPlan, rowids: Sequence[int]) -> list[Row]:
        """Read the rows with these row ids, in the given order (deleted ones left out)."""
        if not rowids:
            return []
        with self.org.store.lock:
            rows = self.org.store.connection.execute(
                plan.page_sql(), (json.dumps(list(rowids)),)
            ).fetchall()
        by_rowid = {row[-1]: row for row in rows}
        return [by_rowid[rowid] for rowid in rowids if rowid in by_rowid]

    def _build_page(self, plan: RecordPlan, rows: list[Row], version: str) -> list[Record]:
        records = [plan.shape.build(row, version) for row in rows]
        self._fill_children(plan, rows, records, version)
        return records

    def _fill_children(
        self, plan: RecordPlan, rows: list[Row], records: list[Record], version: str
    ) -> None:
        """Fill in every child subquery of a page, with one statement per subquery."""
        if not plan.children or not rows:
            return
        parent_ids = [row[plan.shape.id_column] for row in rows]
        for child in plan.children:
            with self.org.store.lock:
                child_rows = self.org.store.connection.execute(
                    child.sql(), (json.dumps(parent_ids),)
                ).fetchall()
            grouped: defaultdict[str, list[Row]] = defaultdict(list)
            for child_row in child_rows:
                grouped[child_row[child.link_column]].append(child_row)
            kept_rows: list[Row] = []
            kept_records: list[Record] = []
            by_parent: dict[str, list[Record]] = {}
            for parent_id, group in grouped.items():
                start = child.offset or 0
                stop = None if child.limit is None else start + child.limit
                selected = group[start:stop]
                built = [child.plan.shape.build(r, version) for r in selected]
                by_parent[parent_id] = built
                kept_rows.extend(selected)
                kept_records.extend(built)
            self._fill_children(child.plan, kept_rows, kept_records, version)
            for parent_id, record in zip(parent_ids, records, strict=True):
                found = by_parent.get(parent_id)
                record[child.key] = (
                    {"totalSize": len(found), "done": True, "records": found} if found else None
                )
