"""The query engine's results as the REST API sends them: JSON text on the wire."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx

from sfseg.sandbox.server import SandboxInfo


def create(client: httpx.Client, sobject: str, fields: dict[str, object]) -> str:
    response = client.post(f"/sobjects/{sobject}/", json=fields)
    assert response.status_code == 201, response.text
    record_id = response.json()["id"]
    assert isinstance(record_id, str)
    return record_id


def test_exact_sum_in_json_text(fresh_http: httpx.Client) -> None:
    """SUM of 0.1, 0.2 and 0.3 is written as 0.6 in the response body."""
    account = create(fresh_http, "Account", {"Name": "Wire"})
    for amount in ("0.1", "0.2", "0.3"):
        create(
            fresh_http,
            "Opportunity",
            {
                "Name": amount,
                "AccountId": account,
                "Amount": float(amount),
                "StageName": "Prospecting",
                "CloseDate": "2024-05-01",
            },
        )
    response = fresh_http.get("/query", params={"q": "SELECT SUM(Amount) total FROM Opportunity"})
    assert response.status_code == 200
    body = json.loads(response.text, parse_float=Decimal)
    assert body["records"][0]["total"] == Decimal("0.6")
    assert str(body["records"][0]["total"]) == "0.6"


def test_page_size_header_and_locator(fresh_http: httpx.Client, fresh_sandbox: SandboxInfo) -> None:
    """Sforce-Query-Options batchSize pages the result; nextRecordsUrl fetches the rest."""
    records = [
        {"attributes": {"type": "Lead"}, "LastName": f"W{i:03d}", "Company": "Wire"}
        for i in range(200)
    ]
    for start in range(0, 400, 200):
        batch = [{**r, "LastName": f"{r['LastName']}-{start}"} for r in records]
        response = fresh_http.post(
            "/composite/sobjects", json={"allOrNone": True, "records": batch}
        )
        assert response.status_code == 200, response.text
    first = fresh_http.get(
        "/query",
        params={"q": "SELECT LastName FROM Lead ORDER BY LastName"},
        headers={"Sforce-Query-Options": "batchSize=300"},
    ).json()
    assert first["totalSize"] == 400
    assert len(first["records"]) == 300
    next_url = first["nextRecordsUrl"]
    assert next_url.startswith(f"/services/data/v{fresh_sandbox.api_version}/query/01g")
    second = fresh_http.get(next_url.split(f"/v{fresh_sandbox.api_version}", 1)[1]).json()
    assert second["done"] is True
    assert len(second["records"]) == 100


def test_query_error_body(fresh_http: httpx.Client) -> None:
    """A query error is a 400 with Salesforce's one-element error array."""
    response = fresh_http.get("/query", params={"q": "SELECT Nope FROM Contact"})
    assert response.status_code == 400
    body = response.json()
    assert body[0]["errorCode"] == "INVALID_FIELD"
    assert body[0]["message"].startswith(
        "\nSELECT Nope FROM Contact\n       ^\nERROR at Row:1:Column:8\n"
    )
