"""Bulk API 2.0 jobs in the sandbox: their states, settings and job-info JSON.

States follow Salesforce: `Open → UploadComplete → InProgress → JobComplete | Failed |
Aborted` for ingest jobs; query jobs start in `UploadComplete`. Job info carries the
documented fields with their wire types: `apiVersion` is a JSON number and `contentUrl`
has no leading slash.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sfseg.soql.ids import to_18

__all__ = [
    "DELIMITERS",
    "INGEST_OPERATIONS",
    "LINE_ENDINGS",
    "QUERY_OPERATIONS",
    "TERMINAL_STATES",
    "BulkApiError",
    "BulkJob",
    "IngestJob",
    "JobState",
    "QueryJob",
    "format_timestamp",
    "new_job_id",
]

# Bulk API 2.0 columnDelimiter names and the characters they stand for.
DELIMITERS = {
    "BACKQUOTE": "`",
    "CARET": "^",
    "COMMA": ",",
    "PIPE": "|",
    "SEMICOLON": ";",
    "TAB": "\t",
}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
INGEST_OPERATIONS = frozenset({"insert", "update", "upsert", "delete", "hardDelete"})
QUERY_OPERATIONS = frozenset({"query", "queryAll"})

# Bulk jobs have key prefix 750.
_JOB_KEY_PREFIX = "750"
_job_numbers = itertools.count(1)
_job_numbers_lock = threading.Lock()


class JobState(StrEnum):
    OPEN = "Open"
    UPLOAD_COMPLETE = "UploadComplete"
    IN_PROGRESS = "InProgress"
    JOB_COMPLETE = "JobComplete"
    FAILED = "Failed"
    ABORTED = "Aborted"


TERMINAL_STATES = frozenset({JobState.JOB_COMPLETE, JobState.FAILED, JobState.ABORTED})


class BulkApiError(Exception):
    """A Bulk API request error, sent as `[{"errorCode", "message"}]` with `http_status`."""

    def __init__(self, error_code: str, message: str, http_status: int = 400) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.message = message
        self.http_status = http_status

    def body(self) -> list[dict[str, Any]]:
        return [{"errorCode": self.error_code, "message": self.message}]


def new_job_id() -> str:
    """Return a fresh 18-character job id with the 750 key prefix."""
    with _job_numbers_lock:
        number = next(_job_numbers)
    return to_18(f"{_JOB_KEY_PREFIX}SB{number:010d}")


def format_timestamp(moment: dt.datetime) -> str:
    """Format a datetime as Salesforce's `2022-01-02T21:33:43.000+0000`."""
    utc = moment.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


@dataclass
class BulkJob:
    """Fields shared by ingest and query jobs."""

    id: str
    operation: str
    object: str
    api_version: str
    created_by_id: str
    created_date: dt.datetime
    column_delimiter: str = "COMMA"
    line_ending: str = "LF"
    state: JobState = JobState.OPEN
    system_modstamp: dt.datetime | None = None
    error_message: str | None = None
    records_processed: int = 0
    processing_ms: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    @property
    def delimiter(self) -> str:
        return DELIMITERS[self.column_delimiter]

    @property
    def newline(self) -> str:
        return LINE_ENDINGS[self.line_ending]

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL_STATES

    def set_state(self, state: JobState, now: dt.datetime) -> None:
        self.state = state
        self.system_modstamp = now

    def _base_info(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "operation": self.operation,
            "object": self.object,
            "createdById": self.created_by_id,
            "createdDate": format_timestamp(self.created_date),
            "systemModstamp": format_timestamp(self.system_modstamp or self.created_date),
            "state": self.state.value,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(self.api_version),
            "lineEnding": self.line_ending,
            "columnDelimiter": self.column_delimiter,
        }


@dataclass
class IngestJob(BulkJob):
    """An ingest job: its uploaded CSV and its per-row results."""

    external_id_field: str | None = None
    upload: bytearray = field(default_factory=bytearray, repr=False)
    uploads: int = 0
    records_failed: int = 0
    # Result rows as (sf__Id, sf__Created or sf__Error, original cells), appended by
    # the processor; unprocessed rows are the upload rows past `records_processed`.
    successes: list[tuple[str, str, list[str]]] = field(default_factory=list, repr=False)
    failures: list[tuple[str, str, list[str]]] = field(default_factory=list, repr=False)
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list, repr=False)

    def info(self, *, detailed: bool) -> dict[str, Any]:
        """Job info as `POST`/`PATCH` (detailed=False) or `GET` (detailed=True) return it."""
        body = self._base_info()
        if self.external_id_field:
            body["externalIdFieldName"] = self.external_id_field
        if self.state is JobState.OPEN:
            body["contentUrl"] = f"services/data/v{self.api_version}/jobs/ingest/{self.id}/batches"
        if detailed:
            body.update(
                {
                    "jobType": "V2Ingest",
                    "numberRecordsProcessed": self.records_processed,
                    "numberRecordsFailed": self.records_failed,
                    "retries": 0,
                    "totalProcessingTime": self.processing_ms,
                    "apiActiveProcessingTime": self.processing_ms,
                    "apexProcessingTime": 0,
                }
            )
            if self.error_message:
                body["errorMessage"] = self.error_message
        return body


@dataclass
class QueryJob(BulkJob):
    """A query job: its SOQL and, once complete, its result pages."""

    query: str = ""
    columns: list[str] = field(default_factory=list)
    results: Any = field(default=None, repr=False)

    def info(self, *, detailed: bool) -> dict[str, Any]:
        """Job info as `POST` (detailed=False) or `GET` (detailed=True) return it."""
        body = self._base_info()
        if detailed:
            body.update(
                {
                    "jobType": "V2Query",
                    "numberRecordsProcessed": self.records_processed,
                    "retries": 0,
                    "totalProcessingTime": self.processing_ms,
                    "isPkChunkingSupported": True,
                }
            )
            if self.error_message:
                body["errorMessage"] = self.error_message
        return body
