"""The Reports API run over the segment's Campaign members."""

from __future__ import annotations

import hashlib
from typing import Any

from sfseg.salesforce.errors import NotFoundError, SalesforceError
from sfseg.segments.analyze.models import ReportResult
from sfseg.segments.analyze.run import _Run
from sfseg.segments.analyze.values import _int
from sfseg.soql import ids

__all__ = [
    "REPORT_GROUPINGS",
    "REPORT_NAME",
    "REPORT_STATE_KEY",
    "report_state_key",
    "ReportNotFoundError",
    "check_report_id",
]

# Key prefix of Report record ids.
REPORT_KEY_PREFIX = "00O"


class ReportNotFoundError(ValueError):
    """The report id the caller gave is malformed or names no report in Salesforce."""

    # An error in the user's input, not an API failure: the error log leaves it out.
    user_input = True


def check_report_id(report_id: str) -> None:
    """Raise `ReportNotFoundError` unless `report_id` is shaped like a Report id."""
    if not (ids.is_salesforce_id(report_id) and report_id.startswith(REPORT_KEY_PREFIX)):
        msg = (
            f"report id {report_id!r} is not a Report id: a report id has 15 or 18 "
            f"characters and starts with {REPORT_KEY_PREFIX}"
        )
        raise ReportNotFoundError(msg)


REPORT_STATE_KEY = "analysis_report_id"


def report_state_key(instance_url: str) -> str:
    """Return the store key of the analysis report made in the org at `instance_url`.

    One store may serve several orgs (profiles), and a report id is only valid in its own.
    """
    digest = hashlib.sha256(instance_url.encode()).hexdigest()[:24]
    return f"{REPORT_STATE_KEY}:{digest}"
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
    state_key = report_state_key(run.client.instance_url)
    chosen = report_id or run.store.get_state(state_key)
    origin = "given" if report_id is not None else "reused"
    try:
        if chosen is None:
            chosen, origin = run.client.reports.create(_report_metadata(run.campaign_id)), "created"
            run.store.set_state(state_key, chosen)
        try:
            result = run.client.reports.run(chosen, overrides=overrides)
        except NotFoundError as exc:
            if report_id is not None:
                msg = f"report {report_id} not found in Salesforce ({exc.error_code or exc.status})"
                raise ReportNotFoundError(msg) from exc
            # The stored report was deleted in Salesforce; make it again once.
            chosen, origin = run.client.reports.create(_report_metadata(run.campaign_id)), "created"
            run.store.set_state(state_key, chosen)
            result = run.client.reports.run(chosen, overrides=overrides)
    except SalesforceError as exc:
        from sfseg.segments.errorlog import record_error

        record_error(run.store, operation="analyze.report", error=exc, segment_id=run.segment.id)
        return ReportResult(report_id=chosen, origin=origin, error=str(exc))
    rows = [
        {
            **row.groupings,
            **{k: _int(v) if k == "RowCount" else v for k, v in row.aggregates.items()},
        }
        for row in result.rows
    ]
    return ReportResult(
        report_id=chosen,
        name=result.report_name or None,
        origin=origin,
        groupings=list(result.grouping_columns),
        rows=rows,
        grand_total=dict(result.grand_total),
        truncated=result.truncated,
    )
