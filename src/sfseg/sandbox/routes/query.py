"""SOQL query resources: `/query`, `/queryAll` and the next-page locators."""

from __future__ import annotations

import re

from sfseg.sandbox.routes.deps import ApiError, ApiResponse, Endpoint, RestRequest
from sfseg.sandbox.state import SandboxState

__all__ = ["ENDPOINTS", "batch_size"]

# Salesforce's default and maximum page is 2,000 rows; a smaller batchSize is a hint
# that it honours down to 200.
MAX_BATCH_SIZE = 2_000
MIN_BATCH_SIZE = 200
_BATCH_SIZE = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)


def batch_size(header: str | None) -> int:
    """Page size asked for by a `Sforce-Query-Options` header, clamped to 200-2,000."""
    if not header:
        return MAX_BATCH_SIZE
    found = _BATCH_SIZE.search(header)
    if found is None:
        return MAX_BATCH_SIZE
    return min(max(int(found.group(1)), MIN_BATCH_SIZE), MAX_BATCH_SIZE)


def _run(state: SandboxState, request: RestRequest, *, include_deleted: bool) -> ApiResponse:
    soql = request.query.get("q", "")
    if not soql.strip():
        raise ApiError(400, "MALFORMED_QUERY", "SOQL statements cannot be empty or null")
    page = state.queries.execute(
        soql,
        include_deleted=include_deleted,
        api_version=request.version,
        batch_size=batch_size(request.headers.get("sforce-query-options")),
    )
    return ApiResponse(200, page)


def query(state: SandboxState, request: RestRequest) -> ApiResponse:
    return _run(state, request, include_deleted=False)


def query_all(state: SandboxState, request: RestRequest) -> ApiResponse:
    return _run(state, request, include_deleted=True)


def next_page(state: SandboxState, request: RestRequest) -> ApiResponse:
    locator = request.path_params["locator"]
    return ApiResponse(200, state.queries.next_page(locator, request.version))


ENDPOINTS = [
    Endpoint(("GET",), "/query", query, heavy=True),
    Endpoint(("GET",), "/queryAll", query_all, heavy=True),
    Endpoint(("GET",), "/query/{locator}", next_page, heavy=True),
    Endpoint(("GET",), "/queryAll/{locator}", next_page, heavy=True),
]
