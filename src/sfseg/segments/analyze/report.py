"""The Reports API run over the segment's Campaign members."""

from __future__ import annotations

from typing import Any

from sfseg.salesforce.errors import NotFoundError, SalesforceError
from sfseg.segments.analyze.models import ReportResult
from sfseg.segments.analyze.run import _Run
from sfseg.segments.analyze.values import _int

__all__ = [
    "REPORT_STATE_KEY",
    "REPORT_NAME",
    "REPORT_GROUPINGS",
]


REPORT_STATE_KEY = "analysis_report_id"
REPORT_NAME = "sfseg segment analysis"
REPORT_GROUPINGS = ("COUNTRY", "LEAD_SOURCE")


def _report_metadata(campaign_id: str) -> dict[str, Any]:
    return {
        "name": REPORT_NAME,
        "reportType": {"type": "CampaignWithCampaignMembers"},
        "reportFormat": "SUMMARY",
        "groupingsDown": [
            {"name": name, "sortOrder": "Asc", "dateGranularity": "None"}
            for name in REPORT_GROUPINGS
        ],
        "aggregates": ["RowCount"],
        "detailColumns": ["MEMBER_ID", "MEMBER_STATUS"],
        "reportFilters": [{"column": "CAMPAIGN_ID", "operator": "equals", "value": campaign_id}],
    }


def _run_report(run: _Run, report_id: str | None) -> ReportResult:
    overrides = {
        "reportFilters": [{"column": "CAMPAIGN_ID", "operator": "equals", "value": run.campaign_id}]
    }
    chosen = report_id or run.store.get_state(REPORT_STATE_KEY)
    try:
        if chosen is None:
            chosen = run.client.reports.create(_report_metadata(run.campaign_id))
            run.store.set_state(REPORT_STATE_KEY, chosen)
        try:
            result = run.client.reports.run(chosen, overrides=overrides)
        except NotFoundError:
            if report_id is not None:
                raise
            # The stored report was deleted in Salesforce; make it again once.
            chosen = run.client.reports.create(_report_metadata(run.campaign_id))
            run.store.set_state(REPORT_STATE_KEY, chosen)
            result = run.client.reports.run(chosen, overrides=overrides)
    except SalesforceError as exc:
        from sfseg.segments.errorlog import record_error

        record_error(run.store, operation="analyze.report", error=exc, segment_id=run.segment.id)
        return ReportResult(report_id=chosen, error=str(exc))
    rows = [
        {
            **row.groupings,
            **{k: _int(v) if k == "RowCount" else v for k, v in row.aggregates.items()},
        }
        for row in result.rows
    ]
    return ReportResult(
        report_id=chosen,
        groupings=list(result.grouping_columns),
        rows=rows,
        grand_total=dict(result.grand_total),
        truncated=result.truncated,
    )
