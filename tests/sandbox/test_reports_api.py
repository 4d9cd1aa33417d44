"""Sandbox Reports API: report types, stored reports, runs, factMap shape and limits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sfseg.sandbox.reports import report_store
from sfseg.sandbox.server import SandboxInfo, run_sandbox

INDUSTRIES = ("Energy", "Banking", None)


@pytest.fixture(scope="module")
def report_org() -> Iterator[SandboxInfo]:
    """A sandbox with one campaign of 30 members: 20 contacts (at three accounts) and 10 leads."""
    with run_sandbox(seed="empty") as info:
        org = info.state.org
        campaign = org.create("Campaign", {"Name": "Spring Launch", "Type": "Email"})
        other = org.create("Campaign", {"Name": "Autumn"})
        accounts = [
            org.create("Account", {"Name": f"Account {i}", "Industry": industry, "AnnualRevenue": 1000 * (i + 1)})
            for i, industry in enumerate(INDUSTRIES)
        ]
        for i in range(20):
            contact = org.create("Contact", {"LastName": f"Contact {i:02d}", "AccountId": accounts[i % 3],
                                             "LeadSource": "Web" if i % 2 else "Phone Inquiry"})
            status = "Responded" if i < 5 else "Sent"
            org.create("CampaignMember", {"CampaignId": campaign, "ContactId": contact, "Status": status})
        for i in range(10):
            lead = org.create("Lead", {"LastName": f"Lead {i}", "Company": "Leadco", "Industry": "Retail",
                                       "AnnualRevenue": 500})
            org.create("CampaignMember", {"CampaignId": campaign, "LeadId": lead})
        contact = org.create("Contact", {"LastName": "Elsewhere"})
        org.create("CampaignMember", {"CampaignId": other, "ContactId": contact})
        yield info


@pytest.fixture
def http(report_org: SandboxInfo) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=report_org.data_url, headers={"Authorization": f"Bearer {report_org.access_token()}"},
                      timeout=30) as client:
        yield client


def _campaign_id(info: SandboxInfo) -> str:
    sql = 'SELECT Id FROM "Campaign" WHERE Name = ?'
    return str(info.state.org.store.connection.execute(sql, ("Spring Launch",)).fetchone()[0])


def _create(http: httpx.Client, **metadata: Any) -> str:
    body = {"name": "Test report", "reportType": {"type": "CampaignWithCampaignMembers"}, **metadata}
    response = http.post("/analytics/reports", json={"reportMetadata": body})
    assert response.status_code == 200, response.text
    return str(response.json()["reportMetadata"]["id"])


def test_report_types_listed(http: httpx.Client) -> None:
    body = http.get("/analytics/reportTypes").json()
    types = {t["type"] for category in body for t in category["reportTypes"]}
    assert {"CampaignWithCampaignMembers", "ContactList"} <= types


def test_report_type_describe_columns(http: httpx.Client) -> None:
    body = http.get("/analytics/reportTypes/CampaignWithCampaignMembers").json()
    columns = {name for category in body["reportTypeMetadata"]["categories"] for name in category["columns"]}
    assert {"CAMPAIGN_ID", "MEMBER_STATUS", "MEMBER_CREATED_DATE", "ACCOUNT.INDUSTRY", "LEAD_SOURCE"} <= columns
    assert http.get("/analytics/reportTypes/Nope").status_code == 404


def test_sample_reports_seeded_when_org_has_campaigns(http: httpx.Client) -> None:
    names = [report["name"] for report in http.get("/analytics/reports").json()]
    assert "Campaign Members by Status" in names


def test_summary_run_groupings_and_fact_map(http: httpx.Client, report_org: SandboxInfo) -> None:
    report_id = _create(
        http,
        reportFormat="SUMMARY",
        groupingsDown=[{"name": "MEMBER_STATUS", "sortOrder": "Asc"}, {"name": "MEMBER_TYPE", "sortOrder": "Asc"}],
        aggregates=["RowCount"],
        reportFilters=[{"column": "CAMPAIGN_ID", "operator": "equals", "value": _campaign_id(report_org)}],
    )
    body = http.get(f"/analytics/reports/{report_id}").json()
    groups = body["groupingsDown"]["groupings"]
    assert [(g["key"], g["label"], g["value"]) for g in groups] == [("0", "Responded", "Responded"), ("1", "Sent", "Sent")]
    assert [(g["key"], g["value"]) for g in groups[1]["groupings"]] == [("1_0", "Contact"), ("1_1", "Lead")]
    fact_map = body["factMap"]
    assert fact_map["T!T"]["aggregates"] == [{"label": "30", "value": 30}]
    assert fact_map["0!T"]["aggregates"][0]["value"] == 5
    assert fact_map["1_1!T"]["aggregates"][0]["value"] == 10
    assert fact_map["1_0!T"]["rows"] == []
    assert body["hasDetailRows"] is False
    assert body["allData"] is True


def test_details_only_with_include_details(http: httpx.Client, report_org: SandboxInfo) -> None:
    report_id = _create(
        http,
        detailColumns=["LAST_NAME", "ANNUAL_REVENUE"],
        reportFilters=[{"column": "CAMPAIGN_ID", "operator": "equals", "value": _campaign_id(report_org)},
                       {"column": "MEMBER_TYPE", "operator": "equals", "value": "Lead"}],
    )
    body = http.get(f"/analytics/reports/{report_id}", params={"includeDetails": "true"}).json()
    rows = body["factMap"]["T!T"]["rows"]
    assert len(rows) == 10
    assert rows[0]["dataCells"][1] == {"label": "$500", "value": {"amount": 500, "currency": None}}
    assert body["reportExtendedMetadata"]["detailColumnInfo"]["ANNUAL_REVENUE"]["dataType"] == "currency"


def test_post_overrides_filters_and_boolean_logic(http: httpx.Client, report_org: SandboxInfo) -> None:
    report_id = _create(http, aggregates=["RowCount"])
    overrides = {
        "reportFilters": [
            {"column": "CAMPAIGN_ID", "operator": "equals", "value": _campaign_id(report_org)},
            {"column": "INDUSTRY", "operator": "equals", "value": "Energy,Banking"},
            {"column": "MEMBER_TYPE", "operator": "equals", "value": "Lead"},
        ],
        "reportBooleanFilter": "1 AND (2 OR 3)",
    }
    body = http.post(f"/analytics/reports/{report_id}", json={"reportMetadata": overrides}).json()
    # Energy (7 contacts) + Banking (7 contacts) + 10 leads
    assert body["factMap"]["T!T"]["aggregates"][0]["value"] == 24
    saved = http.get(f"/analytics/reports/{report_id}/describe").json()
    assert saved["reportMetadata"]["reportFilters"] == []


def test_sum_aggregate_value_and_label(http: httpx.Client, report_org: SandboxInfo) -> None:
    report_id = _create(
        http,
        groupingsDown=[{"name": "INDUSTRY", "sortOrder": "Desc"}],
        aggregates=["s!ANNUAL_REVENUE", "RowCount"],
        reportFilters=[{"column": "CAMPAIGN_ID", "operator": "equals", "value": _campaign_id(report_org)}],
    )
    body = http.get(f"/analytics/reports/{report_id}").json()
    labels = [g["label"] for g in body["groupingsDown"]["groupings"]]
    assert labels == ["Retail", "Energy", "Banking", "-"]
    # 7 Energy contacts at an account with revenue 1,000, 7 Banking at 2,000, 6 blank at 3,000, 10 leads at 500
    assert body["factMap"]["T!T"]["aggregates"][0] == {"label": "$44,000", "value": 44000}
    assert body["factMap"]["0!T"]["aggregates"] == [{"label": "$5,000", "value": 5000}, {"label": "10", "value": 10}]


def test_contact_list_report(http: httpx.Client) -> None:
    report_id = _create(http, reportType={"type": "ContactList"}, groupingsDown=[{"name": "LEAD_SOURCE"}],
                        aggregates=["RowCount"])
    body = http.get(f"/analytics/reports/{report_id}").json()
    assert body["factMap"]["T!T"]["aggregates"][0]["value"] == 21


def test_too_many_groupings_refused(http: httpx.Client) -> None:
    report_id = _create(http)
    overrides = {"groupingsDown": [{"name": name} for name in ("INDUSTRY", "MEMBER_STATUS", "MEMBER_TYPE", "TITLE")]}
    response = http.post(f"/analytics/reports/{report_id}", json={"reportMetadata": overrides})
    assert response.status_code == 400
    assert "at most 3 groupingsDown" in response.json()[0]["message"]


def test_unknown_column_refused(http: httpx.Client) -> None:
    response = http.post("/analytics/reports", json={"reportMetadata": {
        "name": "Bad", "reportType": {"type": "CampaignWithCampaignMembers"}, "detailColumns": ["NOPE"]}})
    assert response.status_code == 400
    assert "NOPE" in response.json()[0]["message"]


def test_delete_report(http: httpx.Client) -> None:
    report_id = _create(http)
    assert http.delete(f"/analytics/reports/{report_id}").status_code == 204
    missing = http.get(f"/analytics/reports/{report_id}")
    assert missing.status_code == 404
    assert missing.json()[0]["errorCode"] == "NOT_FOUND"


def test_hourly_run_limit(http: httpx.Client, report_org: SandboxInfo) -> None:
    store = report_store(report_org.state)
    report_id = _create(http)
    store.settings.hourly_run_limit = len(store.runs) + 1
    try:
        assert http.get(f"/analytics/reports/{report_id}").status_code == 200
        refused = http.get(f"/analytics/reports/{report_id}")
    finally:
        store.settings.hourly_run_limit = 500
    assert refused.status_code == 403
    assert "can't run more than" in refused.json()[0]["message"]


def test_limits_entry_counts_runs(http: httpx.Client, report_org: SandboxInfo) -> None:
    store = report_store(report_org.state)
    report_id = _create(http)
    before = store.limits(report_org.state.clock.now())["HourlySyncReportRuns"]["Remaining"]
    http.get(f"/analytics/reports/{report_id}")
    after = store.limits(report_org.state.clock.now())["HourlySyncReportRuns"]
    assert after["Max"] == 500
    assert after["Remaining"] == before - 1


def test_async_instance_run_and_fetch(http: httpx.Client, report_org: SandboxInfo) -> None:
    report_id = _create(http, groupingsDown=[{"name": "MEMBER_TYPE"}], aggregates=["RowCount"],
                        reportFilters=[{"column": "CAMPAIGN_ID", "operator": "equals", "value": _campaign_id(report_org)}])
    created = http.post(f"/analytics/reports/{report_id}/instances", params={"includeDetails": "true"})
    assert created.status_code == 200, created.text
    instance = created.json()
    assert instance["status"] == "New"
    assert instance["id"].startswith("0LG")
    assert [i["id"] for i in http.get(f"/analytics/reports/{report_id}/instances").json()] == [instance["id"]]
    body = http.get(f"/analytics/reports/{report_id}/instances/{instance['id']}").json()
    assert body["attributes"]["status"] == "Success"
    assert body["factMap"]["T!T"]["aggregates"][0]["value"] == 30
    assert body["hasDetailRows"] is True
    assert http.get(f"/analytics/reports/{report_id}/instances/0LGSB0000000999AAA").status_code == 404


def test_id_filter_accepts_15_characters(http: httpx.Client, report_org: SandboxInfo) -> None:
    report_id = _create(http, aggregates=["RowCount"])
    short_id = _campaign_id(report_org)[:15]
    overrides = {
        "reportFilters": [
            {"column": "CAMPAIGN_ID", "operator": "equals", "value": short_id},
            {"column": "MEMBER_TYPE", "operator": "equals", "value": "Lead"},
        ],
        "reportBooleanFilter": "1 AND 2",
    }
    body = http.post(f"/analytics/reports/{report_id}", json={"reportMetadata": overrides}).json()
    assert body["factMap"]["T!T"]["aggregates"][0]["value"] == 10
