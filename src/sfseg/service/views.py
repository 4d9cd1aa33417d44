"""Store rows and library results turned into the API's response models."""

from __future__ import annotations

from typing import Any

from sfseg.segments.errorlog import ErrorRecord
from sfseg.segments.jobs import JobSummary
from sfseg.segments.lease import LeaseHolder, holder_of
from sfseg.segments.segment import SegmentInfo
from sfseg.segments.store.models import Job, JobItem
from sfseg.service.models import ErrorOut, ItemOut, JobOut, LeaseOut, MemberStatusOut, SegmentOut

__all__ = ["error_view", "item_view", "job_row_view", "job_view", "lease_view", "segment_view"]


def segment_view(info: SegmentInfo) -> SegmentOut:
    return SegmentOut(
        id=info.id,
        key=info.key,
        name=info.name,
        description=info.description,
        target=info.target,  # type: ignore[arg-type]
        criteria_kind=info.criteria_kind,  # type: ignore[arg-type]
        criteria=info.criteria_text,
        soql=info.soql,
        campaign_id=info.campaign_id,
        statuses=[MemberStatusOut(**status.to_json()) for status in info.statuses],
        created_at=info.created_at,
        updated_at=info.updated_at,
    )


def job_view(summary: JobSummary, *, active: bool) -> JobOut:
    return JobOut(
        id=summary.id,
        segment_id=summary.segment_id,
        kind=summary.kind,
        mode=summary.mode,
        state=summary.state,  # type: ignore[arg-type]
        route=summary.route,
        status=summary.status_label,
        id_field=summary.id_field,
        api_calls=summary.api_calls,
        error=summary.error,
        created_at=summary.created_at,
        started_at=summary.started_at,
        finished_at=summary.finished_at,
        counts=summary.counts,
        active=active,
        lease=lease_view(summary.lease),
    )


def job_row_view(job: Job, counts: dict[str, int], *, active: bool) -> JobOut:
    """A job row with its outcome counts, for listings that count many jobs at once."""
    return JobOut(
        id=job.id,
        segment_id=job.segment_id,
        kind=job.kind,
        mode=job.mode,
        state=job.state,  # type: ignore[arg-type]
        route=job.route,
        status=job.status_label,
        id_field=job.id_field,
        api_calls=job.api_calls,
        error=job.error,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        counts=counts,
        active=active,
        lease=lease_view(holder_of(job)),
    )


def lease_view(holder: LeaseHolder | None) -> LeaseOut | None:
    if holder is None:
        return None
    return LeaseOut(
        host=holder.host, pid=holder.pid, since=holder.since, expires_at=holder.expires_at,
        live=holder.is_live(),
    )  # fmt: skip


def item_view(row: JobItem) -> ItemOut:
    return ItemOut(
        seq=row.seq,
        customer_id=row.customer_id,
        resolved_id=row.resolved_id,
        object=row.object,
        action=row.action,
        outcome=row.outcome,
        reason=row.reason,
        error_code=row.error_code,
        message=row.message,
        fields=row.fields,
        campaign_member_id=row.campaign_member_id,
        attempts=row.attempts,
    )


def error_view(record: ErrorRecord) -> ErrorOut:
    assert record.id is not None
    data: dict[str, Any] = {
        "id": record.id, "at": record.at, "operation": record.operation,
        "segment_id": record.segment_id, "job_id": record.job_id,
        "customer_id": record.customer_id, "http_status": record.http_status,
        "error_code": record.error_code, "message": record.message, "attempt": record.attempt,
    }  # fmt: skip
    return ErrorOut(**data)
