"""Member counts of a segment, with a converted lead counted once as its contact."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sfseg.segments.analyze.models import Size
from sfseg.segments.analyze.run import _Run
from sfseg.segments.analyze.values import COUNT_N, _int, _ratio
from sfseg.soql import builder, render


def _queue_size(run: _Run) -> None:
    grouped = ("Type", "Status", "HasResponded")
    query = builder.select(
        *grouped, COUNT_N, sobject="CampaignMember",
        where=builder.eq("CampaignId", run.campaign_id), group_by=grouped,
    )  # fmt: skip

    def handle(rows: list[dict[str, Any]]) -> None:
        for row in rows:
            key = (
                str(row.get("Type") or ""),
                str(row.get("Status") or ""),
                bool(row.get("HasResponded")),
            )
            run.type_status[key] = run.type_status.get(key, 0) + _int(row.get("n"))

    run.batch.query(render(query), handle)


def _queue_duals(run: _Run) -> None:
    """Count lead members whose converted contact is a member too (all, and responded)."""
    member_contacts = run.members("ContactId")
    for responded in (False, True):
        leads = run.members("LeadId", builder.eq("HasResponded", True) if responded else None)
        where = builder.and_(
            builder.semi_join("Id", leads),
            builder.semi_join("ConvertedContactId", member_contacts),
        )
        query = builder.select(COUNT_N, sobject="Lead", where=where)

        def handle(rows: list[dict[str, Any]], responded: bool = responded) -> None:
            count = _int(rows[0].get("n")) if rows else 0
            if responded:
                run.dual_responded = count
            else:
                run.duals = count

        run.batch.query(render(query), handle)


def _segment_totals(run: _Run) -> dict[str, int]:
    totals = {"Contact": 0, "Lead": 0}
    for (kind, _status, _responded), n in run.type_status.items():
        if kind in totals:
            totals[kind] += n
    totals["Lead"] -= run.duals
    return totals


def _member_rows(run: _Run) -> dict[str, int]:
    rows = {"Contact": 0, "Lead": 0}
    for (kind, _status, _responded), n in run.type_status.items():
        if kind in rows:
            rows[kind] += n
    return rows


def _size(run: _Run) -> Size:
    by_status: dict[str, int] = defaultdict(int)
    responded = 0
    for (_kind, status, has_responded), n in run.type_status.items():
        by_status[status] += n
        responded += n if has_responded else 0
    totals = _segment_totals(run)
    members = totals["Contact"] + totals["Lead"]
    responded -= run.dual_responded
    return Size(
        members=members,
        contacts=totals["Contact"],
        leads=totals["Lead"],
        responded=responded,
        response_rate=_ratio(responded, members),
        by_status=dict(sorted(by_status.items())),
        leads_counted_as_contacts=run.duals,
    )
