"""The error log: one store row and one JSON line per caught error."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from sfseg.segments.create import CampaignFieldError, SegmentExistsError
from sfseg.segments.criteria.problems import CriteriaError
from sfseg.segments.customers import InputError
from sfseg.segments.errorlog import list_errors, record_error, redact
from sfseg.segments.jobs import JobNotFoundError
from sfseg.segments.store import Store


class FakeApiError(Exception):
    """Carries the attributes every SalesforceError has."""

    def __init__(self, message: str, status: int, error_code: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code


def test_record_writes_row_and_line(any_store: Store) -> None:
    """An API error becomes a row and a JSON line with status, code and attempt."""
    error = FakeApiError(
        "unable to obtain exclusive access to this record", 400, "UNABLE_TO_LOCK_ROW"
    )
    record = record_error(
        any_store,
        operation="assign.write",
        error=error,
        segment_id="seg_000000000001",
        job_id="job_000000000001",
        customer_id="a@example.com",
        attempt=2,
    )
    rows = list_errors(any_store)
    assert len(rows) == 1
    row = rows[0]
    assert row.id == record.id
    assert (row.operation, row.segment_id, row.job_id, row.customer_id) == (
        "assign.write",
        "seg_000000000001",
        "job_000000000001",
        "a@example.com",
    )
    assert (row.http_status, row.error_code, row.attempt) == (400, "UNABLE_TO_LOCK_ROW", 2)
    assert row.message == "unable to obtain exclusive access to this record"

    lines = any_store.errors_path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    line = json.loads(lines[0])
    assert line["error_code"] == "UNABLE_TO_LOCK_ROW"
    assert line["http_status"] == 400
    assert line["customer_id"] == "a@example.com"
    assert line["at"].endswith("Z")
    assert line["id"] == record.id


def test_plain_exception_has_no_status(store: Store) -> None:
    """An error without Salesforce attributes is logged with null status and code."""
    record = record_error(store, operation="analyze", error=ValueError("bad field"))
    assert record.http_status is None
    assert record.error_code is None
    assert record.message == "bad field"


def test_filters(store: Store) -> None:
    """Entries are filtered by segment, job and start time, oldest first."""
    record_error(store, operation="a", error="one", segment_id="seg_a", job_id="job_1")
    record_error(store, operation="b", error="two", segment_id="seg_b", job_id="job_2")
    middle = dt.datetime.now(dt.UTC)
    record_error(store, operation="c", error="three", segment_id="seg_a", job_id="job_3")

    assert [e.message for e in list_errors(store, segment_id="seg_a")] == ["one", "three"]
    assert [e.message for e in list_errors(store, job_id="job_2")] == ["two"]
    assert [e.message for e in list_errors(store, since=middle)] == ["three"]
    assert [e.message for e in list_errors(store, limit=2)] == ["one", "two"]


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Authorization: Bearer 00Dxx!AQ4AQFo.abc", "00Dxx!AQ4AQFo.abc"),
        ('{"access_token": "00D!tok"}', "00D!tok"),
        ("refresh_token=5Aep861abc&x=1", "5Aep861abc"),
        ("client_secret=s3cr3t", "s3cr3t"),
        ("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----", "MIIE"),
    ],
)
def test_secrets_redacted(store: Store, text: str, secret: str) -> None:
    """A token or key that slipped into a message reaches neither the table nor the file."""
    assert secret not in redact(text)
    record_error(store, operation="login", error=RuntimeError(text))
    assert secret not in list_errors(store)[0].message
    assert secret not in store.errors_path.read_text(encoding="utf-8")


def test_line_written_when_store_fails(store: Store) -> None:
    """A broken database still leaves the JSON line, and record_error does not raise."""
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE error_log")
    record = record_error(store, operation="assign", error="lost row")
    assert record.id is None
    line = json.loads(store.errors_path.read_text(encoding="utf-8"))
    assert line["message"] == "lost row"


def test_user_input_errors_not_logged(store: Store) -> None:
    """Errors in the user's own input (criteria, names, files, job ids) stay out of the log."""
    for error in (CriteriaError([]), SegmentExistsError("taken"), InputError("no file"),
                  JobNotFoundError("job 'x' not found"), CampaignFieldError("dates")):  # fmt: skip
        assert record_error(store, operation="typo", error=error) is None
    logged = record_error(store, operation="analyze", error=ValueError("bad field"))

    assert [row.message for row in list_errors(store)] == ["bad field"]
    assert logged is not None
