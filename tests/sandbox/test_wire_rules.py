"""The wire behaviours an emulator most often gets wrong, one test each, over HTTP.

Bulk API and report-run behaviours are tested with the bulk and reports routes.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx

from sfseg.sandbox.app import create_app
from sfseg.sandbox.server import SandboxInfo
from sfseg.soql.ids import is_salesforce_id, to_15

KEY = "sfseg_Segment_Key__c"


def _create(http: httpx.Client, sobject: str, fields: dict[str, Any]) -> str:
    response = http.post(f"/sobjects/{sobject}", json=fields)
    assert response.status_code == 201, response.text
    record_id: str = response.json()["id"]
    return record_id


def _insert_contacts(http: httpx.Client, last_names: list[str]) -> None:
    for start in range(0, len(last_names), 200):
        records = [{"attributes": {"type": "Contact"}, "LastName": name} for name in last_names[start : start + 200]]
        results = http.post("/composite/sobjects", json={"records": records}).json()
        assert all(result["success"] for result in results)


def _query(http: httpx.Client, soql: str) -> httpx.Response:
    return http.get("/query", params={"q": soql})


def test_upsert_status_codes(fresh_sandbox: SandboxInfo, fresh_http: httpx.Client) -> None:
    """Upsert: 201 created:true, then 200 with created:false (not 204), 300 for several matches."""
    created = fresh_http.patch(f"/sobjects/Campaign/{KEY}/wire-1", json={"Name": "Wire"})
    updated = fresh_http.patch(f"/sobjects/Campaign/{KEY}/wire-1", json={"Name": "Wire 2"})
    org = fresh_sandbox.state.org
    for name in ("Twin A", "Twin B"):
        org.insert_system_row("Campaign", {"Name": name, KEY: "twins"})
    several = fresh_http.patch(f"/sobjects/Campaign/{KEY}/twins", json={"Name": "X"})
    assert (created.status_code, created.json()["created"]) == (201, True)
    assert (updated.status_code, updated.json()["created"]) == (200, False)
    assert several.status_code == 300
    assert len(several.json()) == 2


def test_collections_record_errors(fresh_http: httpx.Client) -> None:
    """Collections answer 200 with per-item statusCode errors; failed creates have no id."""
    records = [
        {"attributes": {"type": "Contact"}, "LastName": "Fine"},
        {"attributes": {"type": "Contact"}, "FirstName": "No last name"},
    ]
    loose = fresh_http.post("/composite/sobjects", json={"allOrNone": False, "records": records})
    strict = fresh_http.post("/composite/sobjects", json={"allOrNone": True, "records": records}).json()
    assert loose.status_code == 200
    assert "id" in loose.json()[0]
    assert "id" not in loose.json()[1]
    assert set(loose.json()[1]["errors"][0]) == {"statusCode", "message", "fields"}
    assert strict[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"


def test_aggregate_rows(fresh_http: httpx.Client) -> None:
    """Aggregate rows are AggregateResult without url, expr0 naming, parent keys flattened."""
    account_id = _create(fresh_http, "Account", {"Name": "acct1"})
    for name in ("A", "B"):
        _create(fresh_http, "Contact", {"LastName": name, "AccountId": account_id})
    body = _query(fresh_http, "SELECT COUNT(Id), Account.Name FROM Contact GROUP BY Account.Name").json()
    assert body["records"] == [{"attributes": {"type": "AggregateResult"}, "expr0": 2, "Name": "acct1"}]


def test_aggregate_over_2000_groups(fresh_http: httpx.Client) -> None:
    """An aggregate over more than 2,000 groups returns EXCEEDED_ID_LIMIT, not a next page."""
    _insert_contacts(fresh_http, [f"G{n:05d}" for n in range(2_001)])
    response = _query(fresh_http, "SELECT LastName, COUNT(Id) FROM Contact GROUP BY LastName")
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_query_paging(fresh_http: httpx.Client) -> None:
    """totalSize is the full count while a page has at most 2,000; OFFSET caps at 2,000."""
    _insert_contacts(fresh_http, [f"P{n:05d}" for n in range(2_100)])
    page = _query(fresh_http, "SELECT Id FROM Contact").json()
    offset_ok = _query(fresh_http, "SELECT Id FROM Contact ORDER BY LastName LIMIT 10 OFFSET 2000")
    offset_bad = _query(fresh_http, "SELECT Id FROM Contact ORDER BY LastName LIMIT 10 OFFSET 2001")
    assert page["totalSize"] == 2_100
    assert len(page["records"]) == 2_000
    assert page["done"] is False
    assert offset_ok.status_code == 200
    assert offset_bad.status_code == 400
    assert offset_bad.json()[0]["errorCode"] == "NUMBER_OUTSIDE_VALID_RANGE"


def test_uri_limits(fresh_http: httpx.Client) -> None:
    """A URI over 16,384 bytes is 414 with HTML; URI+headers over it is 431; /query has no POST."""
    long_uri = _query(fresh_http, "SELECT Id FROM Contact WHERE LastName = '" + "x" * 16_400 + "'")
    big_headers = fresh_http.get("/limits", headers={"X-Big": "h" * 16_300})
    posted = fresh_http.post("/query", json={"q": "SELECT Id FROM Contact"})
    assert long_uri.status_code == 414
    assert long_uri.text.startswith("<h1>Bad Message 414</h1>")
    assert big_headers.status_code == 431
    assert posted.status_code == 405


def test_member_unknown_status_gets_default(fresh_http: httpx.Client) -> None:
    """A CampaignMember Status that is no campaign status is stored as the default, no error."""
    campaign_id = _create(fresh_http, "Campaign", {"Name": "Status test"})
    contact_id = _create(fresh_http, "Contact", {"LastName": "Member"})
    member_id = _create(
        fresh_http, "CampaignMember", {"CampaignId": campaign_id, "ContactId": contact_id, "Status": "Bogus"}
    )
    member = fresh_http.get(f"/sobjects/CampaignMember/{member_id}", params={"fields": "Status,HasResponded"}).json()
    assert member["Status"] == "Sent"
    assert member["HasResponded"] is False


def test_member_uniqueness(fresh_http: httpx.Client) -> None:
    """A second member for the same contact is DUPLICATE_VALUE; ContactId wins over LeadId."""
    campaign_id = _create(fresh_http, "Campaign", {"Name": "Unique test"})
    contact_id = _create(fresh_http, "Contact", {"LastName": "Once"})
    lead_id = _create(fresh_http, "Lead", {"LastName": "Lead", "Company": "Co"})
    member_id = _create(
        fresh_http, "CampaignMember", {"CampaignId": campaign_id, "ContactId": contact_id, "LeadId": lead_id}
    )
    again = fresh_http.post("/sobjects/CampaignMember", json={"CampaignId": campaign_id, "ContactId": contact_id})
    member = fresh_http.get(f"/sobjects/CampaignMember/{member_id}", params={"fields": "ContactId,LeadId"}).json()
    assert again.status_code == 400
    assert again.json()[0]["errorCode"] == "DUPLICATE_VALUE"
    assert again.json()[0]["message"] == "Already a campaign member."
    assert member["ContactId"] == contact_id
    assert member["LeadId"] is None


def test_new_campaign_statuses_and_rollups(fresh_http: httpx.Client) -> None:
    """A new campaign gets Sent (default) and Responded; roll-ups follow members and are read-only."""
    campaign_id = _create(fresh_http, "Campaign", {"Name": "Rollup test"})
    statuses = _query(
        fresh_http,
        f"SELECT Label, IsDefault, HasResponded FROM CampaignMemberStatus WHERE CampaignId = '{campaign_id}' ORDER BY Label",
    ).json()["records"]
    contact_id = _create(fresh_http, "Contact", {"LastName": "Responder"})
    _create(fresh_http, "CampaignMember", {"CampaignId": campaign_id, "ContactId": contact_id, "Status": "Responded"})
    counts = fresh_http.get(
        f"/sobjects/Campaign/{campaign_id}", params={"fields": "NumberOfContacts,NumberOfResponses"}
    ).json()
    write = fresh_http.patch(f"/sobjects/Campaign/{campaign_id}", json={"NumberOfContacts": 99})
    assert [(s["Label"], s["IsDefault"], s["HasResponded"]) for s in statuses] == [
        ("Responded", False, True),
        ("Sent", True, False),
    ]
    assert (counts["NumberOfContacts"], counts["NumberOfResponses"]) == (1, 1)
    assert write.status_code == 400


def test_ids(fresh_http: httpx.Client) -> None:
    """Ids are 18 characters with a valid checksum; 15 works on input, case-sensitively."""
    contact_id = _create(fresh_http, "Contact", {"LastName": "Ids"})
    short = to_15(contact_id)
    position = next(i for i in range(3, 15) if short[i].isalpha())
    swapped = short[:position] + short[position].swapcase() + short[position + 1 :]
    by_short = fresh_http.get(f"/sobjects/Contact/{short}", params={"fields": "LastName"})
    by_swapped_case = fresh_http.get(f"/sobjects/Contact/{swapped}")
    not_an_id = fresh_http.get("/sobjects/Contact/notAnId")
    assert len(contact_id) == 18
    assert is_salesforce_id(contact_id)
    assert by_short.json()["Id"] == contact_id
    assert by_swapped_case.status_code == 404
    assert not_an_id.status_code == 404
    assert not_an_id.json()[0]["message"] == "Provided external ID field does not exist or is not accessible: notAnId"


def test_token_responses(fresh_sandbox: SandboxInfo) -> None:
    """Token returns: issued_at in ms as a string, no expires_in, no refresh token; expiry is 401."""
    credentials = {
        "grant_type": "client_credentials",
        "client_id": fresh_sandbox.client_id,
        "client_secret": fresh_sandbox.client_secret,
    }
    body = httpx.post(f"{fresh_sandbox.url}/services/oauth2/token", data=credentials).json()
    clock = fresh_sandbox.state.clock
    clock.set(clock.now() + timedelta(seconds=fresh_sandbox.state.config.token_ttl + 1))
    expired = httpx.get(f"{fresh_sandbox.data_url}/limits", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert isinstance(body["issued_at"], str)
    assert len(body["issued_at"]) == 13
    assert "expires_in" not in body
    assert "refresh_token" not in body
    assert expired.status_code == 401
    assert expired.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def test_client_credentials_rejected_on_login_host(fresh_sandbox: SandboxInfo) -> None:
    """The client-credentials grant sent to login.salesforce.com is refused (in process, no network)."""
    app = create_app(fresh_sandbox.state.config, state=fresh_sandbox.state)
    credentials = {
        "grant_type": "client_credentials",
        "client_id": fresh_sandbox.client_id,
        "client_secret": fresh_sandbox.client_secret,
    }

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://login.salesforce.com") as client:
            return await client.post("/services/oauth2/token", data=credentials)

    response = asyncio.run(post())
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant", "error_description": "request not supported on this domain"}
