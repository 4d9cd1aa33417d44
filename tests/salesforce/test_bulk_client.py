"""Bulk2 client against the loopback sandbox: ingest outcomes and streamed queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from sfseg.salesforce import SalesforceClient
from sfseg.salesforce.bulk2 import Bulk2, BulkJobError, PollPolicy
from sfseg.sandbox.bulk import bulk_service
from sfseg.sandbox.bulk.jobs import IngestJob
from sfseg.sandbox.server import SandboxInfo

FAST_POLL = PollPolicy(initial=0.01, factor=2.0, maximum=0.2)


def _bulk(client: SalesforceClient, **options: Any) -> Bulk2:
    return Bulk2(client, poll=FAST_POLL, **options)


def _column(info: SandboxInfo, sobject: str, field: str, record_id: str) -> Any:
    row = info.state.org.store.connection.execute(f'SELECT "{field}" FROM "{sobject}" WHERE Id = ?', (record_id,)).fetchone()
    return row[0]


def _upload(info: SandboxInfo, job_id: str) -> bytes:
    """Return the CSV the sandbox received for an ingest job."""
    job = bulk_service(info.state).jobs[job_id]
    assert isinstance(job, IngestJob)
    return bytes(job.upload)


def test_client_property_returns_bulk2(fresh_client: SalesforceClient) -> None:
    assert isinstance(fresh_client.bulk2, Bulk2)


def test_split_jobs_keep_multiline_record(fresh_client: SalesforceClient, fresh_sandbox: SandboxInfo) -> None:
    records = [
        {"LastName": "First", "Description": "one"},
        {"LastName": "Second", "Description": "line one\nline two\nline three"},
        {"LastName": "Third", "Description": "three"},
    ]
    result = _bulk(fresh_client, max_records_per_job=2).ingest("Contact", "insert", records)
    assert len(result.job_ids) == 2
    assert result.succeeded == 3
    assert result.partial is False
    descriptions = [_column(fresh_sandbox, "Contact", "Description", r.id) for r in result.records if r.id]
    assert descriptions == ["one", "line one\nline two\nline three", "three"]
    uploads = [_upload(fresh_sandbox, job_id) for job_id in result.job_ids]
    assert all(upload.startswith(b"LastName,Description\n") for upload in uploads)
    assert uploads[0].count(b"\n") == 5
    assert uploads[1] == b"LastName,Description\nThird,three\n"


def test_null_clears_and_absent_key_keeps(fresh_client: SalesforceClient, fresh_sandbox: SandboxInfo) -> None:
    org = fresh_sandbox.state.org
    first = org.create("Contact", {"LastName": "Ng", "Title": "CTO", "Department": "R&D"})
    second = org.create("Contact", {"LastName": "Li", "Title": "CFO", "Department": "Finance"})
    # The second record puts Department in the header, so the first gets an empty cell there.
    records = [{"Id": first, "Title": None}, {"Id": second, "Department": "Ops"}]
    result = _bulk(fresh_client).ingest("Contact", "update", records)
    assert result.succeeded == 2
    upload = _upload(fresh_sandbox, result.job_ids[0])
    assert upload == f"Id,Title,Department\n{first},#N/A,\n{second},,Ops\n".encode()
    assert _column(fresh_sandbox, "Contact", "Title", first) is None
    assert _column(fresh_sandbox, "Contact", "Department", first) == "R&D"
    assert _column(fresh_sandbox, "Contact", "Title", second) == "CFO"
    assert _column(fresh_sandbox, "Contact", "Department", second) == "Ops"


def test_quoted_text_round_trips(fresh_client: SalesforceClient, fresh_sandbox: SandboxInfo) -> None:
    text = 'Said "hi", then left'
    result = _bulk(fresh_client).ingest("Contact", "insert", [{"LastName": "Quote", "Description": text}])
    [row] = _bulk(fresh_client).query(f"SELECT Id, Description FROM Contact WHERE Id = '{result.records[0].id}'")
    assert _column(fresh_sandbox, "Contact", "Description", result.records[0].id or "") == text
    assert row["Description"] == text


def test_false_clears_checkbox(fresh_client: SalesforceClient, fresh_sandbox: SandboxInfo) -> None:
    contact_id = fresh_sandbox.state.org.create("Contact", {"LastName": "Ng", "DoNotCall": True})
    _bulk(fresh_client).ingest("Contact", "update", [{"Id": contact_id, "DoNotCall": False}])
    assert _column(fresh_sandbox, "Contact", "DoNotCall", contact_id) == 0


def test_nan_row_fails_alone_in_large_write(fresh_client: SalesforceClient, fresh_sandbox: SandboxInfo) -> None:
    records: list[dict[str, Any]] = [
        {"Name": f"Account {i:04d}", "AnnualRevenue": Decimal(i) * 1000} for i in range(1150)
    ]
    records[699]["AnnualRevenue"] = float("nan")
    result = _bulk(fresh_client).ingest("Account", "insert", records)
    assert len(result.records) == 1150
    assert result.failed == 1
    assert result.partial is True
    failed = result.records[699]
    assert failed.success is False
    assert failed.errors[0].fields == ["AnnualRevenue"]
    assert "nan" in failed.errors[0].message.lower()
    assert _column(fresh_sandbox, "Account", "Name", result.records[700].id or "") == "Account 0700"
    assert _column(fresh_sandbox, "Account", "AnnualRevenue", result.records[1149].id or "") == 1149000


def test_results_follow_input_order_with_failures(fresh_client: SalesforceClient, fresh_sandbox: SandboxInfo) -> None:
    records = [{"LastName": "A"}, {"LastName": None}, {"LastName": "C"}, {"Title": "no name"}]
    result = _bulk(fresh_client).ingest("Contact", "insert", records)
    assert [r.success for r in result.records] == [True, False, True, False]
    assert result.records[1].errors[0].status_code == "REQUIRED_FIELD_MISSING"
    assert _column(fresh_sandbox, "Contact", "LastName", result.records[2].id or "") == "C"
    assert result.records[0].created is True


def test_api_calls_counted(fresh_client: SalesforceClient) -> None:
    result = _bulk(fresh_client).ingest("Contact", "insert", [{"LastName": "A"}], field_types={})
    # create, upload, close, at least one poll, successfulResults
    assert result.api_calls >= 5
    assert result.api_calls <= 8


def test_failed_job_raises_with_error_message(fresh_client: SalesforceClient) -> None:
    with pytest.raises(BulkJobError, match="Field name not found : Nope__c") as caught:
        _bulk(fresh_client).ingest("Contact", "insert", [{"LastName": "A", "Nope__c": "x"}], field_types={})
    assert caught.value.state == "Failed"
    assert caught.value.result.records[0].errors[0].status_code == "NOT_PROCESSED"


def test_upsert_needs_external_id(fresh_client: SalesforceClient) -> None:
    from sfseg.salesforce.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="external_id_field"):
        _bulk(fresh_client).ingest("Campaign", "upsert", [{"Name": "x"}])


def test_query_zero_rows(fresh_client: SalesforceClient) -> None:
    assert list(_bulk(fresh_client).query("SELECT Id, LastName FROM Contact")) == []


def test_query_pages_typed_from_describe(fresh_client: SalesforceClient, fresh_sandbox: SandboxInfo) -> None:
    org = fresh_sandbox.state.org
    account_id = org.create("Account", {"Name": "Acme", "AnnualRevenue": 1250, "NumberOfEmployees": 12})
    for i in range(5):
        org.create("Contact", {"LastName": f"C{i}", "AccountId": account_id, "Birthdate": "1990-01-0" + str(i + 1),
                               "DoNotCall": i % 2 == 0})
    soql = ("SELECT LastName, Birthdate, DoNotCall, Account.AnnualRevenue, Account.NumberOfEmployees, "
            "CreatedDate, Title FROM Contact ORDER BY LastName")
    rows = list(_bulk(fresh_client, page_size=2).query(soql))
    assert len(rows) == 5
    first = rows[0]
    assert first["LastName"] == "C0"
    assert first["Birthdate"] == dt.date(1990, 1, 1)
    assert first["DoNotCall"] is True
    assert rows[1]["DoNotCall"] is False
    assert first["Account.AnnualRevenue"] == Decimal(1250)
    assert isinstance(first["Account.AnnualRevenue"], Decimal)
    assert first["Account.NumberOfEmployees"] == 12
    assert isinstance(first["CreatedDate"], dt.datetime)
    assert first["Title"] is None


def test_query_expands_compound_fields(fresh_client: SalesforceClient, fresh_sandbox: SandboxInfo) -> None:
    fresh_sandbox.state.org.create("Contact", {"LastName": "Ng", "MailingCity": "Oslo", "MailingCountry": "Norway"})
    [row] = _bulk(fresh_client).query("SELECT LastName, MailingAddress FROM Contact")
    assert row["MailingCity"] == "Oslo"
    assert row["MailingCountry"] == "Norway"
    assert "MailingAddress" not in row


def test_query_include_deleted(fresh_client: SalesforceClient, fresh_sandbox: SandboxInfo) -> None:
    org = fresh_sandbox.state.org
    gone = org.create("Contact", {"LastName": "Gone"})
    org.delete("Contact", gone)
    assert list(_bulk(fresh_client).query("SELECT Id FROM Contact")) == []
    assert [row["Id"] for row in _bulk(fresh_client).query("SELECT Id FROM Contact", include_deleted=True)] == [gone]


def test_concurrent_ingests_keep_their_results(fresh_client: SalesforceClient, fresh_sandbox: SandboxInfo) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def write(prefix: str) -> list[str | None]:
        records = [{"LastName": f"{prefix} {i:02d}"} for i in range(40)]
        return [r.id for r in _bulk(fresh_client).ingest("Contact", "insert", records, field_types={}).records]

    with ThreadPoolExecutor(max_workers=2) as pool:
        left, right = pool.map(write, ["Left", "Right"])
    assert [_column(fresh_sandbox, "Contact", "LastName", i or "") for i in left] == [f"Left {i:02d}" for i in range(40)]
    assert [_column(fresh_sandbox, "Contact", "LastName", i or "") for i in right] == [f"Right {i:02d}" for i in range(40)]


def test_server_error_on_results_retried(fresh_client: SalesforceClient, fresh_sandbox: SandboxInfo) -> None:
    fresh_sandbox.state.faults.configure(
        {"seed": 3, "rules": [{"method": "GET", "path": "successfulResults", "fault": "SERVER_UNAVAILABLE", "times": 1}]}
    )
    result = _bulk(fresh_client).ingest("Contact", "insert", [{"LastName": "A"}, {"LastName": "B"}], field_types={})
    assert result.succeeded == 2
    assert fresh_sandbox.state.faults.describe()["rules"][0]["fired"] == 1


def test_existing_member_is_duplicate_value(fresh_client: SalesforceClient, fresh_sandbox: SandboxInfo) -> None:
    org = fresh_sandbox.state.org
    campaign_id = org.create("Campaign", {"Name": "Spring"})
    old = org.create("Contact", {"LastName": "Old"})
    new = org.create("Contact", {"LastName": "New"})
    org.create("CampaignMember", {"CampaignId": campaign_id, "ContactId": old})
    records = [{"CampaignId": campaign_id, "ContactId": old}, {"CampaignId": campaign_id, "ContactId": new}]
    result = _bulk(fresh_client).ingest("CampaignMember", "insert", records)
    duplicate, created = result.records
    assert duplicate.success is False
    assert duplicate.id is None
    assert duplicate.errors[0].status_code == "DUPLICATE_VALUE"
    assert created.success is True
    assert created.created is True
    assert result.partial is True
