"""`/v1/jobs`: list and show jobs, page through their items, resume them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sfseg.segments import jobs
from sfseg.segments.assign import JobNotResumableError
from sfseg.segments.jobs import RESUMABLE_STATES, JobState
from sfseg.segments.lease import JobLeaseHeldError, live_holder
from sfseg.segments.plan import Outcome
from sfseg.segments.store.models import Job, JobItem
from sfseg.service.auth import ReadKey, WriteKey
from sfseg.service.errors import PROBLEMS
from sfseg.service.idempotency import run_idempotent
from sfseg.service.models import AssignResultOut, ItemOut, JobOut, Page
from sfseg.service.pagination import DEFAULT_LIMIT, CursorParam, LimitParam, decode_cursor, page_of
from sfseg.service.problems import ProblemError
from sfseg.service.routes.responses import READ, WRITE, problems
from sfseg.service.state import ServiceState, get_state
from sfseg.service.views import item_view, job_row_view, job_view

__all__ = ["assign_result", "job_out", "router"]

router = APIRouter(prefix="/v1", tags=["jobs"])
State = Annotated[ServiceState, Depends(get_state)]
JobId = Annotated[str, Path(min_length=1, max_length=64, description="Job id (job_...).")]
JobStateName = Literal[
    "planned", "running", "succeeded", "partial", "failed", "limit_reached", "aborted"
]
OutcomeName = Literal[
    "pending", "created", "already_member", "updated", "removed", "skipped", "failed"
]
OUTCOMES = tuple(outcome.value for outcome in Outcome)
_FINISHED = frozenset(
    {JobState.SUCCEEDED, JobState.PARTIAL, JobState.FAILED, JobState.LIMIT_REACHED, JobState.ABORTED}
)


def job_out(state: ServiceState, job_id: str) -> JobOut:
    return job_view(jobs.get_job(state.store, job_id), active=state.runner.is_active(job_id))


def assign_result(state: ServiceState, job_id: str) -> AssignResultOut | None:
    """The job and all its items once it has finished; None while it has not."""
    job = job_out(state, job_id)
    if JobState(job.state) not in _FINISHED or job.active:
        return None
    query = select(JobItem).where(JobItem.job_id == job_id).order_by(JobItem.seq)
    with state.store.session() as session:
        items = [item_view(row) for row in session.scalars(query)]
    return AssignResultOut(job=job, items=items)


@router.get(
    "/jobs",
    response_model=Page[JobOut],
    responses=problems(READ),
    summary="List jobs, newest first",
)
def list_jobs(
    state: State,
    _key: ReadKey,
    segment_id: Annotated[
        str | None, Query(max_length=64, description="Only this segment's jobs.")
    ] = None,
    job_state: Annotated[
        JobStateName | None, Query(alias="state", description="Only jobs in this state.")
    ] = None,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[JobOut]:
    offset = decode_cursor(cursor)
    query = select(Job).order_by(Job.created_at.desc(), Job.id)
    if segment_id is not None:
        query = query.where(Job.segment_id == segment_id)
    if job_state is not None:
        query = query.where(Job.state == job_state)
    with state.store.session() as session:
        rows = list(session.scalars(query.offset(offset).limit(limit + 1)))
        page, next_cursor = page_of(rows, offset, limit)
        counts = _outcome_counts(session, [job.id for job in page])
        items = [
            job_row_view(job, counts[job.id], active=state.runner.is_active(job.id)) for job in page
        ]
    return Page[JobOut](items=items, next_cursor=next_cursor)


def _outcome_counts(session: Session, job_ids: list[str]) -> dict[str, dict[str, int]]:
    """Items per outcome of each job, every outcome present, in one grouped query."""
    counts = {job_id: dict.fromkeys(OUTCOMES, 0) for job_id in job_ids}
    query = (
        select(JobItem.job_id, JobItem.outcome, func.count())
        .where(JobItem.job_id.in_(job_ids))
        .group_by(JobItem.job_id, JobItem.outcome)
    )
    for job_id, outcome, number in session.execute(query):
        counts[job_id][outcome] = number
    return counts


@router.get("/jobs/{job_id}", response_model=JobOut, responses=problems(READ), summary="Show a job")
def show_job(job_id: JobId, state: State, _key: ReadKey) -> JobOut:
    return job_out(state, job_id)


@router.get(
    "/jobs/{job_id}/items",
    response_model=Page[ItemOut],
    responses=problems(READ),
    summary="Page through a job's items in input order",
)
def job_items(
    job_id: JobId,
    state: State,
    _key: ReadKey,
    outcome: Annotated[
        OutcomeName | None, Query(description="Only items with this outcome.")
    ] = None,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Page[ItemOut]:
    offset = decode_cursor(cursor)
    jobs.get_job(state.store, job_id)  # 404 for an unknown job
    query = select(JobItem).where(JobItem.job_id == job_id).order_by(JobItem.seq)
    if outcome is not None:
        query = query.where(JobItem.outcome == outcome)
    with state.store.session() as session:
        rows = [item_view(row) for row in session.scalars(query.offset(offset).limit(limit + 1))]
    items, next_cursor = page_of(rows, offset, limit)
    return Page[ItemOut](items=items, next_cursor=next_cursor)


@router.post(
    "/jobs/{job_id}/resume",
    status_code=202,
    response_model=JobOut,
    responses=problems(READ, WRITE, (503,)),
    summary="Resume a stopped job",
)
def resume(job_id: JobId, request: Request, state: State, key: WriteKey) -> JSONResponse:
    def work() -> tuple[int, Any]:
        job = jobs.get_job(state.store, job_id)
        if state.runner.is_active(job_id):
            detail = f"job {job_id} is running in this service already; follow it with GET /v1/jobs/{job_id}"
            raise ProblemError(PROBLEMS["job-not-resumable"], detail)
        if JobState(job.state) not in RESUMABLE_STATES:
            detail = (
                f"job {job_id} is {job.state}; "
                "only planned, running, partial, limit_reached or aborted jobs resume"
            )
            raise JobNotResumableError(detail)
        holder = live_holder(state.store, job_id)
        if holder is not None:
            raise JobLeaseHeldError(job_id, holder)
        state.runner.submit(job_id)
        return 202, job_out(state, job_id).model_dump(mode="json")

    return run_idempotent(request, key, None, work)
