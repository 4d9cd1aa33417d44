"""Reports stored in the sandbox, the hourly run limit, and the sample org's reports.

Reports live in memory for the life of the server. When the org contains campaigns, the
first reports request adds a few reports a marketing team would keep, so the sample
org has reports to list and run.
"""

from __future__ import annotations

import collections
import copy
import datetime as dt
import itertools
import sqlite3
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sfseg.sandbox.reports.run import ReportError, extended_metadata
from sfseg.sandbox.reports.types import ReportType, get_report_type
from sfseg.soql.ids import to_18

if TYPE_CHECKING:
    from sfseg.sandbox.state import SandboxState

__all__ = [
    "HOURLY_SYNC_RUN_LIMIT",
    "ReportSettings",
    "ReportStore",
    "new_instance_id",
    "report_store",
]

# Salesforce allows 500 synchronous report runs per org per hour.
HOURLY_SYNC_RUN_LIMIT = 500
_REPORT_KEY_PREFIX = "00O"
_INSTANCE_KEY_PREFIX = "0LG"
_RUN_WINDOW = dt.timedelta(hours=1)
_REPORT_FORMATS = frozenset({"TABULAR", "SUMMARY", "MATRIX", "MULTI_BLOCK"})
_numbers = itertools.count(1)
_numbers_lock = threading.Lock()

_stores: weakref.WeakKeyDictionary[Any, ReportStore] = weakref.WeakKeyDictionary()
_stores_lock = threading.Lock()


def report_store(state: SandboxState) -> ReportStore:
    """Return the report store of a sandbox, creating (and seeding) it on first use."""
    with _stores_lock:
        store = _stores.get(state.org)
        if store is None:
            store = ReportStore()
            _stores[state.org] = store
    store.seed_once(state)
    return store


def _new_report_id(prefix: str = _REPORT_KEY_PREFIX) -> str:
    with _numbers_lock:
        number = next(_numbers)
    return to_18(f"{prefix}SB{number:010d}")


def new_instance_id() -> str:
    """Return a fresh id for an asynchronous report run (key prefix 0LG)."""
    return _new_report_id(_INSTANCE_KEY_PREFIX)


@dataclass
class ReportSettings:
    """Reports API behaviour of one sandbox; tests change these on the live store."""

    hourly_run_limit: int = HOURLY_SYNC_RUN_LIMIT


@dataclass
class StoredReport:
    id: str
    report_type: ReportType
    metadata: dict[str, Any]


@dataclass
class ReportStore:
    """The reports of one org and its recent runs."""

    settings: ReportSettings = field(default_factory=ReportSettings)
    reports: dict[str, StoredReport] = field(default_factory=dict)
    runs: collections.deque[dt.datetime] = field(default_factory=collections.deque)
    # Finished asynchronous runs by instance id: (report id, result body).
    instances: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    seeded: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def create(self, metadata: Mapping[str, Any]) -> StoredReport:
        """Store a report from its `reportMetadata`; raise ReportError for a bad definition."""
        type_name = str((metadata.get("reportType") or {}).get("type") or "")
        report_type = get_report_type(type_name)
        if report_type is None:
            message = f"The report type {type_name!r} is not valid; list the types at /analytics/reportTypes"
            raise ReportError(message)
        report_format = str(metadata.get("reportFormat") or ("SUMMARY" if metadata.get("groupingsDown") else "TABULAR"))
        if report_format not in _REPORT_FORMATS:
            message = f"The report format {report_format!r} is not valid; use TABULAR or SUMMARY"
            raise ReportError(message)
        name = str(metadata.get("name") or "").strip()
        if not name:
            message = "A report needs a name in reportMetadata.name"
            raise ReportError(message)
        report_id = _new_report_id()
        stored_metadata = _normalized(report_type, report_id, name, report_format, metadata)
        extended_metadata(report_type, stored_metadata)  # raises for unknown columns
        report = StoredReport(report_id, report_type, stored_metadata)
        with self.lock:
            self.reports[report_id] = report
        return report

    def get(self, report_id: str) -> StoredReport:
        report = self.reports.get(report_id) or self.reports.get(_to_18_or_none(report_id) or "")
        if report is None:
            message = "The requested resource does not exist"
            raise ReportError(message, "NOT_FOUND", 404)
        return report

    def delete(self, report_id: str) -> None:
        report = self.get(report_id)
        with self.lock:
            self.reports.pop(report.id, None)

    def count_run(self, now: dt.datetime) -> None:
        """Count one synchronous run; raise ReportError when the hourly limit is reached."""
        with self.lock:
            while self.runs and now - self.runs[0] >= _RUN_WINDOW:
                self.runs.popleft()
            limit = self.settings.hourly_run_limit
            if len(self.runs) >= limit:
                # NOTE: the message is Salesforce's; its errorCode is not documented.
                message = f"You can't run more than {limit} reports synchronously every 60 minutes. Try again later."
                raise ReportError(message, "FORBIDDEN", 403)
            self.runs.append(now)

    def limits(self, now: dt.datetime) -> dict[str, dict[str, int]]:
        """Return the `/limits` entry this store draws down, in Salesforce's shape."""
        with self.lock:
            recent = sum(1 for moment in self.runs if now - moment < _RUN_WINDOW)
        limit = self.settings.hourly_run_limit
        return {"HourlySyncReportRuns": {"Max": limit, "Remaining": max(limit - recent, 0)}}

    def seed_once(self, state: SandboxState) -> None:
        with self.lock:
            if self.seeded:
                return
            self.seeded = True
        if _has_campaigns(state):
            for metadata in _SAMPLE_REPORTS:
                self.create(metadata)


def _to_18_or_none(value: str) -> str | None:
    try:
        return to_18(value)
    except ValueError:
        return None


def _normalized(
    report_type: ReportType, report_id: str, name: str, report_format: str, metadata: Mapping[str, Any]
) -> dict[str, Any]:
    detail_columns = list(metadata.get("detailColumns") or report_type.default_columns)
    return {
        "id": report_id,
        "name": name,
        "developerName": "".join(ch if ch.isalnum() else "_" for ch in name),
        "description": metadata.get("description"),
        "folderId": metadata.get("folderId"),
        "reportType": {"type": report_type.type, "label": report_type.label},
        "reportFormat": report_format,
        "detailColumns": detail_columns,
        "groupingsDown": copy.deepcopy(list(metadata.get("groupingsDown") or [])),
        "groupingsAcross": [],
        "aggregates": list(metadata.get("aggregates") or ["RowCount"]),
        "reportFilters": copy.deepcopy(list(metadata.get("reportFilters") or [])),
        "reportBooleanFilter": metadata.get("reportBooleanFilter"),
        "hasDetailRows": True,
        "hasRecordCount": True,
        "currency": None,
        "scope": "organization",
        "showGrandTotal": True,
        "showSubtotals": True,
        "standardDateFilter": None,
    }


def _has_campaigns(state: SandboxState) -> bool:
    store = state.org.store
    try:
        with store.lock:
            row = store.connection.execute('SELECT 1 FROM "Campaign" WHERE IsDeleted = 0 LIMIT 1').fetchone()
    except sqlite3.Error:
        return False
    return row is not None


_SAMPLE_REPORTS: list[dict[str, Any]] = [
    {
        "name": "Campaign Members by Status",
        "reportType": {"type": "CampaignWithCampaignMembers"},
        "reportFormat": "SUMMARY",
        "detailColumns": ["MEMBER_ID", "FIRST_NAME", "LAST_NAME", "EMAIL", "MEMBER_CREATED_DATE"],
        "groupingsDown": [
            {"name": "CAMPAIGN_NAME", "sortOrder": "Asc", "dateGranularity": "None"},
            {"name": "MEMBER_STATUS", "sortOrder": "Asc", "dateGranularity": "None"},
        ],
        "aggregates": ["RowCount"],
    },
    {
        "name": "Campaign Member Demographics",
        "reportType": {"type": "CampaignWithCampaignMembers"},
        "reportFormat": "SUMMARY",
        "detailColumns": ["MEMBER_ID", "FIRST_NAME", "LAST_NAME", "TITLE", "COUNTRY", "ANNUAL_REVENUE"],
        "groupingsDown": [
            {"name": "INDUSTRY", "sortOrder": "Asc", "dateGranularity": "None"},
            {"name": "LEAD_SOURCE", "sortOrder": "Asc", "dateGranularity": "None"},
        ],
        "aggregates": ["RowCount", "s!ANNUAL_REVENUE"],
    },
    {
        "name": "Contacts by Lead Source",
        "reportType": {"type": "ContactList"},
        "reportFormat": "SUMMARY",
        "detailColumns": ["CONTACT_ID", "FIRST_NAME", "LAST_NAME", "EMAIL", "ACCOUNT.NAME"],
        "groupingsDown": [{"name": "LEAD_SOURCE", "sortOrder": "Asc", "dateGranularity": "None"}],
        "aggregates": ["RowCount"],
    },
]
