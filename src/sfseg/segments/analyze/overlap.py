"""Members that the segment shares with each other stored segment.

The count takes one query per other segment and object. One CampaignMember query grouped
by CampaignId would need a semi-join on CampaignMember inside it, and Salesforce rejects
a semi-join on the outer query's own object ("The inner and outer selects should not be
on the same object type"), although the sandbox accepts it.
"""

from __future__ import annotations

from typing import Any

from sfseg.segments.analyze.models import Overlap
from sfseg.segments.analyze.run import _Run
from sfseg.segments.analyze.values import COUNT_N, _int
from sfseg.segments.segment import SegmentInfo
from sfseg.segments.store.models import Segment
from sfseg.soql import builder, render


def _queue_overlap(run: _Run) -> None:
    with run.store.session() as session:
        others = [
            SegmentInfo.from_row(row)
            for row in session.query(Segment).filter(
                Segment.id != run.segment.id, Segment.campaign_id.is_not(None)
            )
        ]
    for other in others:
        assert other.campaign_id is not None
        shared: dict[str, int] = {}
        objects = [o for o in ("Contact", "Lead") if o in run.objects or o == "Contact"]
        for sobject in objects:
            id_field = "ContactId" if sobject == "Contact" else "LeadId"
            theirs = builder.select(
                id_field,
                sobject="CampaignMember",
                where=builder.eq("CampaignId", other.campaign_id),
            )
            where = builder.and_(
                builder.semi_join("Id", run.members(id_field)), builder.semi_join("Id", theirs)
            )
            query = builder.select(COUNT_N, sobject=sobject, where=where)

            def handle(
                rows: list[dict[str, Any]],
                sobject: str = sobject,
                other: SegmentInfo = other,
                shared: dict[str, int] = shared,
                expected: int = len(objects),
            ) -> None:
                shared[sobject] = _int(rows[0].get("n")) if rows else 0
                if len(shared) == expected:
                    assert other.campaign_id is not None
                    run.overlap.append(
                        Overlap(
                            segment_id=other.id,
                            name=other.name,
                            campaign_id=other.campaign_id,
                            shared=sum(shared.values()),
                        )
                    )

            run.batch.query(render(query), handle)
