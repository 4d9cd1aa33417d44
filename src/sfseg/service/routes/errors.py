"""`/v1/errors`: the error log, filtered by segment, job, operation and time."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from sfseg.segments.errorlog import ErrorRecord
from sfseg.segments.store.models import ErrorLogEntry
from sfseg.service.auth import ReadKey
from sfseg.service.models import ErrorOut, Page
from sfseg.service.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, decode_cursor, page_of
from sfseg.service.routes.responses import READ, problems
from sfseg.service.state import ServiceState, get_state
from sfseg.service.views import error_view

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["errors"])
State = Annotated[ServiceState, Depends(get_state)]


@router.get(
    "/errors",
    response_model=Page[ErrorOut],
    responses=problems(READ),
    summary="The error log, oldest first",
)
def list_errors(
    state: State,
    _key: ReadKey,
    segment_id: Annotated[str | None, Query(max_length=64)] = None,
    job_id: Annotated[str | None, Query(max_length=64)] = None,
    operation: Annotated[
        str | None, Query(max_length=64, description="e.g. assign, analyze.")
    ] = None,
    since: Annotated[
        dt.datetime | None, Query(description="Only errors at or after this time.")
    ] = None,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[ErrorOut]:
    offset = decode_cursor(cursor)
    query = select(ErrorLogEntry).order_by(ErrorLogEntry.at, ErrorLogEntry.id)
    if segment_id is not None:
        query = query.where(ErrorLogEntry.segment_id == segment_id)
    if job_id is not None:
        query = query.where(ErrorLogEntry.job_id == job_id)
    if operation is not None:
        query = query.where(ErrorLogEntry.operation == operation)
    if since is not None:
        if since.tzinfo is None:
            since = since.replace(tzinfo=dt.UTC)
        query = query.where(ErrorLogEntry.at >= since)
    with state.store.session() as session:
        rows = [
            error_view(ErrorRecord.from_row(row))
            for row in session.scalars(query.offset(offset).limit(limit + 1))
        ]
    items, next_cursor = page_of(rows, offset, limit)
    return Page[ErrorOut](items=items, next_cursor=next_cursor)
