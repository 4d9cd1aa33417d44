"""SOQL for the assignment steps, built as syntax trees, and queries batched in Composite.

`QueryBatcher` sends queries five to a Composite request (the most Composite
allows for query subrequests) and follows each query's `nextRecordsUrl` in later
Composite requests, so reading back N pages of results costs about N / 5 API calls.
Every IN list is split by `in_chunks` into at most 2,000 values (one query page when
each value matches one record) and at most `MAX_IN_LIST_CHARS` of SOQL text, under
Salesforce's 100,000-character limit for a statement.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sfseg import soql
from sfseg.salesforce import SalesforceClient
from sfseg.salesforce.errors import SalesforceError, error_class
from sfseg.soql import ast

__all__ = [
    "MAX_IN_LIST_CHARS",
    "MAX_IN_LIST_VALUES",
    "QueryBatcher",
    "field_eq",
    "field_in",
    "in_chunks",
    "not_null",
    "select_query",
]

MAX_IN_LIST_VALUES = 2000
# SOQL statements are limited to 100,000 characters; the rest of the statement
# (SELECT list, other conditions) fits easily in what this leaves.
MAX_IN_LIST_CHARS = 80_000
# Composite allows at most 5 query subrequests per request (REST API Developer Guide,
# "Composite").
QUERIES_PER_COMPOSITE = 5

RecordCallback = Callable[[Mapping[str, Any]], None]


def select_query(sobject: str, fields: Sequence[str], where: ast.Condition | None) -> ast.Query:
    """Build `SELECT fields FROM sobject [WHERE where]`."""
    return ast.Query(
        select=tuple(ast.SelectField(ast.FieldPath((name,))) for name in fields),
        from_=ast.FromClause(sobject),
        where=where,
    )


def field_in(field_name: str, values: Sequence[str]) -> ast.Comparison:
    """Build `field IN ('a', 'b', ...)` with each value as an escaped string literal."""
    items = tuple(ast.StringLiteral(value) for value in values)
    return ast.Comparison(ast.FieldPath((field_name,)), "IN", ast.ListValue(items))


def field_eq(field_name: str, value: str) -> ast.Comparison:
    return ast.Comparison(ast.FieldPath((field_name,)), "=", ast.StringLiteral(value))


def not_null(field_name: str) -> ast.Comparison:
    return ast.Comparison(ast.FieldPath((field_name,)), "!=", ast.NullLiteral())


def in_chunks(
    values: Sequence[str],
    *,
    max_values: int = MAX_IN_LIST_VALUES,
    max_chars: int = MAX_IN_LIST_CHARS,
) -> Iterator[Sequence[str]]:
    """Split values into IN lists of at most `max_values` values and `max_chars` characters."""
    start = 0
    size = 0
    for index, value in enumerate(values):
        # Quotes, comma and space around each value, and escapes for quote and backslash.
        cost = len(value) + 4 + value.count("'") + value.count("\\")
        if index > start and (index - start >= max_values or size + cost > max_chars):
            yield values[start:index]
            start, size = index, 0
        size += cost
    if start < len(values):
        yield values[start:]


@dataclass(slots=True)
class _Pending:
    url: str
    on_record: RecordCallback


class QueryBatcher:
    """Collects queries and runs them in Composite requests, five per request.

    Each record of each query is passed to that query's callback, in page order.
    A failed query raises the error its subrequest carried.
    """

    def __init__(self, client: SalesforceClient) -> None:
        self.client = client
        self._queue: list[_Pending] = []

    def add(self, query: ast.Query, on_record: RecordCallback, *, include_deleted: bool = False) -> None:
        resource = "queryAll" if include_deleted else "query"
        text = soql.render(query)
        url = f"{self.client.data_path(resource)}?q={urllib.parse.quote(text, safe='')}"
        self._queue.append(_Pending(url, on_record))

    def __len__(self) -> int:
        return len(self._queue)

    def run(self) -> None:
        """Send every queued query and every further page; empty the queue."""
        while self._queue:
            batch = self._queue[:QUERIES_PER_COMPOSITE]
            del self._queue[:QUERIES_PER_COMPOSITE]
            self._run_batch(batch)

    def _run_batch(self, batch: Sequence[_Pending]) -> None:
        subrequests = [
            {"method": "GET", "url": pending.url, "referenceId": f"q{index}"}
            for index, pending in enumerate(batch)
        ]
        responses = self.client.composite(subrequests)
        for pending, response in zip(batch, responses, strict=True):
            body, status = response.body, response.http_status
            if status >= 400 or not isinstance(body, dict):
                raise _subrequest_error(status, body, pending.url)
            for record in body.get("records") or ():
                pending.on_record(record)
            next_url = body.get("nextRecordsUrl")
            if next_url and not body.get("done", True):
                self._queue.append(_Pending(str(next_url), pending.on_record))


def _subrequest_error(status: int, body: Any, url: str) -> SalesforceError:
    first = body[0] if isinstance(body, list) and body and isinstance(body[0], Mapping) else {}
    code = str(first.get("errorCode") or "") or None
    message = str(first.get("message") or f"query subrequest failed with HTTP {status}")
    cls = error_class(status, code, message)
    path = url.split("?", 1)[0]
    return cls(message, status=status, error_code=code, method="GET", path=path)
