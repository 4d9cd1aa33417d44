"""Reports client against the loopback sandbox: create, run, truncation and tidy rows."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from sfseg.salesforce import SalesforceClient
from sfseg.salesforce.reports import Reports
from sfseg.sandbox.server import SandboxInfo, run_sandbox

MEMBERS = 3_250


@pytest.fixture(scope="module")
def big_campaign() -> Iterator[SandboxInfo]:
    """A sandbox whose one campaign has 3,250 contact members, 1,000 of them Responded."""
    with run_sandbox(seed="empty") as info:
        org = info.state.org
        campaign = org.create("Campaign", {"Name": "Big Launch"})
        with org.transaction():
            for i in range(MEMBERS):
                contact = org.create("Contact", {"LastName": f"Member {i:04d}", "LeadSource": "Web" if i % 2 else "Partner"})
                status = "Responded" if i < 1000 else "Sent"
                org.create("CampaignMember", {"CampaignId": campaign, "ContactId": contact, "Status": status})
        yield info


@pytest.fixture
def client(big_campaign: SandboxInfo) -> Iterator[SalesforceClient]:
    from sfseg.salesforce import ConnectionSettings

    settings = ConnectionSettings(
        instance_url=big_campaign.url,
        login_url=big_campaign.url,
        api_version=big_campaign.api_version,
        flow="client_credentials",
        client_id=big_campaign.client_id,
        client_secret=big_campaign.client_secret,
    )
    with SalesforceClient(settings) as connected:
        yield connected


def _member_report(reports: Reports) -> str:
    return reports.create(
        {
            "name": "Big Launch members",
            "reportType": {"type": "CampaignWithCampaignMembers"},
            "reportFormat": "SUMMARY",
            "detailColumns": ["MEMBER_ID", "LAST_NAME", "MEMBER_STATUS"],
            "groupingsDown": [{"name": "MEMBER_STATUS", "sortOrder": "Asc"}],
            "aggregates": ["RowCount"],
        }
    )


def test_client_property_returns_reports(client: SalesforceClient) -> None:
    assert isinstance(client.reports, Reports)


def test_run_reports_truncation_and_full_total(client: SalesforceClient) -> None:
    report_id = _member_report(client.reports)
    run = client.reports.run(report_id, include_details=True)
    assert run.truncated is True
    assert len(run.details) == 2000
    assert run.grand_total == {"RowCount": Decimal(MEMBERS)}
    assert [(row.groupings["MEMBER_STATUS"], row.aggregates["RowCount"]) for row in run.rows] == [
        ("Responded", Decimal(1000)),
        ("Sent", Decimal(2250)),
    ]
    assert set(run.details[0]) == {"MEMBER_ID", "LAST_NAME", "MEMBER_STATUS"}


def test_run_without_details_has_no_rows(client: SalesforceClient) -> None:
    report_id = _member_report(client.reports)
    run = client.reports.run(report_id)
    assert run.details == []
    assert run.truncated is False
    assert run.has_detail_rows is False
    assert run.grand_total["RowCount"] == Decimal(MEMBERS)


def test_run_with_overrides(client: SalesforceClient) -> None:
    report_id = _member_report(client.reports)
    overrides = {
        "groupingsDown": [{"name": "LEAD_SOURCE", "sortOrder": "Desc"}],
        "reportFilters": [{"column": "MEMBER_STATUS", "operator": "equals", "value": "Responded"}],
    }
    run = client.reports.run(report_id, overrides=overrides)
    assert [(row.groupings["LEAD_SOURCE"], row.aggregates["RowCount"]) for row in run.rows] == [
        ("Web", Decimal(500)),
        ("Partner", Decimal(500)),
    ]


def test_list_describe_delete(client: SalesforceClient) -> None:
    report_id = _member_report(client.reports)
    assert report_id in [report["id"] for report in client.reports.list()]
    described = client.reports.describe(report_id)
    assert described["reportMetadata"]["reportType"]["type"] == "CampaignWithCampaignMembers"
    client.reports.delete(report_id)
    assert report_id not in [report["id"] for report in client.reports.list()]


def test_report_types(client: SalesforceClient) -> None:
    types = {t["type"] for category in client.reports.report_types() for t in category["reportTypes"]}
    assert "CampaignWithCampaignMembers" in types
