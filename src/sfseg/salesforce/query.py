"""SOQL queries over REST: lazy paging, typed records, counts and split IN lookups."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import httpx

from sfseg.salesforce.describe import SObjectDescribe, convert_record
from sfseg.salesforce.errors import ConfigurationError, PagingLoopError, UriTooLongError
from sfseg.salesforce.logs import logger
from sfseg.soql import ast

if TYPE_CHECKING:
    from sfseg.salesforce.client import SalesforceClient

__all__ = ["QueryResult", "count", "query_in", "soql_text"]


def soql_text(soql: str | ast.Query) -> str:
    """Return the text to send: a tree is rendered, and user text is parsed first (SoqlSyntaxError on bad input)."""
    from sfseg import soql as soql_layer

    if isinstance(soql, ast.Query):
        return soql_layer.render(soql)
    soql_layer.parse(soql)
    return soql


def _as_query(soql: str | ast.Query) -> ast.Query:
    from sfseg import soql as soql_layer

    return soql if isinstance(soql, ast.Query) else soql_layer.parse(soql)


class QueryResult(Iterator[dict[str, Any]]):
    """Records of one query, fetched page by page while you iterate.

    Follows `nextRecordsUrl` until `done`, whatever the page size, and raises
    `PagingLoopError` if a page points at a URL already read. Each record is typed
    from describe (see `sfseg.salesforce.describe`). Iterate once.
    """

    def __init__(
        self, client: SalesforceClient, soql: str | ast.Query, *, include_deleted: bool, batch_size: int | None = None
    ) -> None:
        self._client = client
        self._text = soql_text(soql)
        self._include_deleted = include_deleted
        # Salesforce reads the page size from this header on every page request.
        self._headers = {"Sforce-Query-Options": f"batchSize={batch_size}"} if batch_size else None
        self._first: dict[str, Any] | None = None
        self._describes: dict[str, SObjectDescribe] = {}
        self._records = self._iterate()
        self.pages = 0

    @property
    def total_size(self) -> int:
        """`totalSize` of the first page: every matching row, not the page size."""
        return int(self._first_page().get("totalSize", 0))

    def __next__(self) -> dict[str, Any]:
        return next(self._records)

    def __iter__(self) -> QueryResult:
        return self

    def _first_page(self) -> dict[str, Any]:
        if self._first is None:
            resource = "queryAll/" if self._include_deleted else "query/"
            self._first = self._client.get_json(
                self._client.data_path(resource), params={"q": self._text}, headers=self._headers
            )
            self.pages = 1
        return self._first

    def _describe(self, sobject: str) -> SObjectDescribe:
        described = self._describes.get(sobject)
        if described is None:
            described = self._describes[sobject] = self._client.describe(sobject)
        return described

    def _iterate(self) -> Iterator[dict[str, Any]]:
        for page in self._pages():
            for record in page.get("records") or ():
                yield convert_record(record, self._describe)

    def _pages(self) -> Iterator[dict[str, Any]]:
        page = self._first_page()
        seen: set[str] = set()
        while True:
            yield page
            next_url = page.get("nextRecordsUrl")
            if page.get("done", True) or not next_url:
                logger.debug("query finished after %d pages", self.pages)
                return
            if next_url in seen:
                msg = f"query page points back to {next_url}, which was already read; paging stopped"
                raise PagingLoopError(msg, method="GET", path=next_url, hint="run the query again")
            seen.add(next_url)
            page = self._client.get_json(next_url, headers=self._headers)
            self.pages += 1


def count(client: SalesforceClient, soql: str | ast.Query, *, include_deleted: bool = False) -> int:
    """Rows a query matches, through `SELECT COUNT()` on its FROM and WHERE.

    With `include_deleted`, deleted and archived rows count too (`/queryAll`).
    """
    from sfseg import soql as soql_layer

    text = soql_layer.render(soql_layer.builder.count_query(_as_query(soql)))
    resource = "queryAll/" if include_deleted else "query/"
    page = client.get_json(client.data_path(resource), params={"q": text})
    return int(page["totalSize"])


# --- IN lists under the URL limit ----------------------------------------------


def query_in(
    client: SalesforceClient,
    soql: str | ast.Query,
    field: str,
    values: Iterable[Any],
    *,
    via_composite: bool = False,
) -> list[dict[str, Any]]:
    """Run `soql` AND `field IN (values)` in as many requests as the URL limit needs.

    Duplicate values are sent once (15-character ids count as their 18-character
    form), and a record returned by two requests is kept once, by its Id (or its
    `attributes.url`, which contains the Id). With `via_composite`, up to five of the
    split queries go in one Composite call, so 1,000 ids cost one API call instead
    of four or five.

    Raises:
        ConfigurationError: the query aggregates (GROUP BY or an aggregate
            function), so per-request results could not simply be joined.
    """
    base = _as_query(soql)
    _check_not_aggregate(base)
    unique = _unique_values(values)
    if not unique:
        return []
    queries = split_in_query(client, base, field, unique)
    if via_composite:
        pages = _run_in_composite(client, queries)
    else:
        pages = (record for query in queries for record in client.query(query))
    return _union(pages)


def _run_in_composite(client: SalesforceClient, queries: list[ast.Query]) -> Iterator[dict[str, Any]]:
    from sfseg.salesforce.composite import CompositeBuilder

    batch = CompositeBuilder(client)
    for number, query in enumerate(queries):
        batch.add_query(f"in{number}", query)
    results = batch.run_queries()
    for number in range(len(queries)):
        yield from results[f"in{number}"]


def _union(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for record in records:
        key = record.get("Id") or (record.get("attributes") or {}).get("url")
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        rows.append(record)
    return rows


def _check_not_aggregate(query: ast.Query) -> None:
    aggregates = {"COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX"}
    calls = [
        item.expression.name.upper()
        for item in query.select
        if isinstance(item, ast.SelectField) and isinstance(item.expression, ast.FunctionCall)
    ]
    if query.group_by is not None or aggregates & set(calls):
        msg = "an aggregate query cannot be split over an IN list: each part would be counted on its own"
        raise ConfigurationError(msg, hint="select plain fields and aggregate the rows, or run the aggregate per value")


def _unique_values(values: Iterable[Any]) -> list[Any]:
    from sfseg.soql import ids

    unique: dict[Any, None] = {}
    for value in values:
        if isinstance(value, str) and len(value) in (15, 18) and ids.is_salesforce_id(value):
            value = ids.to_18(value)
        unique[value] = None
    return list(unique)


def split_in_query(
    client: SalesforceClient, base: ast.Query, field: str, values: list[Any]
) -> list[ast.Query]:
    """Queries covering `values` in order, each URL at most `max_url_bytes` long."""
    limit = client.settings.max_url_bytes
    queries: list[ast.Query] = []
    pending = [values]
    while pending:
        chunk = pending.pop(0)
        query = _with_in(base, field, chunk)
        if _url_bytes(client, query) <= limit:
            queries.append(query)
            continue
        if len(chunk) == 1:
            msg = f"one {field} value alone makes a query URL longer than {limit} bytes"
            raise UriTooLongError(msg, hint="raise max_url_bytes (at most 16,384) or shorten the query")
        middle = _fitting_prefix(client, base, field, chunk, limit)
        pending[:0] = [chunk[:middle], chunk[middle:]]
    return queries


def _fitting_prefix(client: SalesforceClient, base: ast.Query, field: str, chunk: list[Any], limit: int) -> int:
    # Binary search for the longest prefix that fits; URL length grows with the prefix.
    low, high = 1, len(chunk) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if _url_bytes(client, _with_in(base, field, chunk[:middle])) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def _with_in(base: ast.Query, field: str, values: list[Any]) -> ast.Query:
    from sfseg.soql import builder

    condition = builder.in_(field, values)
    where = condition if base.where is None else builder.and_(base.where, condition)
    return dataclasses.replace(base, where=where)


def _url_bytes(client: SalesforceClient, query: ast.Query) -> int:
    from sfseg import soql as soql_layer

    url = httpx.URL(client.instance_url + client.data_path("query/"), params={"q": soql_layer.render(query)})
    return len(str(url).encode("ascii"))
