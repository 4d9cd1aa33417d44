"""The state of one analysis run and the segment it analyzes.

NOTE: the analysis modules write their aggregate SOQL as f-strings. Every value goes
through `sfseg.soql.format_literal` and every field name comes from describe or a
constant, but the statements are not built as `sfseg.soql` trees as the rest of the
product's SOQL is.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sfseg.segments.analyze.batching import _Batcher
from sfseg.segments.analyze.dimensions import Dimension
from sfseg.segments.analyze.models import Behaviour, Overlap
from sfseg.segments.criteria.metadata import MetadataCache
from sfseg.segments.segment import SegmentInfo
from sfseg.segments.store import Store
from sfseg.soql import format_literal


@dataclass
class _Counts:
    """Value counts of one dimension on one side (segment or population)."""

    values: dict[str | None, int] = field(default_factory=lambda: defaultdict(int))
    sliced: bool = False


@dataclass
class _Run:
    client: Any
    store: Store
    segment: SegmentInfo
    dimensions: tuple[Dimension, ...]
    objects: tuple[str, ...]
    metadata: MetadataCache
    batch: _Batcher
    notes: list[str] = field(default_factory=list)
    type_status: dict[tuple[str, str, bool], int] = field(default_factory=dict)
    duals: int = 0
    dual_responded: int = 0
    seg: dict[tuple[str, str], _Counts] = field(default_factory=dict)
    pop: dict[tuple[str, str], _Counts] = field(default_factory=dict)
    last_activity: dt.date | None = None
    behaviour: Behaviour = field(default_factory=Behaviour)
    overlap: list[Overlap] = field(default_factory=list)
    population_as_of: dt.datetime | None = None

    @property
    def campaign_id(self) -> str:
        assert self.segment.campaign_id is not None
        return self.segment.campaign_id

    def member_filter(self, id_field: str = "ContactId", extra: str = "") -> str:
        where = f"CampaignId = {format_literal(self.campaign_id)}{extra}"
        return f"(SELECT {id_field} FROM CampaignMember WHERE {where})"

    def object_filter(self, sobject: str) -> str:
        if sobject == "Contact":
            return f"Id IN {self.member_filter('ContactId')}"
        # A lead member that is also present as its converted contact counts as the contact.
        return f"Id IN {self.member_filter('LeadId')}"


def _load_segment(store: Store, segment_id: str) -> SegmentInfo:
    with store.session() as session:
        row = store.find_segment(session, segment_id)
        info = SegmentInfo.from_row(row)
    if info.campaign_id is None:
        msg = f"segment {info.name} ({info.id}) has no Campaign yet; run `sfseg segments create` again to finish it"
        raise ValueError(msg)
    return info
