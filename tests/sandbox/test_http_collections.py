"""sObject Collections on a live sandbox: per-record results, allOrNone, limits."""

from __future__ import annotations

from typing import Any

import httpx

from sfseg.sandbox.server import SandboxInfo


def _contacts(*last_names: str) -> list[dict[str, Any]]:
    return [{"attributes": {"type": "Contact"}, "LastName": name} for name in last_names]


def _count(http: httpx.Client, soql: str) -> int:
    total: int = http.get("/query", params={"q": soql}).json()["totalSize"]
    return total


def test_create_results_in_input_order(fresh_http: httpx.Client) -> None:
    """Each record gets its own result, in input order; a failed create has no id key."""
    records = [*_contacts("A"), {"attributes": {"type": "Contact"}, "FirstName": "NoLast"}, *_contacts("C")]
    response = fresh_http.post("/composite/sobjects", json={"allOrNone": False, "records": records})
    results = response.json()
    assert response.status_code == 200
    assert [result["success"] for result in results] == [True, False, True]
    assert results[0]["id"].startswith("003")
    assert "id" not in results[1]
    assert results[1]["errors"] == [
        {
            "statusCode": "REQUIRED_FIELD_MISSING",
            "message": results[1]["errors"][0]["message"],
            "fields": ["LastName"],
        }
    ]
    assert _count(fresh_http, "SELECT Id FROM Contact") == 2


def test_create_mixed_types(fresh_http: httpx.Client) -> None:
    """One call may create records of several types."""
    records = [{"attributes": {"type": "Account"}, "Name": "Acme"}, *_contacts("Johnson")]
    results = fresh_http.post("/composite/sobjects", json={"records": records}).json()
    assert results[0]["id"].startswith("001")
    assert results[1]["id"].startswith("003")


def test_all_or_none_rolls_back(fresh_http: httpx.Client) -> None:
    """With allOrNone one failure rolls back every record; the others get ROLLED_BACK."""
    records = [*_contacts("A"), {"attributes": {"type": "Contact"}, "FirstName": "NoLast"}, *_contacts("C")]
    results = fresh_http.post("/composite/sobjects", json={"allOrNone": True, "records": records}).json()
    rolled_back = {
        "success": False,
        "errors": [
            {
                "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                "message": "Record rolled back because not all records were valid and the request was using AllOrNone header",
                "fields": [],
            }
        ],
    }
    assert results[0] == rolled_back
    assert results[2] == rolled_back
    assert results[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert _count(fresh_http, "SELECT Id FROM Contact") == 0


def test_over_200_records_rejected(fresh_http: httpx.Client) -> None:
    """More than 200 records fail the whole call with 400 EXCEEDED_ID_LIMIT."""
    response = fresh_http.post("/composite/sobjects", json={"records": _contacts(*["X"] * 201)})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "EXCEEDED_ID_LIMIT"
    assert _count(fresh_http, "SELECT Id FROM Contact") == 0


def test_exactly_200_records_accepted(fresh_http: httpx.Client) -> None:
    """200 records is within the limit."""
    results = fresh_http.post("/composite/sobjects", json={"records": _contacts(*["X"] * 200)}).json()
    assert len(results) == 200
    assert all(result["success"] for result in results)


def test_update_per_record(fresh_http: httpx.Client) -> None:
    """PATCH updates each record by id; a record without id fails alone."""
    created = fresh_http.post("/composite/sobjects", json={"records": _contacts("A", "B")}).json()
    records = [
        {"attributes": {"type": "Contact"}, "id": created[0]["id"], "LastName": "A2"},
        {"attributes": {"type": "Contact"}, "LastName": "NoId"},
        {"attributes": {"type": "Contact"}, "id": created[1]["id"], "LastName": "B2"},
    ]
    results = fresh_http.patch("/composite/sobjects", json={"records": records}).json()
    assert results[0] == {"id": created[0]["id"], "success": True, "errors": []}
    assert results[1]["errors"][0]["statusCode"] == "MISSING_ARGUMENT"
    assert results[2]["success"] is True
    assert _count(fresh_http, "SELECT Id FROM Contact WHERE LastName IN ('A2', 'B2')") == 2


def test_upsert_reports_created(fresh_http: httpx.Client) -> None:
    """Collections upsert by external id reports created per record."""
    key = "sfseg_Segment_Key__c"
    first = [{"attributes": {"type": "Campaign"}, "Name": "One", key: "k1"}]
    fresh_http.patch(f"/composite/sobjects/Campaign/{key}", json={"records": first})
    records = [
        {"attributes": {"type": "Campaign"}, "Name": "One again", key: "k1"},
        {"attributes": {"type": "Campaign"}, "Name": "Two", key: "k2"},
    ]
    results = fresh_http.patch(f"/composite/sobjects/Campaign/{key}", json={"records": records}).json()
    assert [result["created"] for result in results] == [False, True]
    assert all(result["success"] for result in results)


def test_delete_by_ids(fresh_http: httpx.Client) -> None:
    """DELETE ?ids= deletes each record; a malformed id fails alone with MALFORMED_ID."""
    created = fresh_http.post("/composite/sobjects", json={"records": _contacts("A", "B")}).json()
    ids = f"{created[0]['id']},001RM000003oLrB000,{created[1]['id']}"
    results = fresh_http.delete("/composite/sobjects", params={"ids": ids}).json()
    assert results[0] == {"id": created[0]["id"], "success": True, "errors": []}
    assert results[1] == {
        "success": False,
        "errors": [{"statusCode": "MALFORMED_ID", "message": "malformed id 001RM000003oLrB000", "fields": []}],
    }
    assert results[2]["success"] is True
    assert _count(fresh_http, "SELECT Id FROM Contact") == 0


def test_retrieve_aligned_with_nulls(fresh_http: httpx.Client) -> None:
    """Retrieve returns one entry per id, null for an id with no record."""
    created = fresh_http.post("/composite/sobjects", json={"records": _contacts("A")}).json()
    ids = f"{created[0]['id']},003000000000000AAA"
    body = fresh_http.get("/composite/sobjects/Contact", params={"ids": ids, "fields": "LastName"}).json()
    assert body[0]["LastName"] == "A"
    assert body[1] is None
    posted = fresh_http.post(
        "/composite/sobjects/Contact", json={"ids": [created[0]["id"]], "fields": ["LastName"]}
    ).json()
    assert posted == [body[0]]


def test_retrieve_bad_field_fails_call(fresh_http: httpx.Client) -> None:
    """An unknown field fails the whole retrieve with 400 INVALID_FIELD."""
    created = fresh_http.post("/composite/sobjects", json={"records": _contacts("A")}).json()
    response = fresh_http.get(
        "/composite/sobjects/Contact", params={"ids": created[0]["id"], "fields": "Nope__c"}
    )
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_FIELD"


def test_collections_count_once(fresh_sandbox: SandboxInfo, fresh_http: httpx.Client) -> None:
    """A 200-record collections call is one API call and writes 200 records."""
    fresh_http.post("/composite/sobjects", json={"records": _contacts(*["X"] * 200)})
    stats = httpx.get(f"{fresh_sandbox.url}/__sandbox/stats").json()
    assert stats["api_calls_by_route"] == {"POST /composite/sobjects": 1}
    assert stats["records_written"]["Contact"] == 200
