"""A hand-made analysis with known numbers, for the report tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sfseg.segments.analyze import Analysis


def sample_analysis(name: str = "EU banking", **changes: Any) -> Analysis:
    data: dict[str, Any] = {
        "segment_id": "seg_0123456789ab",
        "name": name,
        "campaign_id": "701000000000001AAA",
        "target": "both",
        "analyzed_at": dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC),
        "size": {
            "members": 120, "contacts": 90, "leads": 30, "responded": 18, "response_rate": 0.15,
            "by_status": {"Added": 102, "Responded": 18},
        },
        "demographics": {
            "country": {
                "name": "country",
                "fields": {"Contact": "MailingCountry", "Lead": "Country"},
                "values": [
                    {"value": "Germany", "count": 80, "share": 0.6667, "population_count": 200,
                     "population_share": 0.2, "lift": 3.33},
                    {"value": "France", "count": 30, "share": 0.25, "population_count": 500,
                     "population_share": 0.5, "lift": 0.5},
                    {"value": None, "count": 10, "share": 0.0833, "population_count": 300,
                     "population_share": 0.3, "lift": 0.28},
                ],
            },
        },
        "behaviour": {
            "opportunities": {
                "contact_roles": {"count": 12, "open": 5, "won": 4, "lost": 3,
                                  "won_amount": Decimal("250000.50"), "win_rate": 0.5714},
            },
            "cases": {"count": 7, "open": 2, "by_priority": {"High": 3, "Low": 4}},
            "activities": {"tasks_last_90_days": 40, "events_last_90_days": 9,
                           "last_activity_date": dt.date(2026, 2, 27)},
        },
        "report": {
            "report_id": "00O000000000001AAA",
            "groupings": ["COUNTRY"],
            "rows": [{"COUNTRY": "Germany", "RowCount": 80}, {"COUNTRY": "France", "RowCount": 30}],
            "grand_total": {"RowCount": Decimal(110)},
        },
        "overlap": [
            {"segment_id": "seg_aaaaaaaaaaaa", "name": "DACH leads", "campaign_id": "701000000000002AAA", "shared": 25},
        ],
        "api_calls": 6,
    }  # fmt: skip
    data.update(changes)
    return Analysis(**data)
