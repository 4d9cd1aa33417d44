"""The error log: every error sfseg catches and does not re-raise.

Errors in what the user typed (criteria, names, options, customer files) are left
out: the command reports them at once, and logging them would bury the API failures
that the log is for. Such an exception class sets `user_input = True`.

Each error becomes one `error_log` row in the store and one JSON line in
`errors.jsonl` beside the database (the data directory for PostgreSQL). The JSON line
is written even when the database write fails, so the log survives a broken store.
Messages pass through `redact()` first: the client never puts a token in an error, and
this is the second guard for that rule.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from sfseg.segments.store import Store
from sfseg.segments.store.models import ErrorLogEntry, utcnow

__all__ = ["ErrorRecord", "is_user_input", "list_errors", "record_error", "redact"]

logger = logging.getLogger("sfseg.segments")

_file_lock = threading.Lock()

_SECRET_PATTERNS = (
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9!._~+/=-]+"),
    re.compile(
        r"(?i)((?:access_token|refresh_token|client_secret|assertion|password)[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]+"
    ),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S),
)


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    """One error-log entry as plain data (what `sfseg errors --json` prints)."""

    id: int | None
    at: dt.datetime
    operation: str
    segment_id: str | None
    job_id: str | None
    customer_id: str | None
    http_status: int | None
    error_code: str | None
    message: str
    attempt: int

    @classmethod
    def from_row(cls, row: ErrorLogEntry) -> ErrorRecord:
        return cls(
            id=row.id,
            at=row.at,
            operation=row.operation,
            segment_id=row.segment_id,
            job_id=row.job_id,
            customer_id=row.customer_id,
            http_status=row.http_status,
            error_code=row.error_code,
            message=row.message,
            attempt=row.attempt,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat().replace("+00:00", "Z"),
            "operation": self.operation,
            "segment_id": self.segment_id,
            "job_id": self.job_id,
            "customer_id": self.customer_id,
            "http_status": self.http_status,
            "error_code": self.error_code,
            "message": self.message,
            "attempt": self.attempt,
        }


def redact(text: str) -> str:
    """Replace anything shaped like a bearer token, OAuth secret or private key with `***`."""
    for pattern in _SECRET_PATTERNS:
        if pattern.groups:
            text = pattern.sub(lambda m: m.group(1) + "***", text)
        else:
            text = pattern.sub("***", text)
    return text


def _http_status_of(error: BaseException | str) -> int | None:
    if isinstance(error, str):
        return None
    for attribute in ("status", "http_status", "status_code"):
        value = getattr(error, attribute, None)
        if isinstance(value, int):
            return value
    return None


def _error_code_of(error: BaseException | str) -> str | None:
    if isinstance(error, str):
        return None
    value = getattr(error, "error_code", None)
    if isinstance(value, str) and value:
        return value
    return None


def _message(error: BaseException | str) -> str:
    if isinstance(error, str):
        return redact(error)
    text = str(error) or type(error).__name__
    return redact(text)


def _append_line(store: Store, record: ErrorRecord) -> None:
    path = store.errors_path
    line = json.dumps(record.to_json(), ensure_ascii=False, sort_keys=True)
    with _file_lock:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")


def is_user_input(error: BaseException | str) -> bool:
    """Return True for an error in the user's own input, which the log leaves out."""
    return getattr(type(error), "user_input", False) is True


def record_error(
    store: Store,
    *,
    operation: str,
    error: BaseException | str,
    segment_id: str | None = None,
    job_id: str | None = None,
    customer_id: str | None = None,
    attempt: int = 1,
    http_status: int | None = None,
    error_code: str | None = None,
) -> ErrorRecord | None:
    """Write an error to the error log (store row and JSON line) and return the entry.

    Returns None, and writes nothing, for an error in the user's input (see
    `is_user_input`). `http_status` and `error_code` default to the error's `status` and `error_code`
    attributes, which every `SalesforceError` carries. This function never raises for
    a failed write: a store failure is logged and the JSON line is still written.
    """
    if is_user_input(error):
        return None
    entry = ErrorLogEntry(
        at=utcnow(),
        operation=operation,
        segment_id=segment_id,
        job_id=job_id,
        customer_id=customer_id,
        http_status=http_status if http_status is not None else _http_status_of(error),
        error_code=error_code if error_code is not None else _error_code_of(error),
        message=_message(error),
        attempt=attempt,
    )
    try:
        with store.session() as session:
            session.add(entry)
            session.flush()
            record = ErrorRecord.from_row(entry)
    except SQLAlchemyError as exc:
        logger.warning("error log row not stored (%s); the JSON line is still written", exc)
        record = ErrorRecord.from_row(entry)
    try:
        _append_line(store, record)
    except OSError as exc:
        logger.warning("error log line not written to %s: %s", store.errors_path, exc)
    logger.info(
        "error logged: operation=%s segment=%s job=%s customer=%s code=%s",
        operation,
        segment_id,
        job_id,
        customer_id,
        record.error_code,
    )
    return record


def list_errors(
    store: Store,
    *,
    segment_id: str | None = None,
    job_id: str | None = None,
    since: dt.datetime | None = None,
    limit: int | None = None,
) -> list[ErrorRecord]:
    """Return error-log entries, oldest first, filtered by segment, job and start time."""
    query = select(ErrorLogEntry).order_by(ErrorLogEntry.at, ErrorLogEntry.id)
    if segment_id is not None:
        query = query.where(ErrorLogEntry.segment_id == segment_id)
    if job_id is not None:
        query = query.where(ErrorLogEntry.job_id == job_id)
    if since is not None:
        query = query.where(ErrorLogEntry.at >= since)
    if limit is not None:
        query = query.limit(limit)
    with store.session() as session:
        return [ErrorRecord.from_row(row) for row in session.scalars(query)]
