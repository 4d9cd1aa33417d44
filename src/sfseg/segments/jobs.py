"""The job journal: every assignment run and one item per customer, kept in the store.

A job's items are written before anything is sent to Salesforce, and each chunk's
outcomes are written in one transaction as soon as they are known. An item whose
`attempts` is above zero while its outcome is still `pending` was sent but its
response never recorded (the process was killed, or the response was lost). Its outcome
is unknown, and a resume looks the member up before sending it again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import Table, Update, bindparam, func, insert, select, update

from sfseg.segments.customers import CustomerSet
from sfseg.segments.lease import JobLease, LeaseHolder, holder_of
from sfseg.segments.plan import Action, Outcome
from sfseg.segments.store import Store
from sfseg.segments.store.models import Job, JobItem, new_job_id, utcnow

__all__ = [
    "CONVERTED_LEAD",
    "RESUMABLE_STATES",
    "ItemState",
    "JobNotFoundError",
    "JobState",
    "JobSummary",
    "conversion_note",
    "count_outcomes",
    "create_job",
    "final_state",
    "get_job",
    "list_jobs",
    "load_items",
    "mark_sent",
    "save_items",
    "set_job_state",
]


class JobState(StrEnum):
    """The state of a job; see `RESUMABLE_STATES` for those that can be resumed.

    `aborted` means that an error other than the daily limit stopped the run, such as a
    server error that outlasted the retries. The error is on the job and in the error log.
    """

    PLANNED = "planned"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"
    FAILED = "failed"
    LIMIT_REACHED = "limit_reached"
    ABORTED = "aborted"


# A job left `running` was killed mid-run; `planned` never started writing.
RESUMABLE_STATES = frozenset(
    {JobState.PLANNED, JobState.RUNNING, JobState.LIMIT_REACHED, JobState.PARTIAL, JobState.ABORTED}
)

_SUCCESS_OUTCOMES = frozenset(
    {Outcome.CREATED, Outcome.ALREADY_MEMBER, Outcome.UPDATED, Outcome.REMOVED}
)


# The reason kept on a successful item whose customer was a converted Lead: its Contact
# became (or already was) the member instead.
CONVERTED_LEAD = "converted_lead"


def conversion_note(lead_id: str, contact_id: str) -> str:
    """Return the message stating that a converted Lead was replaced by its Contact."""
    # No semicolon: `load_items` splits the note from later text at the first "; ".
    return f"Lead {lead_id} is converted, so its Contact {contact_id} is the member"


class JobNotFoundError(LookupError):
    """No job in the store has the id given."""

    # An error in the user's input, not an API failure: the error log leaves it out.
    user_input = True
    hint = "run `sfseg jobs list` to see the jobs"


@dataclass(slots=True)
class ItemState:
    """One customer's item in memory during a run; `save_items` writes it to `job_items`."""

    seq: int
    customer_id: str
    resolved_id: str | None = None
    sobject: str | None = None
    action: Action = Action.NONE
    outcome: Outcome = Outcome.PENDING
    reason: str | None = None
    error_code: str | None = None
    message: str | None = None
    fields: list[str] | None = None
    member_id: str | None = None
    attempts: int = 0
    item_id: int | None = None
    # In memory only: a response arrived for the latest attempt. A row error worth a
    # retry leaves the item pending, but known not to be applied.
    answered: bool = False
    # The `conversion_note` of a converted Lead's customer. A successful outcome keeps
    # it, with reason `converted_lead`, so the replacement stays visible.
    note: str | None = None

    @property
    def outcome_unknown(self) -> bool:
        """True when the item was sent but no response for it was recorded."""
        return self.outcome is Outcome.PENDING and self.attempts > 0 and not self.answered

    def settle(
        self,
        outcome: Outcome,
        *,
        reason: str | None = None,
        error_code: str | None = None,
        message: str | None = None,
        fields: Sequence[str] | None = None,
    ) -> None:
        if self.note is not None and outcome in _SUCCESS_OUTCOMES:
            reason = CONVERTED_LEAD
            message = f"{self.note}; {message}" if message else self.note
        self.outcome = outcome
        self.reason = reason
        self.error_code = error_code
        self.message = message
        self.fields = list(fields) if fields else None

    def to_row(self) -> dict[str, Any]:
        return {
            "id": self.item_id,
            "resolved_id": self.resolved_id,
            "object": self.sobject,
            "action": self.action.value,
            "outcome": self.outcome.value,
            "reason": self.reason,
            "error_code": self.error_code,
            "message": self.message,
            "fields": self.fields,
            "campaign_member_id": self.member_id,
            "attempts": self.attempts,
            "updated_at": utcnow(),
        }


@dataclass(frozen=True, slots=True)
class JobSummary:
    """A job's row and its outcome counts, for listings."""

    id: str
    segment_id: str
    kind: str
    mode: str
    state: str
    route: str
    status_label: str | None
    id_field: str
    api_calls: int
    error: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    params: dict[str, Any] = field(default_factory=dict)
    checkpoint: dict[str, Any] | None = None
    counts: dict[str, int] = field(default_factory=dict)
    # The process that holds (or last held and never released) the job's lease.
    lease: LeaseHolder | None = None

    def to_json(self) -> dict[str, Any]:
        def stamp(value: dt.datetime | None) -> str | None:
            return None if value is None else value.isoformat().replace("+00:00", "Z")

        return {
            "job_id": self.id,
            "segment_id": self.segment_id,
            "kind": self.kind,
            "mode": self.mode,
            "state": self.state,
            "route": self.route,
            "status": self.status_label,
            "id_field": self.id_field,
            "api_calls": self.api_calls,
            "error": self.error,
            "created_at": stamp(self.created_at),
            "started_at": stamp(self.started_at),
            "finished_at": stamp(self.finished_at),
            "checkpoint": self.checkpoint,
            "counts": self.counts,
            "lease": None if self.lease is None else self.lease.to_json(),
        }


def create_job(
    store: Store,
    *,
    segment_id: str,
    kind: str,
    mode: str,
    route: str,
    status_label: str | None,
    id_field: str,
    params: Mapping[str, Any],
    customers: CustomerSet,
    lease: JobLease | None = None,
) -> tuple[str, list[ItemState]]:
    """Write a new job and one item per customer, in one transaction.

    Rejected values are written as `skipped` items at once; every other customer
    starts `pending`. With `lease`, the job gets that lease's id and is written already
    leased to it; the run then takes the lease with `JobLease.acquire`. Returns the job
    id and the items in input order.
    """
    job_id = new_job_id() if lease is None else lease.job_id
    items = [ItemState(seq, customer_id) for seq, customer_id in enumerate(customers.customers)]
    for rejected in customers.rejected:
        item = ItemState(len(items), rejected.customer_id)
        item.settle(Outcome.SKIPPED, reason=rejected.reason, message=rejected.message)
        items.append(item)

    with store.session() as session:
        session.add(
            Job(
                id=job_id,
                segment_id=segment_id,
                kind=kind,
                mode=mode,
                state=JobState.PLANNED.value,
                route=route,
                status_label=status_label,
                id_field=id_field,
                params=dict(params),
                checkpoint={"phase": "resolve"},
                created_at=utcnow(),
                **({} if lease is None else lease.owner_columns()),
            )
        )
        session.flush()
        _insert_items(session, job_id, items)

    _attach_item_ids(store, job_id, items)
    return job_id, items


def add_items(store: Store, job_id: str, items: Sequence[ItemState]) -> None:
    """Write more items to a job (mirror removals of members not in the input)."""
    if not items:
        return
    with store.session() as session:
        _insert_items(session, job_id, items)
    _attach_item_ids(store, job_id, items)


def _insert_items(session: Any, job_id: str, items: Sequence[ItemState]) -> None:
    if not items:
        # An INSERT given no rows would insert one row of defaults, without a job id.
        return
    now = utcnow()
    rows = [{**item.to_row(), "job_id": job_id, "seq": item.seq, "customer_id": item.customer_id,
             "updated_at": now} for item in items]  # fmt: skip
    for row in rows:
        del row["id"]
    session.execute(insert(JobItem), rows)


def _attach_item_ids(store: Store, job_id: str, items: Sequence[ItemState]) -> None:
    by_customer = {item.customer_id: item for item in items}
    query = select(JobItem.id, JobItem.customer_id).where(JobItem.job_id == job_id)
    with store.session() as session:
        for item_id, customer_id in session.execute(query):
            item = by_customer.get(customer_id)
            if item is not None:
                item.item_id = item_id


# Columns that `save_items` writes; each is bound as `b_<column>` because SQLAlchemy
# reserves the plain column names for its own parameters in an UPDATE.
_SAVED_COLUMNS = (
    "resolved_id", "object", "action", "outcome", "reason", "error_code", "message",
    "fields", "campaign_member_id", "attempts", "updated_at",
)  # fmt: skip


def _update_by_id(columns: Sequence[str]) -> Update:
    table = cast(Table, JobItem.__table__)
    values: dict[str, Any] = {name: bindparam(f"b_{name}") for name in columns}
    return update(table).where(table.c.id == bindparam("b_id")).values(values)


def save_items(store: Store, items: Iterable[ItemState]) -> None:
    """Write the items' current state in one transaction."""
    rows = [{f"b_{key}": value for key, value in item.to_row().items()} for item in items]
    if not rows:
        return
    # One executemany of a Core UPDATE: the ORM's bulk update costs several times more
    # per row, and a chunk of 1,000 rows is written after every Composite call.
    with store.session() as session:
        session.execute(_update_by_id(_SAVED_COLUMNS), rows)


def mark_sent(store: Store, items: Sequence[ItemState]) -> None:
    """Count one more attempt for each item, committed before the request goes out.

    After a crash, `attempts > 0` with a pending outcome marks the items whose
    write may have been applied.
    """
    for item in items:
        item.attempts += 1
        item.answered = False
    now = utcnow()
    rows = [{"b_id": item.item_id, "b_attempts": item.attempts, "b_updated_at": now} for item in items]
    if not rows:
        return
    with store.session() as session:
        session.execute(_update_by_id(("attempts", "updated_at")), rows)


def load_items(store: Store, job_id: str) -> list[ItemState]:
    """Read a job's items in input order."""
    query = select(JobItem).where(JobItem.job_id == job_id).order_by(JobItem.seq)
    with store.session() as session:
        return [_item_from_row(row) for row in session.scalars(query)]


def _item_from_row(row: JobItem) -> ItemState:
    return ItemState(
        seq=row.seq,
        customer_id=row.customer_id,
        resolved_id=row.resolved_id,
        sobject=row.object,
        action=Action(row.action),
        outcome=Outcome(row.outcome),
        reason=row.reason,
        error_code=row.error_code,
        message=row.message,
        fields=row.fields,
        member_id=row.campaign_member_id,
        attempts=row.attempts,
        item_id=row.id,
        note=row.message.partition("; ")[0] if row.reason == CONVERTED_LEAD and row.message else None,
    )


def set_job_state(
    store: Store,
    job_id: str,
    state: JobState,
    *,
    route: str | None = None,
    checkpoint: dict[str, Any] | None = None,
    api_calls: int | None = None,
    error: str | None = None,
) -> None:
    """Update a job's state and, when given, its route, checkpoint, call count and error."""
    with store.session() as session:
        job = _require_job(session, job_id)
        job.state = state.value
        if state is JobState.RUNNING and job.started_at is None:
            job.started_at = utcnow()
        if state in (JobState.SUCCEEDED, JobState.PARTIAL, JobState.FAILED):
            job.finished_at = utcnow()
        if route is not None:
            job.route = route
        if checkpoint is not None:
            job.checkpoint = checkpoint
        if api_calls is not None:
            job.api_calls = api_calls
        job.error = error


def _require_job(session: Any, job_id: str) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        msg = f"job {job_id!r} not found"
        raise JobNotFoundError(msg)
    assert isinstance(job, Job)
    return job


def count_outcomes(store: Store, job_id: str) -> dict[str, int]:
    """Return the number of items per outcome, with every outcome present."""
    counts = {outcome.value: 0 for outcome in Outcome}
    query = (
        select(JobItem.outcome, func.count())
        .where(JobItem.job_id == job_id)
        .group_by(JobItem.outcome)
    )
    with store.session() as session:
        for outcome, number in session.execute(query):
            counts[outcome] = number
    return counts


def get_job(store: Store, job_id: str) -> JobSummary:
    """Read one job with its outcome counts.

    Raises:
        JobNotFoundError: no job has this id.
    """
    with store.session() as session:
        job = _require_job(session, job_id)
        summary = _summary(job)
    return JobSummary(**{**summary, "counts": count_outcomes(store, job_id)})


def list_jobs(store: Store, *, segment_id: str | None = None, limit: int = 50) -> list[JobSummary]:
    """Read the newest jobs first, optionally of one segment."""
    query = select(Job).order_by(Job.created_at.desc(), Job.id).limit(limit)
    if segment_id is not None:
        query = query.where(Job.segment_id == segment_id)
    with store.session() as session:
        rows = [_summary(job) for job in session.scalars(query)]
    return [JobSummary(**{**row, "counts": count_outcomes(store, str(row["id"]))}) for row in rows]


def _summary(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "segment_id": job.segment_id,
        "kind": job.kind,
        "mode": job.mode,
        "state": job.state,
        "route": job.route,
        "status_label": job.status_label,
        "id_field": job.id_field,
        "api_calls": job.api_calls,
        "error": job.error,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "params": dict(job.params or {}),
        "checkpoint": job.checkpoint,
        "lease": holder_of(job),
    }


def final_state(items: Iterable[ItemState]) -> JobState:
    """Return the end state: `failed` when every written row failed, `partial` when some did.

    Skipped customers do not count as failures; a job with nothing to write succeeds.
    """
    failed = succeeded = 0
    for item in items:
        if item.outcome is Outcome.FAILED:
            failed += 1
        elif item.outcome in _SUCCESS_OUTCOMES:
            succeeded += 1
    if failed and not succeeded:
        return JobState.FAILED
    if failed:
        return JobState.PARTIAL
    return JobState.SUCCEEDED

