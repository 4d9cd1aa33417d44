"""Reports (Analytics) API in the sandbox: report types, stored reports and runs."""

from __future__ import annotations

from sfseg.sandbox.reports.run import ReportError, run_report
from sfseg.sandbox.reports.store import ReportSettings, ReportStore, report_store
from sfseg.sandbox.reports.types import REPORT_TYPES, ReportColumn, ReportType

__all__ = [
    "REPORT_TYPES",
    "ReportColumn",
    "ReportError",
    "ReportSettings",
    "ReportStore",
    "ReportType",
    "report_store",
    "run_report",
]
