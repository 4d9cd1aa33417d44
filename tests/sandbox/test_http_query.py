"""The query resources over HTTP: paging, batch size, locators, queryAll and errors."""

from __future__ import annotations

import httpx

from sfseg.sandbox.server import SandboxInfo


def _contacts(http: httpx.Client, count: int) -> list[str]:
    ids: list[str] = []
    for start in range(0, count, 200):
        records = [
            {"attributes": {"type": "Contact"}, "LastName": f"Q{n:05d}"}
            for n in range(start, min(start + 200, count))
        ]
        ids.extend(result["id"] for result in http.post("/composite/sobjects", json={"records": records}).json())
    return ids


def test_batch_size_header(fresh_http: httpx.Client) -> None:
    """Sforce-Query-Options batchSize sets the page size; the locator pages on."""
    _contacts(fresh_http, 450)
    headers = {"Sforce-Query-Options": "batchSize=200"}
    first = fresh_http.get("/query", params={"q": "SELECT Id FROM Contact"}, headers=headers).json()
    second = fresh_http.get(first["nextRecordsUrl"].removeprefix("/services/data/v66.0")).json()
    third = fresh_http.get(second["nextRecordsUrl"].removeprefix("/services/data/v66.0")).json()
    assert first["totalSize"] == 450
    assert [len(page["records"]) for page in (first, second, third)] == [200, 200, 50]
    assert [page["done"] for page in (first, second, third)] == [False, False, True]
    assert "nextRecordsUrl" not in third


def test_batch_size_below_minimum_is_200(fresh_http: httpx.Client) -> None:
    """A batchSize under 200 is raised to 200, as Salesforce treats it as a hint."""
    _contacts(fresh_http, 250)
    headers = {"Sforce-Query-Options": "batchSize=10"}
    page = fresh_http.get("/query", params={"q": "SELECT Id FROM Contact"}, headers=headers).json()
    assert len(page["records"]) == 200


def test_unknown_locator(fresh_http: httpx.Client) -> None:
    """An unknown locator returns 400 INVALID_QUERY_LOCATOR."""
    response = fresh_http.get("/query/01gxx0000000000AAA-2000")
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_query_all_sees_deleted(fresh_http: httpx.Client) -> None:
    """A deleted row is seen only through /queryAll, with IsDeleted true."""
    record_id = _contacts(fresh_http, 1)[0]
    fresh_http.delete(f"/sobjects/Contact/{record_id}")
    soql = "SELECT Id, IsDeleted FROM Contact"
    live = fresh_http.get("/query", params={"q": soql}).json()
    everything = fresh_http.get("/queryAll", params={"q": soql}).json()
    assert live["totalSize"] == 0
    assert everything["records"][0]["IsDeleted"] is True


def test_empty_query_malformed(fresh_http: httpx.Client) -> None:
    """A missing or blank q returns MALFORMED_QUERY."""
    response = fresh_http.get("/query", params={"q": " "})
    assert response.status_code == 400
    assert response.json()[0] == {
        "message": "SOQL statements cannot be empty or null",
        "errorCode": "MALFORMED_QUERY",
    }


def test_unknown_field_invalid_field(sandbox_http: httpx.Client) -> None:
    """An unknown field returns 400 INVALID_FIELD with the row and column."""
    response = sandbox_http.get("/query", params={"q": "SELECT Id, CleanStatus FROM Account"})
    error = response.json()[0]
    assert response.status_code == 400
    assert error["errorCode"] == "INVALID_FIELD"
    assert "ERROR at Row:1:Column:" in error["message"]
    assert "No such column 'CleanStatus' on entity 'Account'" in error["message"]


def test_syntax_error_malformed(sandbox_http: httpx.Client) -> None:
    """A syntax error returns 400 MALFORMED_QUERY."""
    response = sandbox_http.get("/query", params={"q": "SELECT FROM WHERE"})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "MALFORMED_QUERY"


def test_unknown_object_invalid_type(sandbox_http: httpx.Client) -> None:
    """An unknown object returns 400 INVALID_TYPE."""
    response = sandbox_http.get("/query", params={"q": "SELECT Id FROM ContentHubRepository"})
    assert response.json()[0]["errorCode"] == "INVALID_TYPE"


def test_count_query_total_only(sandbox: SandboxInfo, sandbox_http: httpx.Client) -> None:
    """SELECT COUNT() returns the count in totalSize and no records."""
    store = sandbox.state.org.store
    with store.lock:
        expected = store.connection.execute('SELECT count(*) FROM "Campaign" WHERE IsDeleted = 0').fetchone()[0]
    body = sandbox_http.get("/query", params={"q": "SELECT COUNT() FROM Campaign"}).json()
    assert body == {"totalSize": expected, "done": True, "records": []}


def test_query_counts_one_call(fresh_sandbox: SandboxInfo, fresh_http: httpx.Client) -> None:
    """Each page fetch is one API call, recorded by route."""
    _contacts(fresh_http, 250)
    headers = {"Sforce-Query-Options": "batchSize=200"}
    first = fresh_http.get("/query", params={"q": "SELECT Id FROM Contact"}, headers=headers).json()
    fresh_http.get(first["nextRecordsUrl"].removeprefix("/services/data/v66.0"))
    routes = httpx.get(f"{fresh_sandbox.url}/__sandbox/stats").json()["api_calls_by_route"]
    assert routes["GET /query"] == 1
    assert routes["GET /query/{locator}"] == 1
