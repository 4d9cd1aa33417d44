"""A record with several validation errors answers all of them, in Salesforce's shapes:
the REST error array (`errorCode`) and the per-record `errors` list (`statusCode`)."""

from __future__ import annotations

from typing import Any

import httpx

LONG_TITLE = "x" * 129
TOO_LONG = {
    "message": f"Title: data value too large: {LONG_TITLE} (max length=128)",
    "errorCode": "STRING_TOO_LONG",
    "fields": ["Title"],
}
MISSING = {
    "message": "Required fields are missing: [LastName]",
    "errorCode": "REQUIRED_FIELD_MISSING",
    "fields": ["LastName"],
}


def _per_record(entry: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": entry["errorCode"], "message": entry["message"], "fields": entry["fields"]}


def test_create_answers_error_array_with_both(fresh_http: httpx.Client) -> None:
    response = fresh_http.post("/sobjects/Contact", json={"Title": LONG_TITLE})
    assert response.status_code == 400
    assert response.json() == [TOO_LONG, MISSING]


def test_update_answers_error_array_with_both(fresh_http: httpx.Client) -> None:
    contact = fresh_http.post("/sobjects/Contact", json={"LastName": "Ng"}).json()["id"]
    response = fresh_http.patch(f"/sobjects/Contact/{contact}", json={"LastName": None, "Title": LONG_TITLE})
    assert response.status_code == 400
    assert response.json() == [TOO_LONG, MISSING]


def test_upsert_answers_error_array_with_both(fresh_http: httpx.Client) -> None:
    response = fresh_http.patch("/sobjects/Campaign/sfseg_Segment_Key__c/k1", json={"NumberOfLeads": 2})
    assert response.status_code == 400
    assert [entry["errorCode"] for entry in response.json()] == [
        "INVALID_FIELD_FOR_INSERT_UPDATE", "REQUIRED_FIELD_MISSING"]


def test_collections_errors_list_holds_both(fresh_http: httpx.Client) -> None:
    records = [
        {"attributes": {"type": "Contact"}, "LastName": "Ok"},
        {"attributes": {"type": "Contact"}, "Title": LONG_TITLE},
    ]
    response = fresh_http.post("/composite/sobjects", json={"allOrNone": False, "records": records})
    assert response.status_code == 200
    good, bad = response.json()
    assert good["success"] is True
    assert bad == {"success": False, "errors": [_per_record(TOO_LONG), _per_record(MISSING)]}


def test_collections_update_errors_list_holds_both(fresh_http: httpx.Client) -> None:
    contact = fresh_http.post("/sobjects/Contact", json={"LastName": "Ng"}).json()["id"]
    records = [{"attributes": {"type": "Contact"}, "id": contact, "LastName": None, "Title": LONG_TITLE}]
    response = fresh_http.patch("/composite/sobjects", json={"records": records})
    assert response.json() == [
        {"id": contact, "success": False, "errors": [_per_record(TOO_LONG), _per_record(MISSING)]}]


def test_composite_subrequest_body_holds_both(fresh_http: httpx.Client) -> None:
    version = str(fresh_http.base_url.path).rstrip("/")
    sub = {"method": "POST", "url": f"{version}/sobjects/Contact", "referenceId": "bad",
           "body": {"Title": LONG_TITLE}}
    response = fresh_http.post("/composite", json={"compositeRequest": [sub]})
    result = response.json()["compositeResponse"][0]
    assert result["httpStatusCode"] == 400
    assert result["body"] == [TOO_LONG, MISSING]
