"""The state of one analysis run and the segment it analyzes."""

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
from sfseg.soql import ast, builder


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

    def members(self, id_field: str = "ContactId", extra: ast.Condition | None = None) -> ast.Query:
        """Return the subquery that selects `id_field` of the segment's CampaignMember rows."""
        where = builder.and_(builder.eq("CampaignId", self.campaign_id), extra)
        return builder.select(id_field, sobject="CampaignMember", where=where)

    def object_filter(self, sobject: str) -> ast.Condition:
        """Return the condition that keeps the members among `sobject` records."""
        return builder.semi_join(
            "Id", self.members("ContactId" if sobject == "Contact" else "LeadId")
        )


def _load_segment(store: Store, segment_id: str) -> SegmentInfo:
    with store.session() as session:
        row = store.find_segment(session, segment_id)
        info = SegmentInfo.from_row(row)
    if info.campaign_id is None:
        msg = f"segment {info.name} ({info.id}) has no Campaign yet; run `sfseg segments create` again to finish it"
        raise ValueError(msg)
    return info
