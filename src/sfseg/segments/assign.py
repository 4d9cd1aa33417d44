"""`assign_customers`, `resume_job` and `refresh_segment`: the assignment operation.

One run has these steps:

1. Parse the customer ids and fold repeats.
2. Check the member status against the campaign's CampaignMemberStatus rows.
3. Write the job and its items to the store.
4. Resolve the customers in bulk.
5. Plan the rows to add, update and remove, the route and its cost.
6. Write the rows, journalling each chunk.
7. Reconcile with the CampaignMember records and record who entered and left.
8. Set the final state. A dry run stops after the plan and writes nothing, neither to
Salesforce nor to the store.

A run stopped by the daily API limit ends `limit_reached`, and a run stopped by any
other error ends `aborted`; a killed run stays `running`. All three continue with
`resume_job`, which redoes only what the journal does not hold.

Each run holds the job's lease (`sfseg.segments.lease`) from before its first write
until it ends, so a second run of the same job fails at once instead of writing too.
"""

from __future__ import annotations

import abc
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, overload

from sfseg import soql
from sfseg.salesforce import QuotaExceededError, SalesforceClient
from sfseg.segments import jobs
from sfseg.segments.customers import (
    CustomerKind,
    CustomerSet,
    Repeat,
    parse_customers,
)
from sfseg.segments.errorlog import record_error
from sfseg.segments.jobs import CONVERTED_LEAD, ItemState, JobState, conversion_note
from sfseg.segments.lease import JobLease, JobLeaseLostError
from sfseg.segments.plan import (
    DEFAULT_BULK_THRESHOLD,
    Action,
    Member,
    Mode,
    Outcome,
    Plan,
    Resolved,
    Route,
    build_plan,
)
from sfseg.segments.querying import QueryBatcher, field_eq, select_query
from sfseg.segments.reconcile import (
    campaign_members,
    lookup_members,
    reconcile,
    record_membership_events,
)
from sfseg.segments.resolve import Resolution, TieBreak, check_id_field, resolve_customers
from sfseg.segments.store import Store
from sfseg.segments.store.models import new_job_id
from sfseg.segments.write import (
    LimitReachedError,
    Progress,
    StopRequestedError,
    WriteOptions,
    Writer,
)

__all__ = [
    "AssignResult",
    "ItemResult",
    "JobNotResumableError",
    "SegmentNotReadyError",
    "StatusMissingError",
    "UnknownStatusError",
    "assign_customers",
    "check_resumable",
    "check_status",
    "criteria_record_ids",
    "refresh_segment",
    "resume_job",
]

logger = logging.getLogger("sfseg.segments")

# Reconcile by reading the whole campaign with a Bulk query from this many rows.
BULK_RECONCILE_ROWS = 20_000
COUNT_KEYS = ("created", "already_member", "updated", "removed", "skipped", "failed")


class _HintedError(ValueError):
    """An error whose next step for the user is kept apart, so that the CLI prints it once."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class UnknownStatusError(_HintedError):
    """The requested member status is not one of the campaign's CampaignMemberStatus labels."""

    # An error in the user's input, not an API failure: the error log leaves it out.
    user_input = True


class SegmentNotReadyError(_HintedError):
    """The segment has no Campaign yet (its creation did not finish)."""


class JobNotResumableError(_HintedError):
    """The job has finished; there is nothing to resume."""

    user_input = True


class StatusMissingError(_HintedError):
    """The status mode was chosen without a status to write."""

    user_input = True


@dataclass(frozen=True, slots=True)
class ItemResult:
    """One customer's outcome, as `assign --json` prints it."""

    customer_id: str
    resolved_id: str | None
    object: str | None
    outcome: str
    error_code: str | None
    message: str | None
    reason: str | None = None
    action: str = "none"

    @classmethod
    def from_item(cls, item: ItemState) -> ItemResult:
        return cls(
            customer_id=item.customer_id,
            resolved_id=item.resolved_id,
            object=item.sobject,
            outcome=item.outcome.value,
            error_code=item.error_code,
            message=item.message,
            reason=item.reason,
            action=item.action.value,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "resolved_id": self.resolved_id,
            "object": self.object,
            "outcome": self.outcome,
            "error_code": self.error_code,
            "message": self.message,
            "reason": self.reason,
            "action": self.action,
        }


class _LazyItemResults(Sequence[ItemResult]):
    """A sequence of `ItemResult` built one at a time when read; each subclass defines how."""

    @abc.abstractmethod
    def __len__(self) -> int: ...

    @abc.abstractmethod
    def _result(self, position: int) -> ItemResult: ...

    @overload
    def __getitem__(self, index: int) -> ItemResult: ...

    @overload
    def __getitem__(self, index: slice) -> list[ItemResult]: ...

    def __getitem__(self, index: int | slice) -> ItemResult | list[ItemResult]:
        positions = range(len(self))
        if isinstance(index, slice):
            return [self._result(position) for position in positions[index]]
        return self._result(positions[index])

    def __iter__(self) -> Iterator[ItemResult]:
        return (self._result(position) for position in range(len(self)))


class ItemResults(_LazyItemResults):
    """The outcomes of a run in input order, each `ItemResult` built when it is read.

    A million customers must not mean a million extra objects held at once, so the
    result keeps the run's items and converts them on access.
    """

    def __init__(self, items: Sequence[ItemState]) -> None:
        self._items = items

    def __len__(self) -> int:
        return len(self._items)

    def _result(self, position: int) -> ItemResult:
        return ItemResult.from_item(self._items[position])


@dataclass(slots=True)
class AssignResult:
    """The result of an assignment (or, in a dry run, its plan).

    `job_id` is None for a dry run. `state` is the job state (`succeeded`,
    `partial`, `failed`, `limit_reached`, or `planned` for a dry run).
    `converted_leads` counts the customers that were converted Leads and were
    replaced by their Contact; those items carry the reason `converted_lead`.
    """

    job_id: str | None
    segment_id: str
    campaign_id: str
    state: str
    route: str
    api_calls: int
    counts: dict[str, int]
    items: Sequence[ItemResult]
    plan: dict[str, Any] | None = None
    repeats: list[Repeat] = field(default_factory=list)
    error: str | None = None
    converted_leads: int = 0

    @property
    def dry_run(self) -> bool:
        return self.job_id is None

    def to_json(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "segment_id": self.segment_id,
            "campaign_id": self.campaign_id,
            "state": self.state,
            "route": self.route,
            "api_calls": self.api_calls,
            "counts": self.counts,
            "items": [item.to_json() for item in self.items],
            "plan": self.plan,
            "repeats": [{"given": r.given, "customer_id": r.customer_id} for r in self.repeats],
            "error": self.error,
            "converted_leads": self.converted_leads,
        }


@dataclass(slots=True)
class _Run:
    """Everything one run of a job needs."""

    client: SalesforceClient
    store: Store
    segment_id: str
    campaign_id: str
    mode: Mode
    status: str | None
    id_field: str
    route: Route | None
    tie_break: TieBreak | None
    remove_responded: bool
    bulk_threshold: int
    progress: Progress
    options: WriteOptions | None
    calls_at_start: int
    job_id: str | None = None
    earlier_calls: int = 0
    resumed: bool = False


# --- public API -------------------------------------------------------------------


def assign_customers(
    client: SalesforceClient,
    store: Store,
    segment_id: str,
    customer_ids: Iterable[str],
    *,
    id_field: str = "auto",
    status: str | None = None,
    mode: str = "add",
    route: str = "auto",
    dry_run: bool = False,
    create_status: bool = False,
    progress: Progress | None = None,
    tie_break: str | None = None,
    remove_responded: bool = False,
    bulk_threshold: int = DEFAULT_BULK_THRESHOLD,
    write_options: WriteOptions | None = None,
    kind: str = "assign",
    spent_api_calls: int = 0,
) -> AssignResult:
    """Assign customers to a segment's Campaign as CampaignMembers.

    Args:
        segment_id: the segment's id, name, key or Campaign id.
        customer_ids: Salesforce ids, emails or external id values.
        id_field: `auto`, `Id`, `Email`, or the API name of an external id field.
        status: the member status to write; None keeps the campaign's default.
            Required in `status` mode.
        mode: `add`, `remove`, `mirror` (add the new, remove the rest, keep members
            who responded unless `remove_responded`), or `status`.
        route: `auto`, `rest` or `bulk`.
        dry_run: plan only; nothing is written to Salesforce or the store.
        create_status: create `status` on the campaign when it is missing.
        tie_break: `newest` or `oldest` to pick among several matching records;
            None reports such customers as `ambiguous`.
        bulk_threshold: rows from which `auto` chooses the Bulk route.
        write_options: concurrency and retry tuning.
        kind: `assign` or `refresh`, recorded on the job.
        spent_api_calls: calls the caller already made for this run (a refresh's
            criteria query), counted in the run's figure.

    Returns:
        The job's result; `state` is `limit_reached` when the daily API limit
        stopped it (resume it later with `resume_job`).

    Raises:
        UnknownStatusError: `status` is not a member status of the campaign.
        SegmentNotReadyError: the segment has no Campaign.
        InputError: an empty id field, or one that is not an External ID or unique
            field of Contact or Lead. It is raised before any job is written.
        SalesforceError: a failure outside the per-row outcomes. The job ends
            `aborted`, and `resume_job` continues it.
        JobLeaseLostError: another process took the job over; it continues the job.
    """
    run_mode = Mode(mode)
    if run_mode is Mode.STATUS and status is None:
        msg = "the status mode needs a status"
        raise StatusMissingError(msg, "pass --status LABEL")

    segment = store.get_segment(segment_id)
    if segment.campaign_id is None:
        msg = f"segment {segment.id} has no Campaign yet"
        raise SegmentNotReadyError(msg, "run `sfseg segments create` again to finish it")

    run = _Run(
        client=client, store=store, segment_id=segment.id, campaign_id=segment.campaign_id,
        mode=run_mode, status=status, id_field=id_field,
        route=None if route == "auto" else Route(route),
        tie_break=TieBreak(tie_break) if tie_break else None,
        remove_responded=remove_responded, bulk_threshold=bulk_threshold,
        progress=progress or Progress(), options=write_options,
        calls_at_start=client.api_calls - spent_api_calls,
    )  # fmt: skip
    # Checked before the job is written: a field that cannot match would abort the job,
    # and every resume of it would fail the same way.
    check_id_field(client, id_field)
    customers = parse_customers(customer_ids, id_field=id_field)

    status_to_create = False
    if status is not None:
        status_to_create = _check_or_create_status(run, status, create=create_status, dry_run=dry_run)

    if dry_run:
        result = _dry_run(run, customers)
        if result.plan is not None:
            result.plan["status_to_create"] = status if status_to_create else None
        return result

    params = {
        "tie_break": tie_break, "remove_responded": remove_responded,
        "route_requested": route, "bulk_threshold": bulk_threshold,
        "repeats": [[r.given, r.customer_id] for r in customers.repeats],
    }  # fmt: skip
    # Written already leased, so a service starting now cannot run it as a `planned` job.
    lease = JobLease(store, new_job_id())
    run.job_id, items = jobs.create_job(
        store, segment_id=run.segment_id, kind=kind, mode=run_mode.value,
        route=route if route != "auto" else Route.REST.value, status_label=status,
        id_field=id_field, params=params, customers=customers, lease=lease,
    )  # fmt: skip
    with lease:
        return _execute(run, items, customers.repeats, lease)


def resume_job(
    client: SalesforceClient,
    store: Store,
    job_id: str,
    *,
    progress: Progress | None = None,
    write_options: WriteOptions | None = None,
) -> AssignResult:
    """Continue a job that was stopped (daily limit, an error) or killed, from its journal.

    Items with a recorded outcome are left alone; items sent without a recorded
    response are looked up before anything is sent again. A `partial` job sends its
    failed rows again.

    Raises:
        JobNotFoundError: no such job.
        JobNotResumableError: the job already finished.
        JobLeaseHeldError: another live process runs the job; nothing was written.
        JobLeaseLostError: another process took the job over mid-run.
    """
    check_resumable(jobs.get_job(store, job_id))
    with JobLease(store, job_id) as lease:
        # Read again under the lease: the run that held it may have finished the job.
        summary = jobs.get_job(store, job_id)
        check_resumable(summary)
        return _resume(client, store, summary, lease, progress, write_options)


def _resume(
    client: SalesforceClient,
    store: Store,
    summary: jobs.JobSummary,
    lease: JobLease,
    progress: Progress | None,
    write_options: WriteOptions | None,
) -> AssignResult:
    job_id = summary.id
    segment = store.get_segment(summary.segment_id)
    assert segment.campaign_id is not None

    params = summary.params
    requested = params.get("route_requested", "auto")
    run = _Run(
        client=client, store=store, segment_id=segment.id, campaign_id=segment.campaign_id,
        mode=Mode(summary.mode), status=summary.status_label, id_field=summary.id_field,
        route=None if requested == "auto" else Route(requested),
        tie_break=TieBreak(params["tie_break"]) if params.get("tie_break") else None,
        remove_responded=bool(params.get("remove_responded")),
        bulk_threshold=int(params.get("bulk_threshold", DEFAULT_BULK_THRESHOLD)),
        progress=progress or Progress(), options=write_options,
        calls_at_start=client.api_calls, job_id=job_id, earlier_calls=summary.api_calls, resumed=True,
    )  # fmt: skip
    items = jobs.load_items(store, job_id)
    for item in items:
        if item.outcome is Outcome.FAILED and summary.state == JobState.PARTIAL:
            # A partial job resumes by trying its failed rows again.
            item.settle(Outcome.PENDING)
            item.answered = True
    repeats = [Repeat(given, customer_id) for given, customer_id in params.get("repeats", [])]
    return _execute(run, items, repeats, lease)


def check_resumable(summary: jobs.JobSummary) -> None:
    """Raise `JobNotResumableError` when the job has finished."""
    if JobState(summary.state) not in jobs.RESUMABLE_STATES:
        msg = (
            f"job {summary.id} has finished ({summary.state}); "
            "only planned, running, partial, limit_reached or aborted jobs resume"
        )
        raise JobNotResumableError(msg, f"see its outcomes with `sfseg jobs show {summary.id}`")


def refresh_segment(
    client: SalesforceClient,
    store: Store,
    segment_id: str,
    *,
    dry_run: bool = False,
    remove_responded: bool = False,
    route: str = "auto",
    progress: Progress | None = None,
    write_options: WriteOptions | None = None,
) -> AssignResult:
    """Make the segment's membership equal its criteria's current matches (mirror sync).

    New matches are added and members who no longer match are removed, except those
    who responded, unless `remove_responded`.
    """
    segment = store.get_segment(segment_id)
    calls_before = client.api_calls
    record_ids = criteria_record_ids(client, segment.soql_contact, segment.soql_lead, bulk=route == "bulk")
    return assign_customers(
        client, store, segment.id, record_ids, id_field="Id", mode=Mode.MIRROR.value,
        route=route, dry_run=dry_run, remove_responded=remove_responded,
        progress=progress, write_options=write_options, kind="refresh",
        spent_api_calls=client.api_calls - calls_before,
    )  # fmt: skip


def criteria_record_ids(
    client: SalesforceClient, soql_contact: str | None, soql_lead: str | None, *, bulk: bool = False
) -> list[str]:
    """Return the ids of the records a segment's canonical SOQL matches now."""
    record_ids: list[str] = []
    for text in (soql_contact, soql_lead):
        if not text:
            continue
        query = replace(soql.parse(text), select=select_query("Contact", ("Id",), None).select)
        query = replace(query, order_by=(), limit=None, offset=None)
        if bulk:
            record_ids.extend(str(record["Id"]) for record in client.bulk2.query(soql.render(query)))
            continue
        batcher = QueryBatcher(client)
        batcher.add(query, lambda record: record_ids.append(str(record["Id"])))
        batcher.run()
    return record_ids


def _check_or_create_status(run: _Run, status: str, *, create: bool, dry_run: bool) -> bool:
    """Return True when a dry run would create the status; create it in a real run."""
    if not (create and dry_run):
        check_status(run.client, run.campaign_id, status, create=create)
        return False
    try:
        check_status(run.client, run.campaign_id, status, create=False)
    except UnknownStatusError:
        return True
    return False


def check_status(client: SalesforceClient, campaign_id: str, status: str, *, create: bool) -> bool:
    """Check `status` is one of the campaign's member statuses; create it when asked.

    Salesforce silently replaces an unknown label with the default status, so the
    check has to happen here, before any member is written.

    Returns:
        True when the status was created.

    Raises:
        UnknownStatusError: the status is missing and `create` is false.
    """
    query = select_query(
        "CampaignMemberStatus", ("Label", "SortOrder"), field_eq("CampaignId", campaign_id)
    )
    rows: list[Mapping[str, Any]] = []
    batcher = QueryBatcher(client)
    batcher.add(query, rows.append)
    batcher.run()
    labels = [str(row["Label"]) for row in rows]
    if status in labels:
        return False
    if not create:
        near = [label for label in labels if label.lower() == status.lower()]
        listed = ", ".join(repr(label) for label in labels) or "(none)"
        msg = f"status {status!r} is not a member status of campaign {campaign_id} (its statuses: {listed})"
        if near:
            msg += f". Did you mean {near[0]!r}?"
        raise UnknownStatusError(msg, "use one of its statuses, or pass --create-status to add it")

    orders = [int(row["SortOrder"]) for row in rows if row.get("SortOrder") is not None]
    client.create(
        "CampaignMemberStatus",
        {"CampaignId": campaign_id, "Label": status, "HasResponded": False,
         "SortOrder": max(orders, default=0) + 1},
    )  # fmt: skip
    logger.info("assign.status_created campaign=%s status=%r", campaign_id, status)
    return True


# --- steps ------------------------------------------------------------------------


def _dry_run(run: _Run, customers: CustomerSet) -> AssignResult:
    resolution, plan = _resolve_and_build_plan(run, customers.customers)
    items = _PlannedItems(customers, resolution, plan)
    counts = dict.fromkeys((*COUNT_KEYS, "pending"), 0)
    for item in items:
        counts[item.outcome] += 1
    planning_calls = _calls(run)
    # The plan's estimate covers writing and reconciling; planning (status check,
    # resolution, member lookup) has been spent already and is counted here.
    summary = {**plan.summary(), "skipped": counts["skipped"], "planning_api_calls": planning_calls,
               "total_api_calls": planning_calls + plan.estimated_api_calls}  # fmt: skip
    return AssignResult(
        job_id=None, segment_id=run.segment_id, campaign_id=run.campaign_id,
        state=JobState.PLANNED.value, route=plan.route.value, api_calls=_calls(run), counts=counts,
        items=items, plan=summary, repeats=list(customers.repeats),
        converted_leads=sum(1 for target in resolution.resolved.values() if target.converted_from),
    )  # fmt: skip


class _PlannedItems(_LazyItemResults):
    """A dry run's items, built on access from the customers, the resolution and the plan.

    A dry run keeps no per-customer object, so planning a million ids stays within the
    memory of the customers mapping and the resolution.
    """

    def __init__(self, customers: CustomerSet, resolution: Resolution, plan: Plan) -> None:
        self._resolution = resolution
        self._rejected = {rejected.customer_id: rejected for rejected in customers.rejected}
        self._rows = {row.customer_id: row for row in plan.rows}
        self._settled = {settled.customer_id: settled for settled in plan.settled}
        known = customers.customers
        extra = [key for key in (*self._rows, *self._settled) if key not in known]
        self._order: list[str] = [*known, *self._rejected, *extra]

    def __len__(self) -> int:
        return len(self._order)

    def _result(self, position: int) -> ItemResult:
        return self._build(self._order[position])

    def _build(self, customer_id: str) -> ItemResult:
        rejected = self._rejected.get(customer_id)
        if rejected is not None:
            return ItemResult(customer_id, None, None, Outcome.SKIPPED.value, None, rejected.message, rejected.reason)
        unresolved = self._resolution.unresolved.get(customer_id)
        if unresolved is not None:
            return ItemResult(customer_id, None, None, Outcome.SKIPPED.value, None, unresolved.message,
                              unresolved.reason)  # fmt: skip
        target = self._resolution.resolved.get(customer_id)
        note = _note(target)
        row = self._rows.get(customer_id)
        if row is not None:
            return ItemResult(customer_id, row.record_id, row.sobject, Outcome.PENDING.value, None, note,
                              CONVERTED_LEAD if note else None, row.action.value)  # fmt: skip
        settled = self._settled[customer_id]
        if note is not None and settled.outcome is Outcome.ALREADY_MEMBER:
            return ItemResult(customer_id, settled.record_id, settled.sobject, settled.outcome.value, None,
                              f"{note}; {settled.message}", CONVERTED_LEAD)  # fmt: skip
        return ItemResult(customer_id, settled.record_id, settled.sobject, settled.outcome.value, None,
                          settled.message, settled.reason)  # fmt: skip


def _note(target: Resolved | None) -> str | None:
    if target is None or target.converted_from is None:
        return None
    return conversion_note(target.converted_from, target.record_id)


class _LeaseCheck(Progress):
    """Passes progress on, and renews the run's lease at each report (every written chunk).

    A renewal that finds another owner raises `JobLeaseLostError`, so the run stops at a
    chunk boundary.
    """

    def __init__(self, inner: Progress, lease: JobLease) -> None:
        self._inner = inner
        self._lease = lease

    def start(self, step: str, total: int | None) -> None:
        self._lease.beat()
        self._inner.start(step, total)

    def advance(self, step: str, amount: int) -> None:
        self._lease.beat()
        self._inner.advance(step, amount)

    def finish(self, step: str) -> None:
        self._inner.finish(step)


def _execute(run: _Run, items: list[ItemState], repeats: Sequence[Repeat], lease: JobLease) -> AssignResult:
    assert run.job_id is not None
    store = run.store
    run.progress = _LeaseCheck(run.progress, lease)
    jobs.set_job_state(store, run.job_id, JobState.RUNNING, api_calls=_calls(run))
    route = Route.REST
    plan_summary: dict[str, Any] | None = None
    phase = "resolve"
    try:
        plan, extra = _plan_remaining(run, items)
        if extra:
            jobs.add_items(store, run.job_id, extra)
            items.extend(extra)
        if plan is not None:
            jobs.save_items(store, items)
            route, plan_summary = plan.route, plan.summary()
        else:
            route = Route(jobs.get_job(store, run.job_id).route)
        jobs.set_job_state(store, run.job_id, JobState.RUNNING, route=route.value,
                           checkpoint={"phase": "write"}, api_calls=_calls(run))  # fmt: skip
        phase = "write"

        written = _write(run, items, route)
        _reconcile(run, items, written, route)
    except (LimitReachedError, QuotaExceededError) as stop:
        # The limit can stop the planning queries as well as the writes.
        cause = stop.cause if isinstance(stop, LimitReachedError) else stop
        record_error(store, operation="assign", error=cause, segment_id=run.segment_id, job_id=run.job_id)
        message = f"Daily API limit reached: {cause.message}. Resume with `sfseg jobs resume {run.job_id}`."
        jobs.set_job_state(store, run.job_id, JobState.LIMIT_REACHED, api_calls=_calls(run),
                           checkpoint={"phase": phase, "stopped_by": "daily_limit"}, error=message)  # fmt: skip
        return _result(run, items, JobState.LIMIT_REACHED, route, plan_summary, repeats, error=message)
    except JobLeaseLostError:
        # The job's state is the new owner's to set now.
        logger.warning("assign.lease_lost job=%s", run.job_id)
        raise
    except StopRequestedError as error:
        # Left `running`, so the service resumes it at its next start.
        record_error(store, operation="assign", error=error, segment_id=run.segment_id, job_id=run.job_id)
        jobs.set_job_state(store, run.job_id, JobState.RUNNING, api_calls=_calls(run),
                           error=f"{error}; resume with `sfseg jobs resume {run.job_id}`")  # fmt: skip
        raise
    except Exception as error:
        # Left `running`, the job would be resumed at every service start and fail the
        # same way; `aborted` waits for a person to run `sfseg jobs resume`.
        _record_abort(run, error)
        jobs.set_job_state(store, run.job_id, JobState.ABORTED, api_calls=_calls(run),
                           checkpoint={"phase": phase, "stopped_by": "error"},
                           error=f"Stopped by an error: {error}. Resume with `sfseg jobs resume {run.job_id}`.")  # fmt: skip
        # The caller gets the error itself, and the note names the job to resume.
        error.add_note(f"Job {run.job_id} is aborted; once the error below is fixed, "
                       f"continue it with `sfseg jobs resume {run.job_id}`.")  # fmt: skip
        raise

    state = jobs.final_state(items)
    jobs.set_job_state(store, run.job_id, state, api_calls=_calls(run), checkpoint={"phase": "done"})
    return _result(run, items, state, route, plan_summary, repeats)


def _record_abort(run: _Run, error: Exception) -> None:
    """Put the error that aborted a job in the error log, with the job's id.

    `record_error` leaves errors in the user's input out of the log, but an aborted job
    is in the log whatever stopped it, so such an error is logged as text.
    """
    store, job_id = run.store, run.job_id
    if record_error(store, operation="assign", error=error, segment_id=run.segment_id, job_id=job_id) is None:
        record_error(store, operation="assign", error=f"job {job_id} aborted: {error}",
                     segment_id=run.segment_id, job_id=job_id)  # fmt: skip


def _plan_remaining(run: _Run, items: list[ItemState]) -> tuple[Plan | None, list[ItemState]]:
    """Resolve and plan the items that have no action yet; None when all are planned."""
    unplanned = [item for item in items if item.outcome is Outcome.PENDING and item.resolved_id is None]
    if not unplanned and not _mirror_unplanned(run, items):
        return None, []
    kinds = parse_customers((item.customer_id for item in unplanned), id_field=run.id_field).customers
    return _resolve_and_plan(run, items, kinds)


def _mirror_unplanned(run: _Run, items: Sequence[ItemState]) -> bool:
    """Return True for a mirror job that is not planned yet.

    Such a job needs a plan even without customers, because a mirror whose input matches
    no record still removes every member that it does not keep. An item with a record
    means that a plan was saved (by a run killed before its checkpoint), so it is kept.
    """
    if run.mode is not Mode.MIRROR or run.job_id is None or any(item.resolved_id for item in items):
        return False
    checkpoint = jobs.get_job(run.store, run.job_id).checkpoint or {}
    return str(checkpoint.get("phase", "resolve")) == "resolve"


def _resolve_and_build_plan(run: _Run, kinds: Mapping[str, CustomerKind]) -> tuple[Resolution, Plan]:
    run.progress.start("resolve", len(kinds))
    resolution = resolve_customers(run.client, kinds, id_field=run.id_field, tie_break=run.tie_break)
    run.progress.advance("resolve", len(kinds))
    run.progress.finish("resolve")

    members = _current_members(run, resolution.resolved)
    usage = run.client.api_usage
    plan = build_plan(
        run.mode, resolution.resolved, members=members, status=run.status,
        remove_responded=run.remove_responded, route=run.route,
        bulk_threshold=run.bulk_threshold, api_budget_left=usage.remaining if usage else None,
    )  # fmt: skip
    return resolution, plan


def _resolve_and_plan(
    run: _Run, items: Sequence[ItemState], kinds: Mapping[str, CustomerKind]
) -> tuple[Plan, list[ItemState]]:
    """Resolve the customers in `kinds`, settle the unresolved and plan the rest.

    Returns the plan and new items for members outside the input (mirror removals).
    """
    resolution, plan = _resolve_and_build_plan(run, kinds)

    by_customer = {item.customer_id: item for item in items}
    for customer_id, unresolved in resolution.unresolved.items():
        by_customer[customer_id].settle(Outcome.SKIPPED, reason=unresolved.reason, message=unresolved.message)
    for customer_id, target in resolution.resolved.items():
        resolved_item = by_customer[customer_id]
        resolved_item.resolved_id, resolved_item.sobject = target.record_id, target.sobject
        resolved_item.note = _note(target)
        if resolved_item.note is not None:
            # Journalled with the pending item, so a resumed job keeps the note.
            resolved_item.reason, resolved_item.message = CONVERTED_LEAD, resolved_item.note

    extra: list[ItemState] = []
    seq = len(items)
    for row in plan.rows:
        item = by_customer.get(row.customer_id)
        if item is None:
            item = ItemState(seq, row.customer_id, resolved_id=row.record_id, sobject=row.sobject)
            seq += 1
            extra.append(item)
        item.action, item.member_id = row.action, row.member_id
    for settled in plan.settled:
        item = by_customer.get(settled.customer_id)
        if item is None:
            item = ItemState(seq, settled.customer_id, resolved_id=settled.record_id, sobject=settled.sobject)
            seq += 1
            extra.append(item)
        item.member_id = settled.member_id
        item.settle(settled.outcome, reason=settled.reason, message=settled.message)
    return plan, extra


def _current_members(run: _Run, resolved: Mapping[str, Resolved]) -> dict[str, Member]:
    """Read the members the plan needs: the whole campaign for a mirror, else those resolved.

    The add mode reads them too, so that the plan (and a dry run) counts customers who
    are members already as unchanged instead of rows to add. From the Bulk threshold on,
    one Bulk query of the campaign costs fewer calls than IN-list queries of the ids.
    """
    if run.mode is Mode.MIRROR or (run.mode is Mode.ADD and len(resolved) >= run.bulk_threshold):
        return campaign_members(run.client, run.campaign_id, bulk=len(resolved) >= run.bulk_threshold)
    pairs = [(target.record_id, target.sobject) for target in resolved.values()]
    return lookup_members(run.client, run.campaign_id, pairs)


def _write(run: _Run, items: Sequence[ItemState], route: Route) -> list[ItemState]:
    """Write the pending rows; return the items written in this run."""
    to_write = [item for item in items if item.outcome is Outcome.PENDING and item.resolved_id]
    writer = Writer(run.client, run.store, run.campaign_id, status=run.status, options=run.options,
                    progress=run.progress, segment_id=run.segment_id, job_id=run.job_id)  # fmt: skip
    if route is Route.BULK:
        writer.write_bulk(to_write)
    else:
        writer.write_rest(to_write)
    return to_write


def _reconcile(run: _Run, items: Sequence[ItemState], written: Sequence[ItemState], route: Route) -> None:
    assert run.job_id is not None
    # A resumed job may have been killed after writing but before reconciling, so it
    # reconciles every row it wrote in any run, and records only events not yet recorded.
    targets = [item for item in items if item.action is not Action.NONE] if run.resumed else list(written)
    run.progress.start("reconcile", len(targets))
    whole = route is Route.BULK and len(targets) >= BULK_RECONCILE_ROWS
    changed = reconcile(run.client, run.campaign_id, targets, status=run.status, whole_campaign=whole)
    jobs.save_items(run.store, changed)
    record_membership_events(run.store, run.segment_id, run.job_id, targets)
    run.progress.advance("reconcile", len(targets))
    run.progress.finish("reconcile")
    if changed:
        logger.warning("assign.reconciled job=%s corrected=%d", run.job_id, len(changed))


def _calls(run: _Run) -> int:
    return run.earlier_calls + run.client.api_calls - run.calls_at_start


def _result(
    run: _Run,
    items: Sequence[ItemState],
    state: JobState,
    route: Route,
    plan: dict[str, Any] | None,
    repeats: Sequence[Repeat],
    *,
    error: str | None = None,
) -> AssignResult:
    counts = dict.fromkeys(COUNT_KEYS, 0)
    counts["pending"] = 0
    converted = 0
    for item in items:
        counts[item.outcome.value] = counts.get(item.outcome.value, 0) + 1
        converted += item.reason == CONVERTED_LEAD
    if plan is not None:
        # The plan counts only resolved customers, so the skipped count comes from the
        # items, which also hold the rejected and unresolved ones.
        plan = {**plan, "skipped": counts["skipped"]}
    return AssignResult(
        job_id=run.job_id, segment_id=run.segment_id, campaign_id=run.campaign_id,
        state=state.value, route=route.value, api_calls=_calls(run), counts=counts,
        items=ItemResults(items), plan=plan,
        repeats=list(repeats), error=error, converted_leads=converted,
    )  # fmt: skip
