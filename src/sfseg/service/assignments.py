"""Accepting an assignment: check it, write it as a `planned` job, hand it to the runner.

The checks are those `assign_customers` makes before it writes its job (mode and
status, segment ready, ids readable, status known), so a bad request gets its error
response at once instead of a job that fails. The job's params are the ones
`assign_customers` records, so `resume_job` runs it exactly as that function would.
"""

from __future__ import annotations

from sfseg.salesforce import SalesforceClient
from sfseg.segments import jobs
from sfseg.segments.assign import SegmentNotReadyError, check_status
from sfseg.segments.customers import parse_customers
from sfseg.segments.plan import DEFAULT_BULK_THRESHOLD, Mode
from sfseg.segments.store import Store
from sfseg.service.models import AssignRequest

__all__ = ["plan_job"]


def plan_job(
    client: SalesforceClient, store: Store, segment_ref: str, request: AssignRequest
) -> str:
    """Write the job for `request` and return its id; nothing is sent to Salesforce but the
    status check.

    Raises:
        SegmentNotFoundError, SegmentNotReadyError, InputError, UnknownStatusError,
        ValueError (status mode without a status).
    """
    mode = Mode(request.mode)
    if mode is Mode.STATUS and request.status is None:
        msg = "mode 'status' needs a status: set \"status\" to a member status label"
        raise ValueError(msg)
    segment = store.get_segment(segment_ref)
    if segment.campaign_id is None:
        msg = f"segment {segment.id} has no Campaign yet; create it again to finish it"
        raise SegmentNotReadyError(msg)

    customers = parse_customers(request.customer_ids, id_field=request.id_field)
    if request.status is not None:
        check_status(client, segment.campaign_id, request.status, create=request.create_status)

    params = {
        "tie_break": request.tie_break,
        "remove_responded": request.remove_responded,
        "route_requested": request.route,
        "bulk_threshold": DEFAULT_BULK_THRESHOLD,
        "repeats": [[r.given, r.customer_id] for r in customers.repeats],
    }
    job_id, _items = jobs.create_job(
        store, segment_id=segment.id, kind="assign", mode=mode.value,
        route="rest" if request.route == "auto" else request.route, status_label=request.status,
        id_field=request.id_field, params=params, customers=customers,
    )  # fmt: skip
    return job_id
