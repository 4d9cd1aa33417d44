"""Reports and Dashboards REST API: list, describe, run, create and delete reports.

A run returns Salesforce's `factMap`; `ReportRun` turns it into tidy rows (see
`reports_factmap`). Salesforce returns at most 2,000 detail rows per run and flags the
cut with `allData: false`, which `ReportRun.truncated` reports. Aggregates such as
`RowCount` still cover every row.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sfseg.salesforce import wire
from sfseg.salesforce.reports_factmap import ReportRow, ReportRun, parse_report_run

if TYPE_CHECKING:
    from sfseg.salesforce.client import SalesforceClient

__all__ = ["ReportRow", "ReportRun", "Reports"]


class Reports:
    """The Analytics API of one org (use `client.reports`); each method is one API call."""

    def __init__(self, client: SalesforceClient) -> None:
        self._client = client

    def _path(self, suffix: str) -> str:
        return self._client.data_path(f"analytics/{suffix}")

    def _report_path(self, report_id: str, suffix: str = "") -> str:
        path = f"reports/{quote(report_id, safe='')}"
        return self._path(f"{path}/{suffix}" if suffix else path)

    def list(self) -> list[dict[str, Any]]:
        """Return the recently viewed reports: `id`, `name`, `url`, `describeUrl`, ..."""
        body = wire.loads(self._client.request("GET", self._path("reports"), replay_safe=True).content)
        return list(body)

    def describe(self, report_id: str) -> dict[str, Any]:
        """Return `reportMetadata`, `reportExtendedMetadata` and `reportTypeMetadata`."""
        response = self._client.request("GET", self._report_path(report_id, "describe"), replay_safe=True)
        result: dict[str, Any] = wire.loads(response.content)
        return result

    def report_types(self) -> builtins.list[dict[str, Any]]:
        """Return the report types grouped by category, as `/analytics/reportTypes` lists them."""
        body = wire.loads(self._client.request("GET", self._path("reportTypes"), replay_safe=True).content)
        return list(body)

    def run(
        self,
        report_id: str,
        *,
        overrides: Mapping[str, Any] | None = None,
        include_details: bool = False,
    ) -> ReportRun:
        """Run a report synchronously and parse the result.

        Args:
            report_id: the report's id (`00O...`).
            overrides: `reportMetadata` keys to change for this run only
                (`reportFilters`, `reportBooleanFilter`, `groupingsDown`, `aggregates`,
                `detailColumns`); Salesforce does not save them.
            include_details: ask for detail rows (at most 2,000; see `truncated`).

        Raises:
            SalesforceError: the run failed, e.g. the hourly run limit was reached.
        """
        params = {"includeDetails": "true" if include_details else "false"}
        path = self._report_path(report_id)
        if overrides:
            body = {"reportMetadata": dict(overrides)}
            response = self._client.request("POST", path, params=params, json=body, replay_safe=True)
        else:
            response = self._client.request("GET", path, params=params, replay_safe=True)
        return parse_report_run(wire.loads(response.content))

    def create(self, report_metadata: Mapping[str, Any]) -> str:
        """Create a report from `reportMetadata` (name, reportType, columns, ...); return its id."""
        # A replayed create would make a second report, so it is never replayed.
        response = self._client.request(
            "POST", self._path("reports"), json={"reportMetadata": dict(report_metadata)}, replay_safe=False
        )
        body = wire.loads(response.content)
        return str(body["reportMetadata"]["id"])

    def delete(self, report_id: str) -> None:
        """Delete a report."""
        self._client.request("DELETE", self._report_path(report_id), replay_safe=True)
