"""Sandbox Bulk API 2.0 ingest jobs: lifecycle, job info, CSV rules, results and limits."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest

from sfseg.sandbox.bulk import bulk_service
from sfseg.sandbox.server import SandboxInfo


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _run_job(
    http: httpx.Client,
    info: SandboxInfo,
    sobject: str,
    data: str,
    *,
    operation: str = "insert",
    **options: Any,
) -> tuple[str, dict[str, Any]]:
    created = http.post("/jobs/ingest", json={"object": sobject, "operation": operation, **options})
    assert created.status_code == 200, created.text
    job_id = created.json()["id"]
    upload = http.put(f"/jobs/ingest/{job_id}/batches", content=data.encode(), headers={"Content-Type": "text/csv"})
    assert upload.status_code == 201, upload.text
    closed = http.patch(f"/jobs/ingest/{job_id}", json={"state": "UploadComplete"})
    assert closed.status_code == 200, closed.text
    assert bulk_service(info.state).wait_idle()
    return job_id, http.get(f"/jobs/ingest/{job_id}").json()


def _contact(info: SandboxInfo, **fields: Any) -> str:
    return info.state.org.create("Contact", {"LastName": "Base", **fields})


def test_create_job_info_types(fresh_http: httpx.Client) -> None:
    body = fresh_http.post("/jobs/ingest", json={"object": "Contact", "operation": "insert"}).json()
    assert body["state"] == "Open"
    assert body["apiVersion"] == 66.0
    assert isinstance(body["apiVersion"], float)
    assert body["contentUrl"] == f"services/data/v66.0/jobs/ingest/{body['id']}/batches"
    assert body["id"].startswith("750")
    assert len(body["id"]) == 18
    for key in ("operation", "object", "createdById", "createdDate", "systemModstamp", "concurrencyMode",
                "contentType", "lineEnding", "columnDelimiter"):
        assert key in body


def test_job_moves_to_job_complete(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    job_id, info = _run_job(fresh_http, fresh_sandbox, "Contact", "LastName\nA\nB\n")
    assert info["state"] == "JobComplete"
    assert info["jobType"] == "V2Ingest"
    assert info["numberRecordsProcessed"] == 2
    assert info["numberRecordsFailed"] == 0
    assert "contentUrl" not in info


def test_successful_results_echo_columns(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    job_id, _ = _run_job(fresh_http, fresh_sandbox, "Contact", 'LastName,Description\nA,"Said ""hi"", then left"\n')
    response = fresh_http.get(f"/jobs/ingest/{job_id}/successfulResults/")
    rows = _csv_rows(response.text)
    assert response.headers["content-type"].startswith("text/csv")
    assert rows[0] == ["sf__Id", "sf__Created", "LastName", "Description"]
    assert rows[1][1:] == ["true", "A", 'Said "hi", then left']
    record = fresh_sandbox.state.org.retrieve("Contact", rows[1][0], ["Description"], "66.0")
    assert record["Description"] == 'Said "hi", then left'


def test_failed_results_sf_error_format(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    job_id, info = _run_job(fresh_http, fresh_sandbox, "Contact", "LastName,Title\n,Boss\n")
    assert info["numberRecordsFailed"] == 1
    rows = _csv_rows(fresh_http.get(f"/jobs/ingest/{job_id}/failedResults/").text)
    assert rows[0] == ["sf__Id", "sf__Error", "LastName", "Title"]
    assert rows[1] == ["", "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --", "", "Boss"]


def test_newlines_inside_quoted_values_kept(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    job_id, _ = _run_job(fresh_http, fresh_sandbox, "Contact", 'LastName,Description\nA,"one\ntwo\nthree"\nB,x\n')
    rows = _csv_rows(fresh_http.get(f"/jobs/ingest/{job_id}/successfulResults").text)
    assert [row[3] for row in rows[1:]] == ["one\ntwo\nthree", "x"]


def test_update_empty_cell_keeps_and_null_marker_clears(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    contact_id = _contact(fresh_sandbox, Title="Chief", Department="Sales", DoNotCall=True)
    data = f"Id,Title,Department,DoNotCall\n{contact_id},#N/A,,false\n"
    _, info = _run_job(fresh_http, fresh_sandbox, "Contact", data, operation="update")
    assert info["numberRecordsFailed"] == 0
    record = fresh_sandbox.state.org.retrieve("Contact", contact_id, ["Title", "Department", "DoNotCall"], "66.0")
    assert record["Title"] is None
    assert record["Department"] == "Sales"
    assert record["DoNotCall"] is False


def test_relationship_column_through_external_id(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    org = fresh_sandbox.state.org
    campaign_id = org.create("Campaign", {"Name": "Spring", "sfseg_Segment_Key__c": "seg-spring"})
    contact_id = _contact(fresh_sandbox)
    data = f"Campaign.sfseg_Segment_Key__c,ContactId\nseg-spring,{contact_id}\nno-such-key,{contact_id}\n"
    job_id, info = _run_job(fresh_http, fresh_sandbox, "CampaignMember", data)
    assert info["numberRecordsProcessed"] == 2
    success = _csv_rows(fresh_http.get(f"/jobs/ingest/{job_id}/successfulResults").text)
    member = org.retrieve("CampaignMember", success[1][0], ["CampaignId"], "66.0")
    assert member["CampaignId"] == campaign_id
    failed = _csv_rows(fresh_http.get(f"/jobs/ingest/{job_id}/failedResults").text)
    assert failed[1][1].startswith("INVALID_FIELD:Foreign key external ID: no-such-key not found")


def test_duplicate_member_is_duplicate_value(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    org = fresh_sandbox.state.org
    campaign_id = org.create("Campaign", {"Name": "Spring"})
    contact_id = _contact(fresh_sandbox)
    org.create("CampaignMember", {"CampaignId": campaign_id, "ContactId": contact_id})
    job_id, info = _run_job(fresh_http, fresh_sandbox, "CampaignMember", f"CampaignId,ContactId\n{campaign_id},{contact_id}\n")
    assert info["numberRecordsFailed"] == 1
    failed = _csv_rows(fresh_http.get(f"/jobs/ingest/{job_id}/failedResults").text)
    assert failed[1][1].startswith("DUPLICATE_VALUE:")


def test_upsert_creates_then_updates(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    data = "Name,sfseg_Segment_Key__c\nFirst,key-1\n"
    job_id, _ = _run_job(fresh_http, fresh_sandbox, "Campaign", data, operation="upsert",
                         externalIdFieldName="sfseg_Segment_Key__c")
    first = _csv_rows(fresh_http.get(f"/jobs/ingest/{job_id}/successfulResults").text)[1]
    job_id, _ = _run_job(fresh_http, fresh_sandbox, "Campaign", "Name,sfseg_Segment_Key__c\nRenamed,key-1\n",
                         operation="upsert", externalIdFieldName="sfseg_Segment_Key__c")
    second = _csv_rows(fresh_http.get(f"/jobs/ingest/{job_id}/successfulResults").text)[1]
    assert first[1] == "true"
    assert second[:2] == [first[0], "false"]


def test_delete_operation(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    contact_id = _contact(fresh_sandbox)
    _, info = _run_job(fresh_http, fresh_sandbox, "Contact", f"Id\n{contact_id}\n", operation="delete")
    assert info["numberRecordsFailed"] == 0
    assert fresh_http.get(f"/sobjects/Contact/{contact_id}").status_code == 404


def test_unknown_column_fails_job(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    job_id, info = _run_job(fresh_http, fresh_sandbox, "Contact", "LastName,Nope__c\nA,b\n")
    assert info["state"] == "Failed"
    assert "Nope__c" in info["errorMessage"]
    unprocessed = _csv_rows(fresh_http.get(f"/jobs/ingest/{job_id}/unprocessedrecords/").text)
    assert unprocessed == [["LastName", "Nope__c"], ["A", "b"]]


def test_record_lock_fault_fails_rows(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    fresh_sandbox.state.faults.configure(
        {"seed": 1, "rules": [{"path": "^/jobs/ingest", "fault": "UNABLE_TO_LOCK_ROW", "records": 1.0, "times": 2}]}
    )
    job_id, info = _run_job(fresh_http, fresh_sandbox, "Contact", "LastName\nA\nB\nC\n")
    assert info["numberRecordsFailed"] == 2
    failed = _csv_rows(fresh_http.get(f"/jobs/ingest/{job_id}/failedResults").text)
    assert [row[1] for row in failed[1:]] == ["UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record:--"] * 2


def test_abort_open_job(fresh_http: httpx.Client) -> None:
    job_id = fresh_http.post("/jobs/ingest", json={"object": "Contact", "operation": "insert"}).json()["id"]
    response = fresh_http.patch(f"/jobs/ingest/{job_id}", json={"state": "Aborted"})
    assert response.json()["state"] == "Aborted"
    upload = fresh_http.put(f"/jobs/ingest/{job_id}/batches", content=b"LastName\nA\n", headers={"Content-Type": "text/csv"})
    assert upload.status_code == 400
    assert upload.json()[0]["errorCode"] == "INVALIDJOBSTATE"


def test_close_twice_refused(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    job_id, _ = _run_job(fresh_http, fresh_sandbox, "Contact", "LastName\nA\n")
    response = fresh_http.patch(f"/jobs/ingest/{job_id}", json={"state": "UploadComplete"})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALIDJOBSTATE"


def test_list_and_delete_jobs(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    job_id, _ = _run_job(fresh_http, fresh_sandbox, "Contact", "LastName\nA\n")
    listed = fresh_http.get("/jobs/ingest").json()
    assert listed["done"] is True
    assert [job["id"] for job in listed["records"]] == [job_id]
    assert fresh_http.delete(f"/jobs/ingest/{job_id}").status_code == 204
    missing = fresh_http.get(f"/jobs/ingest/{job_id}")
    assert missing.status_code == 404
    assert missing.json() == [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]


def test_delete_open_job_refused(fresh_http: httpx.Client) -> None:
    job_id = fresh_http.post("/jobs/ingest", json={"object": "Contact", "operation": "insert"}).json()["id"]
    response = fresh_http.delete(f"/jobs/ingest/{job_id}")
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "API_ERROR"


def test_upload_size_limit(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    bulk_service(fresh_sandbox.state).settings.max_upload_bytes = 20
    job_id = fresh_http.post("/jobs/ingest", json={"object": "Contact", "operation": "insert"}).json()["id"]
    response = fresh_http.put(f"/jobs/ingest/{job_id}/batches", content=b"LastName\n" + b"A" * 30 + b"\n",
                              headers={"Content-Type": "text/csv"})
    assert response.status_code == 400
    assert "limit of 20 bytes" in response.json()[0]["message"]


def test_daily_record_limit_fails_job(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    bulk_service(fresh_sandbox.state).settings.daily_record_limit = 2
    _, info = _run_job(fresh_http, fresh_sandbox, "Contact", "LastName\nA\nB\nC\n")
    assert info["state"] == "Failed"
    assert info["errorMessage"].startswith("ExceededQuota")
    assert fresh_sandbox.state.org.store.connection.execute('SELECT COUNT(*) FROM "Contact"').fetchone()[0] == 0


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"object": "Nope", "operation": "insert"}, "Unable to find object: Nope"),
        ({"object": "Contact", "operation": "merge"}, "Invalid operation"),
        ({"object": "Contact", "operation": "upsert"}, "External ID"),
        ({"object": "Contact", "operation": "insert", "columnDelimiter": "DASH"}, "columnDelimiter"),
    ],
)
def test_create_job_rejects_bad_options(fresh_http: httpx.Client, body: dict[str, Any], fragment: str) -> None:
    response = fresh_http.post("/jobs/ingest", json=body)
    assert response.status_code == 400
    assert fragment in response.json()[0]["message"]


def test_pipe_delimiter_and_crlf(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    job_id, info = _run_job(fresh_http, fresh_sandbox, "Contact", "LastName|Title\r\nA|x,y\r\n",
                            columnDelimiter="PIPE", lineEnding="CRLF")
    assert info["numberRecordsProcessed"] == 1
    text = fresh_http.get(f"/jobs/ingest/{job_id}/successfulResults").text
    assert text.endswith('"A"|"x,y"\r\n')


def test_every_bulk_call_counted(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    before = fresh_sandbox.state.limits.used
    job_id, _ = _run_job(fresh_http, fresh_sandbox, "Contact", "LastName\nA\n")
    fresh_http.get(f"/jobs/ingest/{job_id}/successfulResults")
    assert fresh_sandbox.state.limits.used - before == 5


def test_background_rate_paces_processing(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    service = bulk_service(fresh_sandbox.state)
    service.settings.rows_per_second = 1000
    service.settings.chunk_size = 1
    job_id = fresh_http.post("/jobs/ingest", json={"object": "Contact", "operation": "insert"}).json()["id"]
    fresh_http.put(f"/jobs/ingest/{job_id}/batches", content=b"LastName\nA\nB\n", headers={"Content-Type": "text/csv"})
    closed = fresh_http.patch(f"/jobs/ingest/{job_id}", json={"state": "UploadComplete"}).json()
    assert closed["state"] in ("UploadComplete", "InProgress")
    assert service.wait_idle()
    assert fresh_http.get(f"/jobs/ingest/{job_id}").json()["state"] == "JobComplete"


def test_multipart_create_starts_upload_complete(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    files = {
        "job": (None, '{"object": "Contact", "operation": "insert"}', "application/json"),
        "content": ("content", b"LastName\nA\nB\n", "text/csv"),
    }
    created = fresh_http.post("/jobs/ingest", files=files)
    assert created.status_code == 200, created.text
    assert created.json()["state"] in ("UploadComplete", "InProgress", "JobComplete")
    assert bulk_service(fresh_sandbox.state).wait_idle()
    info = fresh_http.get(f"/jobs/ingest/{created.json()['id']}").json()
    assert info["state"] == "JobComplete"
    assert info["numberRecordsProcessed"] == 2


def test_multipart_create_needs_both_parts(fresh_http: httpx.Client) -> None:
    files = {"job": (None, '{"object": "Contact", "operation": "insert"}', "application/json")}
    response = fresh_http.post("/jobs/ingest", files=files)
    assert response.status_code == 400
    assert "'content' part" in response.json()[0]["message"]


def test_bad_number_cell_is_invalid_type_on_field(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    job_id, info = _run_job(fresh_http, fresh_sandbox, "Account", "Name,NumberOfEmployees\nAcme,many\n")
    assert info["numberRecordsFailed"] == 1
    rows = _csv_rows(fresh_http.get(f"/jobs/ingest/{job_id}/failedResults/").text)
    assert rows[1][1] == (
        "INVALID_TYPE_ON_FIELD_IN_RECORD:Employees: value not of required type: many:NumberOfEmployees --"
    )


@pytest.mark.parametrize(("cell", "expected"), [("1", True), ("0", False), ("true", True), ("FALSE", False)])
def test_checkbox_cell_takes_true_false_and_1_0(
    fresh_http: httpx.Client, fresh_sandbox: SandboxInfo, cell: str, expected: bool
) -> None:
    job_id, info = _run_job(fresh_http, fresh_sandbox, "Contact", f"LastName,HasOptedOutOfEmail\nA,{cell}\n")
    assert info["numberRecordsFailed"] == 0
    rows = _csv_rows(fresh_http.get(f"/jobs/ingest/{job_id}/successfulResults/").text)
    record = fresh_sandbox.state.org.retrieve("Contact", rows[1][0], ["HasOptedOutOfEmail"], "66.0")
    assert record["HasOptedOutOfEmail"] is expected


def test_bad_checkbox_cell_is_invalid_type_on_field(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    job_id, _ = _run_job(fresh_http, fresh_sandbox, "Contact", "LastName,HasOptedOutOfEmail\nA,yes\n")
    rows = _csv_rows(fresh_http.get(f"/jobs/ingest/{job_id}/failedResults/").text)
    assert rows[1][1].startswith("INVALID_TYPE_ON_FIELD_IN_RECORD:Email Opt Out: value not of required type: yes:")


def test_update_bad_cell_is_invalid_type_on_field(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    account = fresh_sandbox.state.org.create("Account", {"Name": "Acme"})
    job_id, _ = _run_job(fresh_http, fresh_sandbox, "Account", f"Id,NumberOfEmployees\n{account},1.5\n",
                         operation="update")
    rows = _csv_rows(fresh_http.get(f"/jobs/ingest/{job_id}/failedResults/").text)
    assert rows[1][0] == account
    assert rows[1][1].startswith("INVALID_TYPE_ON_FIELD_IN_RECORD:Employees: value not of required type: 1.5:")


def test_row_with_several_errors_reports_the_first(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    # The REST answer lists both errors; the CSV result row holds one.
    job_id, _ = _run_job(fresh_http, fresh_sandbox, "Contact", f"LastName,Title\n,{'x' * 129}\n")
    rows = _csv_rows(fresh_http.get(f"/jobs/ingest/{job_id}/failedResults/").text)
    assert rows[1][1] == f"STRING_TOO_LONG:Title: data value too large: {'x' * 129} (max length=128):Title --"
