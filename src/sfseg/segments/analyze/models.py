"""Result models of a segment analysis."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

__all__ = [
    "Size",
    "DemographicValue",
    "Demographic",
    "OpportunityStats",
    "CaseStats",
    "ActivityStats",
    "Behaviour",
    "ReportResult",
    "Overlap",
    "Analysis",
]


class Size(BaseModel):
    """Member counts. A lead whose converted contact is also a member counts once, as the
    contact (`leads_counted_as_contacts` of them); `by_status` counts member records."""

    members: int
    contacts: int
    leads: int
    responded: int
    response_rate: float | None
    by_status: dict[str, int]
    leads_counted_as_contacts: int = 0


class DemographicValue(BaseModel):
    value: str | None
    count: int
    share: float | None
    population_count: int
    population_share: float | None
    lift: float | None


class Demographic(BaseModel):
    name: str
    fields: dict[str, str]
    values: list[DemographicValue]
    sliced: bool = False


class OpportunityStats(BaseModel):
    count: int = 0
    open: int = 0
    won: int = 0
    lost: int = 0
    won_amount: Decimal = Decimal(0)
    win_rate: float | None = None
    average_deal_size: Decimal | None = None
    last_close_date: dt.date | None = None


class CaseStats(BaseModel):
    count: int = 0
    open: int = 0
    by_priority: dict[str, int] = Field(default_factory=dict)


class ActivityStats(BaseModel):
    tasks_last_90_days: int = 0
    events_last_90_days: int = 0
    last_activity_date: dt.date | None = None


class Behaviour(BaseModel):
    opportunities: dict[str, OpportunityStats] = Field(default_factory=dict)
    cases: CaseStats = Field(default_factory=CaseStats)
    activities: ActivityStats = Field(default_factory=ActivityStats)
    campaign: dict[str, Decimal | int | None] = Field(default_factory=dict)


class ReportResult(BaseModel):
    """One Reports API run; `origin` is where the report came from: `given` (the
    caller's id), `created` (sfseg made it now) or `reused` (sfseg made it earlier)."""

    report_id: str | None
    name: str | None = None
    origin: str | None = None
    groupings: list[str] = Field(default_factory=list)
    rows: list[dict[str, Any]] = Field(default_factory=list)
    grand_total: dict[str, Decimal | None] = Field(default_factory=dict)
    truncated: bool = False
    error: str | None = None


class Overlap(BaseModel):
    segment_id: str
    name: str
    campaign_id: str
    shared: int


class Analysis(BaseModel):
    """The analysis of one segment; `model_dump(mode="json")` is the `--json` output."""

    segment_id: str
    name: str
    campaign_id: str
    target: str
    analyzed_at: dt.datetime
    size: Size
    demographics: dict[str, Demographic]
    behaviour: Behaviour
    report: ReportResult | None
    overlap: list[Overlap]
    api_calls: int
    population_as_of: dt.datetime | None = None
    notes: list[str] = Field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
