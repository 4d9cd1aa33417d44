"""Sandbox Bulk API 2.0 query jobs: pages, locators, CSV shape, refusals and limits."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest

from sfseg.sandbox.bulk import bulk_service
from sfseg.sandbox.server import SandboxInfo


def _query_job(http: httpx.Client, info: SandboxInfo, soql: str, operation: str = "query") -> str:
    created = http.post("/jobs/query", json={"operation": operation, "query": soql})
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["state"] == "UploadComplete"
    assert bulk_service(info.state).wait_idle()
    return str(body["id"])


def _seed_contacts(info: SandboxInfo, count: int, **fields: Any) -> list[str]:
    return [info.state.org.create("Contact", {"LastName": f"C{i:03d}", **fields}) for i in range(count)]


def test_results_pages_follow_locator(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    ids = _seed_contacts(fresh_sandbox, 5)
    job_id = _query_job(fresh_http, fresh_sandbox, "SELECT Id, LastName FROM Contact ORDER BY LastName")
    seen: list[str] = []
    locator = None
    pages = 0
    while True:
        params = {"maxRecords": "2", **({"locator": locator} if locator else {})}
        page = fresh_http.get(f"/jobs/query/{job_id}/results", params=params)
        rows = list(csv.reader(io.StringIO(page.text, newline="")))
        assert rows[0] == ["Id", "LastName"]
        assert page.text.startswith('"Id","LastName"\n')
        assert int(page.headers["Sforce-NumberOfRecords"]) == len(rows) - 1
        seen += [row[0] for row in rows[1:]]
        pages += 1
        locator = page.headers["Sforce-Locator"]
        if locator == "null":
            break
    assert pages == 3
    assert seen == ids


def test_job_info_after_completion(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    _seed_contacts(fresh_sandbox, 3)
    job_id = _query_job(fresh_http, fresh_sandbox, "SELECT Id FROM Contact")
    info = fresh_http.get(f"/jobs/query/{job_id}").json()
    assert info["state"] == "JobComplete"
    assert info["jobType"] == "V2Query"
    assert info["numberRecordsProcessed"] == 3
    assert info["apiVersion"] == 66.0


def test_nulls_are_empty_cells_and_parents_by_path(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    org = fresh_sandbox.state.org
    account_id = org.create("Account", {"Name": "Acme"})
    org.create("Contact", {"LastName": "A", "AccountId": account_id, "DoNotCall": True})
    org.create("Contact", {"LastName": "B"})
    job_id = _query_job(fresh_http, fresh_sandbox, "SELECT LastName, Title, Account.Name, DoNotCall FROM Contact ORDER BY LastName")
    text = fresh_http.get(f"/jobs/query/{job_id}/results").text
    assert text == '"LastName","Title","Account.Name","DoNotCall"\n"A",,"Acme","true"\n"B",,,"false"\n'


def test_zero_rows_returns_header_only(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    job_id = _query_job(fresh_http, fresh_sandbox, "SELECT Id, LastName FROM Contact")
    page = fresh_http.get(f"/jobs/query/{job_id}/results")
    assert page.text == '"Id","LastName"\n'
    assert page.headers["Sforce-NumberOfRecords"] == "0"
    assert page.headers["Sforce-Locator"] == "null"


def test_query_all_includes_deleted(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    [kept, gone] = _seed_contacts(fresh_sandbox, 2)
    fresh_sandbox.state.org.delete("Contact", gone)
    query_job = _query_job(fresh_http, fresh_sandbox, "SELECT Id FROM Contact")
    all_job = _query_job(fresh_http, fresh_sandbox, "SELECT Id FROM Contact", operation="queryAll")
    assert fresh_http.get(f"/jobs/query/{query_job}/results").text.count("\n") == 2
    assert fresh_http.get(f"/jobs/query/{all_job}/results").text.count("\n") == 3


def test_compound_field_refused(fresh_http: httpx.Client) -> None:
    response = fresh_http.post("/jobs/query", json={"operation": "query", "query": "SELECT Id, MailingAddress FROM Contact"})
    assert response.status_code == 400
    assert response.json() == [
        {"errorCode": "FUNCTIONALITY_NOT_ENABLED", "message": "Selecting compound data not supported in Bulk Query"}
    ]


@pytest.mark.parametrize(
    "soql",
    [
        "SELECT COUNT() FROM Contact",
        "SELECT LeadSource, COUNT(Id) FROM Contact GROUP BY LeadSource",
        "SELECT Id FROM Contact LIMIT 5 OFFSET 2",
        "SELECT Id, (SELECT Id FROM Contacts) FROM Account",
    ],
)
def test_unsupported_soql_refused(fresh_http: httpx.Client, soql: str) -> None:
    response = fresh_http.post("/jobs/query", json={"operation": "query", "query": soql})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "FUNCTIONALITY_NOT_ENABLED"


def test_unknown_field_refused(fresh_http: httpx.Client) -> None:
    response = fresh_http.post("/jobs/query", json={"operation": "query", "query": "SELECT Nope__c FROM Contact"})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_FIELD"


def test_results_with_other_version_conflict(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    job_id = _query_job(fresh_http, fresh_sandbox, "SELECT Id FROM Contact")
    url = f"{fresh_sandbox.url}/services/data/v65.0/jobs/query/{job_id}/results"
    response = fresh_http.get(url)
    assert response.status_code == 409
    assert "66.0" in response.json()[0]["message"]


def test_daily_query_job_limit(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    bulk_service(fresh_sandbox.state).settings.daily_query_job_limit = 1
    _query_job(fresh_http, fresh_sandbox, "SELECT Id FROM Contact")
    response = fresh_http.post("/jobs/query", json={"operation": "query", "query": "SELECT Id FROM Contact"})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "EXCEEDEDQUOTA"
    assert bulk_service(fresh_sandbox.state).limits()["DailyBulkV2QueryJobs"] == {"Max": 1, "Remaining": 0}


def test_delete_query_job(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    job_id = _query_job(fresh_http, fresh_sandbox, "SELECT Id FROM Contact")
    assert [job["id"] for job in fresh_http.get("/jobs/query").json()["records"]] == [job_id]
    assert fresh_http.delete(f"/jobs/query/{job_id}").status_code == 204
    assert fresh_http.get(f"/jobs/query/{job_id}").status_code == 404


def test_bad_locator_refused(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    job_id = _query_job(fresh_http, fresh_sandbox, "SELECT Id FROM Contact")
    response = fresh_http.get(f"/jobs/query/{job_id}/results", params={"locator": "!!"})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALIDLOCATOR"


def test_bad_where_rejected_at_create(fresh_http: httpx.Client) -> None:
    soql = "SELECT Id FROM Contact WHERE Nope__c = 'x'"
    response = fresh_http.post("/jobs/query", json={"operation": "query", "query": soql})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_FIELD"
