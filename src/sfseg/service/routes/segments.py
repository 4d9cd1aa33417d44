"""`/v1/segments`: create, list, show, delete, preview, assign, analysis and the report."""

from __future__ import annotations

import contextlib
from concurrent.futures import TimeoutError as FutureTimeoutError
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import select

from sfseg.report import render_report
from sfseg.salesforce.errors import SalesforceError
from sfseg.segments.analyze import Analysis, analyze_segment
from sfseg.segments.create import create_segment
from sfseg.segments.criteria import preview
from sfseg.segments.errorlog import record_error
from sfseg.segments.segment import SegmentInfo
from sfseg.segments.store.models import Segment
from sfseg.service.assignments import plan_job
from sfseg.service.auth import ReadKey, WriteKey
from sfseg.service.idempotency import run_idempotent
from sfseg.service.models import (
    AssignRequest,
    AssignResultOut,
    JobOut,
    Page,
    PreviewOut,
    PreviewRequest,
    SegmentCreate,
    SegmentCreated,
    SegmentDeleted,
    SegmentOut,
)
from sfseg.service.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, decode_cursor, page_of
from sfseg.service.routes.jobs import assign_result, job_out
from sfseg.service.routes.responses import READ, SALESFORCE, WRITE, problems
from sfseg.service.state import ServiceState, get_state
from sfseg.service.views import segment_view

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["segments"])
State = Annotated[ServiceState, Depends(get_state)]
SegmentRef = Annotated[
    str, Path(min_length=1, max_length=255, description="Segment id, name, key or Campaign id.")
]


@router.get(
    "/segments", response_model=Page[SegmentOut], responses=problems(READ), summary="List segments"
)
def list_segments(
    state: State, _key: ReadKey, limit: LimitParam = DEFAULT_LIMIT, cursor: CursorParam = None
) -> Page[SegmentOut]:
    offset = decode_cursor(cursor)
    query = select(Segment).order_by(Segment.created_at, Segment.id).offset(offset).limit(limit + 1)
    with state.store.session() as session:
        rows = [segment_view(SegmentInfo.from_row(row)) for row in session.scalars(query)]
    items, next_cursor = page_of(rows, offset, limit)
    return Page[SegmentOut](items=items, next_cursor=next_cursor)


@router.post(
    "/segments",
    status_code=201,
    response_model=SegmentCreated,
    responses={
        200: {
            "model": SegmentCreated,
            "description": "Dry run: checked and counted, nothing written.",
        },
        **problems(READ, WRITE, SALESFORCE),
    },
    summary="Create a segment and its Campaign",
)
def create(body: SegmentCreate, request: Request, state: State, key: WriteKey) -> JSONResponse:
    def work() -> tuple[int, Any]:
        result = create_segment(
            state.client, state.store, body.name, body.criteria, target=body.target,
            kind=body.kind, description=body.description, statuses=body.statuses,
            default_status=body.default_status, dry_run=body.dry_run,
        )  # fmt: skip
        data = result.to_json()
        created = SegmentCreated(
            segment=segment_view(result.segment) if result.segment else None,
            **{name: data[name] for name in SegmentCreated.model_fields if name != "segment"},
        )
        return (200 if body.dry_run else 201), created.model_dump(mode="json")

    return run_idempotent(request, key, body.model_dump(mode="json"), work)


@router.get(
    "/segments/{segment_id}",
    response_model=SegmentOut,
    responses=problems(READ),
    summary="Show a segment",
)
def show(segment_id: SegmentRef, state: State, _key: ReadKey) -> SegmentOut:
    return segment_view(SegmentInfo.from_row(state.store.get_segment(segment_id)))


@router.delete(
    "/segments/{segment_id}",
    response_model=SegmentDeleted,
    responses=problems(READ, WRITE, SALESFORCE),
    summary="Delete a segment and its Campaign",
)
def delete(
    segment_id: SegmentRef,
    state: State,
    _key: WriteKey,
    keep_campaign: Annotated[bool, Query(description="Keep the Campaign in Salesforce.")] = False,
) -> SegmentDeleted:
    info = SegmentInfo.from_row(state.store.get_segment(segment_id))
    deleted = False
    if info.campaign_id is not None and not keep_campaign:
        try:
            state.client.delete("Campaign", info.campaign_id)
            deleted = True
        except SalesforceError as exc:
            if exc.error_code not in ("ENTITY_IS_DELETED", "NOT_FOUND"):
                raise
            record_error(state.store, operation="segments.delete", error=exc, segment_id=info.id)
    with state.store.session() as session:
        row = session.get(Segment, info.id)
        if row is not None:
            session.delete(row)
    return SegmentDeleted(
        segment_id=info.id, name=info.name, campaign_id=info.campaign_id, campaign_deleted=deleted
    )


@router.post(
    "/preview",
    response_model=PreviewOut,
    responses=problems(READ, (400, 409, 413), SALESFORCE),
    summary="Check criteria and count the matches",
)
def preview_criteria(
    body: PreviewRequest, request: Request, state: State, key: ReadKey
) -> JSONResponse:
    def work() -> tuple[int, Any]:
        result = preview(state.client, body.criteria, target=body.target, kind=body.kind)
        return 200, PreviewOut(**result.to_json()).model_dump(mode="json")

    return run_idempotent(request, key, body.model_dump(mode="json"), work)


@router.post(
    "/segments/{segment_id}/assign",
    status_code=202,
    response_model=JobOut,
    responses={
        200: {
            "model": AssignResultOut,
            "description": "Finished while the caller waited (`wait=true`).",
        },
        **problems(READ, WRITE, SALESFORCE),
    },
    summary="Assign customers to a segment",
)
def assign(
    segment_id: SegmentRef,
    body: AssignRequest,
    request: Request,
    state: State,
    key: WriteKey,
    wait: Annotated[
        bool,
        Query(
            description="Wait for the result when the input is small; else return 202 with the job."
        ),
    ] = False,
) -> JSONResponse:
    def work() -> tuple[int, Any]:
        state.runner.check_capacity()  # before the job is written, so a refused one leaves none
        job_id = plan_job(state.client, state.store, segment_id, body)
        future = state.runner.submit(job_id)
        if wait and len(body.customer_ids) <= state.config.wait_max_customers:
            # A job that fails or outlasts the wait keeps its state and error: 202 below.
            with contextlib.suppress(FutureTimeoutError, Exception):
                future.result(timeout=state.config.wait_seconds)
            finished = assign_result(state, job_id)
            if finished is not None:
                return 200, finished.model_dump(mode="json")
        return 202, job_out(state, job_id).model_dump(mode="json")

    return run_idempotent(request, key, body.model_dump(mode="json"), work)


def _fields(fields: str | None) -> list[str] | None:
    return [name.strip() for name in fields.split(",") if name.strip()] if fields else None


FieldsParam = Annotated[
    str | None, Query(max_length=2000, description="Demographic fields, comma-separated.")
]
ReportIdParam = Annotated[
    str | None,
    Query(min_length=15, max_length=18, description="A CampaignWithCampaignMembers report id."),
]


@router.get(
    "/segments/{segment_id}/analysis",
    response_model=Analysis,
    responses=problems(READ, SALESFORCE),
    summary="Analyze a segment",
)
def analysis(
    segment_id: SegmentRef,
    state: State,
    _key: ReadKey,
    fields: FieldsParam = None,
    report_id: ReportIdParam = None,
    include_report: bool = True,
) -> Analysis:
    return analyze_segment(
        state.client, state.store, segment_id, fields=_fields(fields), report_id=report_id,
        include_report=include_report,
    )  # fmt: skip


@router.get(
    "/segments/{segment_id}/report",
    response_class=HTMLResponse,
    responses={
        200: {
            "content": {"text/html": {"schema": {"type": "string"}}},
            "description": "The HTML report.",
        },
        **problems(READ, SALESFORCE),
    },
    summary="The segment's HTML report (self-contained, opens offline)",
)
def report(
    segment_id: SegmentRef,
    state: State,
    _key: ReadKey,
    fields: FieldsParam = None,
    report_id: ReportIdParam = None,
    include_report: bool = True,
) -> HTMLResponse:
    result = analyze_segment(
        state.client, state.store, segment_id, fields=_fields(fields), report_id=report_id,
        include_report=include_report,
    )  # fmt: skip
    return HTMLResponse(render_report(result))
