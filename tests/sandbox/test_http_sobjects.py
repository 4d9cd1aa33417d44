"""sObject REST resources on a live sandbox: describe, CRUD, upsert and their errors."""

from __future__ import annotations

import json
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

from sfseg.sandbox.server import SandboxInfo, run_sandbox
from sfseg.soql.ids import is_salesforce_id, to_15


def _create(http: httpx.Client, sobject: str, fields: dict[str, object]) -> str:
    response = http.post(f"/sobjects/{sobject}", json=fields)
    assert response.status_code == 201, response.text
    record_id: str = response.json()["id"]
    return record_id


def _error(response: httpx.Response) -> dict[str, object]:
    body = response.json()
    assert isinstance(body, list)
    assert len(body) == 1
    entry: dict[str, object] = body[0]
    return entry


def test_resource_map_lists_served_resources(fresh_http: httpx.Client) -> None:
    """GET /services/data/vXX.X lists the resources with their versioned URLs."""
    body = fresh_http.get("").json()
    assert body["sobjects"] == "/services/data/v66.0/sobjects"
    assert body["query"] == "/services/data/v66.0/query"
    assert body["composite"] == "/services/data/v66.0/composite"
    assert body["limits"] == "/services/data/v66.0/limits"


def test_unknown_version_not_found(fresh_sandbox: SandboxInfo) -> None:
    """A version outside 59.0-67.0 returns 404 NOT_FOUND."""
    response = httpx.get(f"{fresh_sandbox.url}/services/data/v58.0/limits")
    assert response.status_code == 404
    assert _error(response)["errorCode"] == "NOT_FOUND"


def test_describe_global_lists_campaign(fresh_http: httpx.Client) -> None:
    """GET /sobjects lists every object with key prefix and URLs."""
    body = fresh_http.get("/sobjects").json()
    assert body["maxBatchSize"] == 200
    campaign = next(item for item in body["sobjects"] if item["name"] == "Campaign")
    assert campaign["keyPrefix"] == "701"
    assert campaign["urls"]["describe"] == "/services/data/v66.0/sobjects/Campaign/describe"


def test_sobject_basic_info(fresh_http: httpx.Client) -> None:
    """GET /sobjects/{Type} returns objectDescribe and recentItems."""
    body = fresh_http.get("/sobjects/contact").json()
    assert body["objectDescribe"]["name"] == "Contact"
    assert body["recentItems"] == []


def test_unknown_sobject_not_found(fresh_http: httpx.Client) -> None:
    """An unknown object in the URL returns 404 NOT_FOUND."""
    response = fresh_http.get("/sobjects/NoSuchThing__c/describe")
    assert response.status_code == 404
    assert _error(response) == {
        "message": "The requested resource does not exist",
        "errorCode": "NOT_FOUND",
    }


def test_describe_fields(fresh_http: httpx.Client) -> None:
    """Describe carries the fields with their types and flags."""
    response = fresh_http.get("/sobjects/Contact/describe")
    fields = {field["name"]: field for field in response.json()["fields"]}
    assert response.status_code == 200
    assert fields["LastName"]["nillable"] is False
    assert fields["AccountId"]["referenceTo"] == ["Account"]
    assert "Last-Modified" in response.headers


def test_describe_not_modified(fresh_sandbox: SandboxInfo, fresh_http: httpx.Client) -> None:
    """If-Modified-Since at or after the schema's time returns 304 with no body."""
    later = format_datetime(fresh_sandbox.state.started_at + timedelta(minutes=1), usegmt=True)
    earlier = format_datetime(fresh_sandbox.state.started_at - timedelta(days=1), usegmt=True)
    not_modified = fresh_http.get("/sobjects/Account/describe", headers={"If-Modified-Since": later})
    modified = fresh_http.get("/sobjects/Account/describe", headers={"If-Modified-Since": earlier})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert modified.status_code == 200


def test_create_returns_201_and_id(fresh_http: httpx.Client) -> None:
    """A create returns 201 {"id", "errors": [], "success": true} with an 18-character id."""
    response = fresh_http.post("/sobjects/Account", json={"Name": "Acme"})
    body = response.json()
    assert response.status_code == 201
    assert body == {"id": body["id"], "success": True, "errors": []}
    assert is_salesforce_id(body["id"])
    assert len(body["id"]) == 18
    assert body["id"].startswith("001")


def test_create_with_trailing_slash(fresh_http: httpx.Client) -> None:
    """`/sobjects/Contact/` works like `/sobjects/Contact`, as clients send both."""
    response = fresh_http.post("/sobjects/Contact/", json={"LastName": "Slash"})
    assert response.status_code == 201


def test_retrieve_selected_fields(fresh_http: httpx.Client) -> None:
    """GET with fields= returns those fields, attributes and Id."""
    contact_id = _create(fresh_http, "Contact", {"LastName": "Ng", "Email": "ng@example.com"})
    body = fresh_http.get(f"/sobjects/Contact/{contact_id}", params={"fields": "LastName,Email"}).json()
    assert body == {
        "attributes": {"type": "Contact", "url": f"/services/data/v66.0/sobjects/Contact/{contact_id}"},
        "LastName": "Ng",
        "Email": "ng@example.com",
        "Id": contact_id,
    }


def test_retrieve_by_15_character_id(fresh_http: httpx.Client) -> None:
    """A 15-character id in the URL names the same record."""
    contact_id = _create(fresh_http, "Contact", {"LastName": "Short"})
    body = fresh_http.get(f"/sobjects/Contact/{to_15(contact_id)}", params={"fields": "LastName"}).json()
    assert body["Id"] == contact_id


def test_update_then_delete(fresh_http: httpx.Client) -> None:
    """PATCH returns 204 and changes the field; DELETE returns 204; a later GET is 404."""
    contact_id = _create(fresh_http, "Contact", {"LastName": "Old"})
    updated = fresh_http.patch(f"/sobjects/Contact/{contact_id}", json={"LastName": "New"})
    after = fresh_http.get(f"/sobjects/Contact/{contact_id}", params={"fields": "LastName"}).json()
    deleted = fresh_http.delete(f"/sobjects/Contact/{contact_id}")
    gone = fresh_http.get(f"/sobjects/Contact/{contact_id}")
    assert updated.status_code == 204
    assert updated.content == b""
    assert after["LastName"] == "New"
    assert deleted.status_code == 204
    assert gone.status_code == 404
    assert _error(gone)["errorCode"] == "ENTITY_IS_DELETED"


def test_update_deleted_record(fresh_http: httpx.Client) -> None:
    """Updating a deleted record fails with ENTITY_IS_DELETED."""
    contact_id = _create(fresh_http, "Contact", {"LastName": "Gone"})
    fresh_http.delete(f"/sobjects/Contact/{contact_id}")
    response = fresh_http.patch(f"/sobjects/Contact/{contact_id}", json={"LastName": "Back"})
    assert _error(response)["errorCode"] == "ENTITY_IS_DELETED"


def test_id_in_create_body_rejected(fresh_http: httpx.Client) -> None:
    """An Id in a create body returns 400 INVALID_FIELD with Salesforce's message."""
    response = fresh_http.post("/sobjects/Contact", json={"Id": "003000000000001AAA", "LastName": "X"})
    assert response.status_code == 400
    assert _error(response) == {
        "message": "The Id field should not be specified in the sobject data.",
        "errorCode": "INVALID_FIELD",
    }


@pytest.mark.parametrize(
    ("fields", "code", "error_fields"),
    [
        ({"LastName": "X", "NoSuchField__c": 1}, "INVALID_FIELD", None),
        ({"FirstName": "Only"}, "REQUIRED_FIELD_MISSING", ["LastName"]),
        ({"LastName": "x" * 81}, "STRING_TOO_LONG", ["LastName"]),
        ({"LastName": "X", "AccountId": "not-an-id"}, "MALFORMED_ID", ["AccountId"]),
        ({"LastName": "X", "AccountId": "001000000000000AAA"}, "INVALID_CROSS_REFERENCE_KEY", ["AccountId"]),
    ],
)
def test_create_validation_errors(
    fresh_http: httpx.Client, fields: dict[str, object], code: str, error_fields: list[str] | None
) -> None:
    """Invalid creates get 400 with the array body, errorCode, message and fields."""
    response = fresh_http.post("/sobjects/Contact", json=fields)
    error = _error(response)
    assert response.status_code == 400
    assert error["errorCode"] == code
    assert isinstance(error["message"], str)
    assert error["message"]
    if error_fields is not None:
        assert error["fields"] == error_fields


def test_create_unknown_type(fresh_http: httpx.Client) -> None:
    """A create of an unknown object returns 404 NOT_FOUND."""
    response = fresh_http.post("/sobjects/Nope__c", json={"Name": "x"})
    assert response.status_code == 404
    assert _error(response)["errorCode"] == "NOT_FOUND"


def test_bad_json_is_parser_error(fresh_http: httpx.Client) -> None:
    """A body that is not JSON returns 400 JSON_PARSER_ERROR with line and column."""
    response = fresh_http.post(
        "/sobjects/Contact", content=b'{"LastName": }', headers={"Content-Type": "application/json"}
    )
    error = _error(response)
    assert response.status_code == 400
    assert error["errorCode"] == "JSON_PARSER_ERROR"
    assert "at [line:1, column:14]" in str(error["message"])


def test_json_array_body_is_parser_error(fresh_http: httpx.Client) -> None:
    """A JSON array where an object is expected returns JSON_PARSER_ERROR."""
    response = fresh_http.post("/sobjects/Contact", json=[{"LastName": "A"}])
    assert _error(response)["errorCode"] == "JSON_PARSER_ERROR"


def test_non_id_reads_as_field_name(fresh_http: httpx.Client) -> None:
    """A string that is not an id reads as an external-id field name: 404 NOT_FOUND."""
    response = fresh_http.get("/sobjects/Account/notAnId")
    assert response.status_code == 404
    assert _error(response) == {
        "message": "Provided external ID field does not exist or is not accessible: notAnId",
        "errorCode": "NOT_FOUND",
    }


def test_unknown_record_not_found(fresh_http: httpx.Client) -> None:
    """A well-formed id with no record returns 404 NOT_FOUND."""
    response = fresh_http.get("/sobjects/Account/001000000000000AAA")
    assert response.status_code == 404
    assert _error(response)["errorCode"] == "NOT_FOUND"


def test_method_not_allowed(fresh_http: httpx.Client) -> None:
    """PUT on a record returns 405 with Salesforce's array body."""
    response = fresh_http.put("/sobjects/Account/001000000000000AAA", json={})
    assert response.status_code == 405
    assert _error(response)["errorCode"] == "METHOD_NOT_ALLOWED"


# Upsert --------------------------------------------------------------------------------

KEY = "sfseg_Segment_Key__c"


def test_upsert_creates_with_201(fresh_http: httpx.Client) -> None:
    """An upsert with a new external id returns 201 created:true."""
    response = fresh_http.patch(f"/sobjects/Campaign/{KEY}/seg-1", json={"Name": "Spring"})
    body = response.json()
    assert response.status_code == 201
    assert body == {"id": body["id"], "success": True, "errors": [], "created": True}
    assert response.headers["Location"] == f"/services/data/v66.0/sobjects/Campaign/{body['id']}"


def test_upsert_updates_with_200(fresh_http: httpx.Client) -> None:
    """An upsert of an existing external id returns 200 created:false, same id."""
    first = fresh_http.patch(f"/sobjects/Campaign/{KEY}/seg-2", json={"Name": "A"}).json()
    second = fresh_http.patch(f"/sobjects/Campaign/{KEY}/seg-2", json={"Name": "B"})
    assert second.status_code == 200
    assert second.json() == {"id": first["id"], "success": True, "errors": [], "created": False}
    name = fresh_http.get(f"/sobjects/Campaign/{first['id']}", params={"fields": "Name"}).json()["Name"]
    assert name == "B"


def test_upsert_several_matches_300(fresh_sandbox: SandboxInfo, fresh_http: httpx.Client) -> None:
    """An upsert matching several records returns 300 with their URLs."""
    # The org keeps the key unique, so the twins are written past its checks.
    org = fresh_sandbox.state.org
    ids = [org.insert_system_row("Campaign", {"Name": f"Twin{n}", KEY: "twin"}) for n in (1, 2)]
    response = fresh_http.patch(f"/sobjects/Campaign/{KEY}/twin", json={"Name": "X"})
    assert response.status_code == 300
    assert sorted(response.json()) == sorted(f"/services/data/v66.0/sobjects/Campaign/{i}" for i in ids)


def test_upsert_unknown_field_404(fresh_http: httpx.Client) -> None:
    """An upsert on a field that is not an external id returns 404 NOT_FOUND."""
    response = fresh_http.patch("/sobjects/Campaign/NoField__c/x", json={"Name": "A"})
    assert response.status_code == 404
    assert _error(response)["errorCode"] == "NOT_FOUND"


def test_get_by_external_id(fresh_http: httpx.Client) -> None:
    """GET /sobjects/{Type}/{ExtField}/{value} returns the matching record."""
    created = fresh_http.patch(f"/sobjects/Campaign/{KEY}/seg-9", json={"Name": "Nine"}).json()
    body = fresh_http.get(f"/sobjects/Campaign/{KEY}/seg-9", params={"fields": "Name"}).json()
    assert body["Id"] == created["id"]
    assert body["Name"] == "Nine"


# Limits resource -----------------------------------------------------------------------


def test_limits_counts_live(fresh_sandbox: SandboxInfo, fresh_http: httpx.Client) -> None:
    """/limits reports DailyApiRequests from the live counter, this call included."""
    fresh_http.get("/sobjects")
    response = fresh_http.get("/limits")
    body = response.json()
    assert body["DailyApiRequests"] == {"Max": 100_000, "Remaining": 99_998}
    assert body["DailyBulkApiBatches"] == {"Max": 15_000, "Remaining": 15_000}
    assert response.headers["Sforce-Limit-Info"] == "api-usage=2/100000"


def test_restricted_picklist_from_seed_schema(tmp_path: Path) -> None:
    """A value outside a restricted picklist of the seed's schema is INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST."""
    schema = {"objects": {"Contact": {"fields": {"Tier__c": {"type": "picklist", "values": ["Gold", "Silver"], "restricted": True}}}}}
    tree = {"records": [{"attributes": {"type": "Contact", "referenceId": "c1"}, "LastName": "Seeded", "Tier__c": "Gold"}]}
    (tmp_path / "schema.json").write_text(json.dumps(schema))
    (tmp_path / "Contact.json").write_text(json.dumps(tree))
    with run_sandbox(seed=str(tmp_path / "Contact.json")) as info, httpx.Client(base_url=info.data_url) as http:
        http.headers["Authorization"] = f"Bearer {info.access_token()}"
        seeded = http.get("/query", params={"q": "SELECT LastName, Tier__c FROM Contact"}).json()
        good = http.post("/sobjects/Contact", json={"LastName": "Ok", "Tier__c": "Silver"})
        bad = http.post("/sobjects/Contact", json={"LastName": "No", "Tier__c": "Bronze"})
    assert seeded["records"][0]["Tier__c"] == "Gold"
    assert good.status_code == 201
    assert bad.status_code == 400
    assert _error(bad)["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert _error(bad)["fields"] == ["Tier__c"]


def test_converted_lead_member_rejected(fresh_sandbox: SandboxInfo, fresh_http: httpx.Client) -> None:
    """A converted lead cannot become a campaign member: 400 CANNOT_UPDATE_CONVERTED_LEAD."""
    campaign_id = _create(fresh_http, "Campaign", {"Name": "Converted"})
    lead_id = _create(fresh_http, "Lead", {"LastName": "Was", "Company": "Lead Co"})
    fresh_sandbox.state.org.convert_lead(lead_id)
    response = fresh_http.post("/sobjects/CampaignMember", json={"CampaignId": campaign_id, "LeadId": lead_id})
    assert response.status_code == 400
    assert _error(response)["errorCode"] == "CANNOT_UPDATE_CONVERTED_LEAD"
