"""create_segment on a live sandbox org: Campaign, statuses, store row, retry safety."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sfseg.salesforce import SalesforceClient
from sfseg.salesforce.errors import SalesforceError
from sfseg.segments import create as create_module
from sfseg.segments.create import SegmentExistsError, create_segment
from sfseg.segments.criteria import CriteriaError
from sfseg.segments.segment import MemberStatus
from sfseg.segments.store import Segment, Store

WHERE = "MailingCountry = 'United States'"
pytestmark = pytest.mark.slow  # a fresh sandbox per test


def _statuses(client: SalesforceClient, campaign_id: str) -> list[tuple[str, bool, bool]]:
    rows = client.query(
        "SELECT Label, IsDefault, HasResponded FROM CampaignMemberStatus "
        f"WHERE CampaignId = '{campaign_id}' ORDER BY SortOrder"
    )
    return [(r["Label"], r["IsDefault"], r["HasResponded"]) for r in rows]


def _campaigns_with_key(client: SalesforceClient, key: str) -> list[dict[str, Any]]:
    return list(client.query(f"SELECT Id, Name FROM Campaign WHERE sfseg_Segment_Key__c = '{key}'"))


def test_create_makes_campaign_and_statuses(fresh_client: SalesforceClient, store: Store) -> None:
    """A new segment is a Campaign with Added (default) and Responded in place of Sent."""
    result = create_segment(
        fresh_client, store, "US contacts", WHERE, description="People in the US",
        campaign_fields={"Type": "Email", "IsActive": True, "StartDate": "2026-01-01"},
    )  # fmt: skip

    assert result.campaign_created is True
    campaign = fresh_client.get("Campaign", result.campaign_id or "")
    assert campaign["Name"] == "US contacts"
    assert campaign["Description"] == "People in the US"
    assert campaign["Type"] == "Email"
    assert campaign["IsActive"] is True
    assert str(campaign["StartDate"]) == "2026-01-01"
    assert _statuses(fresh_client, result.campaign_id or "") == [
        ("Responded", False, True),
        ("Added", True, False),
    ]
    assert result.counts == {"Contact": 0}
    # Describe Contact, describe Campaign, one Composite call, and the analysis report
    # that the first segment of a store makes.
    assert result.api_calls == 4


def test_segment_stored(fresh_client: SalesforceClient, store: Store) -> None:
    """The store keeps segment id and Campaign id, criteria, canonical SOQL and statuses."""
    result = create_segment(fresh_client, store, "Stored", "mailingcountry = 'US'", target="both")
    stored = store.get_segment("Stored")
    assert stored.id == result.segment.id if result.segment else False
    assert stored.campaign_id == result.campaign_id
    assert stored.criteria_kind == "where"
    assert stored.criteria_text == "mailingcountry = 'US'"
    assert stored.soql_contact == "SELECT Id FROM Contact WHERE MailingCountry = 'US'"
    assert stored.soql_lead == "SELECT Id FROM Lead WHERE Country = 'US'"
    assert stored.statuses == [
        {"label": "Added", "is_default": True, "has_responded": False},
        {"label": "Responded", "is_default": False, "has_responded": True},
    ]
    campaign = fresh_client.get("Campaign", stored.campaign_id or "")
    assert campaign["sfseg_Segment_Key__c"] == stored.key


def test_retry_after_crash_finds_campaign(
    fresh_client: SalesforceClient, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A create that dies after writing the Campaign, run again, finds that Campaign."""
    real_finish = create_module._finish

    def crash(*_args: Any) -> None:
        raise RuntimeError("killed after the Campaign write")

    monkeypatch.setattr(create_module, "_finish", crash)
    with pytest.raises(RuntimeError):
        create_segment(fresh_client, store, "Retried", WHERE)
    pending = store.get_segment("Retried")
    assert pending.campaign_id is None

    monkeypatch.setattr(create_module, "_finish", real_finish)
    result = create_segment(fresh_client, store, "Retried", WHERE)

    assert result.campaign_created is False
    assert result.segment is not None
    assert result.segment.id == pending.id
    campaigns = _campaigns_with_key(fresh_client, pending.key)
    assert [c["Id"] for c in campaigns] == [result.campaign_id]
    assert _statuses(fresh_client, result.campaign_id or "") == [
        ("Responded", False, True),
        ("Added", True, False),
    ]


def test_retry_fixes_statuses(fresh_client: SalesforceClient, store: Store) -> None:
    """A retried create meeting other statuses on its Campaign turns them into the requested ones."""
    with store.session() as session:
        session.add(
            Segment(key="sfseg-retry-key", name="Half done", target="contact", criteria_kind="where",
                    criteria_text=WHERE, statuses=[])
        )  # fmt: skip
    campaign_id, _ = fresh_client.upsert(
        "Campaign", "sfseg_Segment_Key__c", "sfseg-retry-key", {"Name": "Half done"}
    )
    fresh_client.create(
        "CampaignMemberStatus", {"CampaignId": campaign_id, "Label": "Invited", "SortOrder": 3}
    )

    result = create_segment(
        fresh_client,
        store,
        "Half done",
        WHERE,
        statuses=["Invited", "Attended"],
        default_status="Invited",
    )

    assert result.campaign_id == campaign_id
    assert result.campaign_created is False
    assert sorted(_statuses(fresh_client, campaign_id)) == [
        ("Attended", False, True),
        ("Invited", True, False),
    ]


def test_custom_statuses(fresh_client: SalesforceClient, store: Store) -> None:
    """Requested statuses replace Salesforce's, with the chosen default and responded flags."""
    statuses = [
        MemberStatus("Invited"),
        MemberStatus("Registered"),
        MemberStatus("Attended", has_responded=True),
    ]
    result = create_segment(
        fresh_client, store, "Event", WHERE, statuses=statuses, default_status="Registered"
    )
    assert _statuses(fresh_client, result.campaign_id or "") == [
        ("Invited", False, False),
        ("Registered", True, False),
        ("Attended", False, True),
    ]


def test_duplicate_name_rejected(fresh_client: SalesforceClient, store: Store) -> None:
    """A second segment with a finished segment's name is refused before any write."""
    create_segment(fresh_client, store, "Twice", WHERE)
    calls = fresh_client.api_calls
    with pytest.raises(SegmentExistsError, match="'Twice' already exists"):
        create_segment(fresh_client, store, "Twice", WHERE)
    assert fresh_client.api_calls == calls  # describes are cached; nothing else was sent
    campaigns = list(fresh_client.query("SELECT Id FROM Campaign WHERE Name = 'Twice'"))
    assert len(campaigns) == 1


@pytest.mark.parametrize(
    ("statuses", "default", "message"),
    [
        (["Sent", "Sent"], None, "given twice"),
        (["Sent", "Bounced"], None, "no responded status"),
        (["Added", "Responded"], "Clicked", "default status 'Clicked' is not one of"),
        (["", "Responded"], None, "must have 1 to 765 characters"),
    ],
)
def test_bad_statuses_rejected(
    fresh_client: SalesforceClient,
    store: Store,
    statuses: list[str],
    default: str | None,
    message: str,
) -> None:
    """A status list Salesforce would refuse is rejected before anything is written."""
    with pytest.raises(ValueError, match=message):
        create_segment(fresh_client, store, "Bad", WHERE, statuses=statuses, default_status=default)
    assert store.list_segments() == []


def test_bad_criteria_write_nothing(fresh_client: SalesforceClient, store: Store) -> None:
    """Invalid criteria stop the create before the Campaign or the store row exist."""
    with pytest.raises(CriteriaError, match="MailingCountri"):
        create_segment(fresh_client, store, "Broken", "MailingCountri = 'US'")
    assert store.list_segments() == []
    assert list(fresh_client.query("SELECT Id FROM Campaign WHERE Name = 'Broken'")) == []


def test_bad_campaign_field(fresh_client: SalesforceClient, store: Store) -> None:
    """An unknown or read-only Campaign field is named before anything is written."""
    with pytest.raises(ValueError, match="Campaign has no field Colour"):
        create_segment(fresh_client, store, "Odd", WHERE, campaign_fields={"Colour": "red"})
    with pytest.raises(ValueError, match="NumberOfContacts is read-only"):
        create_segment(fresh_client, store, "Odd", WHERE, campaign_fields={"NumberOfContacts": 3})
    assert store.list_segments() == []


def test_end_before_start_rejected(fresh_client: SalesforceClient, store: Store) -> None:
    """An EndDate before the StartDate is an error naming both dates, before any API call."""
    calls = fresh_client.api_calls
    dates = {"StartDate": "2026-12-10", "EndDate": "2026-12-01"}
    with pytest.raises(create_module.CampaignFieldError, match="end date 2026-12-01 is before the start date 2026-12-10"):
        create_segment(fresh_client, store, "Backwards", WHERE, campaign_fields=dates)
    assert fresh_client.api_calls == calls
    assert store.list_segments() == []


def test_dry_run_writes_nothing(fresh_client: SalesforceClient, store: Store) -> None:
    """A dry run counts the matches and writes neither a Campaign nor a store row."""
    result = create_segment(fresh_client, store, "Dry", WHERE, dry_run=True)
    assert result.dry_run is True
    assert result.campaign_id is None
    assert result.counts == {"Contact": 0}
    assert store.list_segments() == []
    assert list(fresh_client.query("SELECT Id FROM Campaign WHERE Name = 'Dry'")) == []


def test_name_too_long(fresh_client: SalesforceClient, store: Store) -> None:
    """A name longer than a Campaign name is refused."""
    with pytest.raises(ValueError, match="1 to 80 characters"):
        create_segment(fresh_client, store, "x" * 81, WHERE)


def test_store_file_location(tmp_path: Path) -> None:
    """The test store lives in the test's directory, with errors.jsonl beside it."""
    with Store(f"sqlite:///{tmp_path / 'a' / 'sfseg.db'}") as store:
        assert store.errors_path == tmp_path / "a" / "errors.jsonl"


@pytest.mark.parametrize("fault", ["DROP_AFTER", "COMMIT_THEN_503"])
def test_lost_response_then_retry(
    fresh_sandbox: Any, fresh_client: SalesforceClient, store: Store, fault: str
) -> None:
    """A Composite call applied by Salesforce whose response is lost leaves no second
    Campaign when the create is run again."""
    fresh_sandbox.state.faults.configure(
        {
            "seed": 1,
            "rules": [{"method": "POST", "path": "^/composite$", "fault": fault, "times": 1}],
        }
    )
    with pytest.raises(SalesforceError):
        create_segment(fresh_client, store, "Lost", WHERE)
    result = create_segment(fresh_client, store, "Lost", WHERE)

    assert result.campaign_created is False
    campaigns = list(fresh_client.query("SELECT Id FROM Campaign WHERE Name = 'Lost'"))
    assert [c["Id"] for c in campaigns] == [result.campaign_id]
    assert _statuses(fresh_client, result.campaign_id or "") == [
        ("Responded", False, True),
        ("Added", True, False),
    ]


def test_first_create_prepares_analysis(fresh_client: SalesforceClient, store: Store) -> None:
    """The first segment of a store makes the analysis report and reads the planning
    statistics in its Composite call. The next segment does neither."""
    from sfseg.segments.analyze import report_state_key
    from sfseg.segments.analyze.statistics import (
        STATISTICS_STATE_PREFIX,
        default_statistics_query,
        load_statistics,
        statistics_key,
    )

    first = create_segment(fresh_client, store, "First", WHERE)
    report_key = report_state_key(fresh_client.instance_url)
    report_id = store.get_state(report_key)
    query, spec = default_statistics_query("Contact")
    stored = load_statistics(store, statistics_key(fresh_client.instance_url, "Contact", spec))
    second = create_segment(fresh_client, store, "Second", WHERE)

    assert report_id is not None and report_id.startswith("00O")
    assert stored is not None
    assert set(stored.cardinality) == set(query.distinct)
    assert stored.ranges == {path: (None, None) for path in query.ranged}  # an empty org
    assert first.notes == ()
    assert second.api_calls == first.api_calls - 3  # no describes, no report
    assert store.get_state(report_key) == report_id
    assert [name for name in _state_names(store) if name.startswith(STATISTICS_STATE_PREFIX)] == [
        statistics_key(fresh_client.instance_url, "Contact", spec)
    ]


def _state_names(store: Store) -> list[str]:
    from sfseg.segments.store import StoreState

    with store.session() as session:
        return [row.name for row in session.query(StoreState)]


def test_report_failure_leaves_create_done(
    fresh_sandbox: Any, fresh_client: SalesforceClient, store: Store
) -> None:
    """A failed report creation is logged and noted, and the segment is still created."""
    from sfseg.segments.analyze import report_state_key
    from sfseg.segments.errorlog import list_errors

    fresh_sandbox.state.faults.configure(
        {"seed": 1, "rules": [{"method": "POST", "path": "^/analytics/reports", "fault": "INTERNAL_ERROR"}]}
    )
    result = create_segment(fresh_client, store, "No report", WHERE)

    assert result.segment is not None and result.campaign_id is not None
    assert store.get_state(report_state_key(fresh_client.instance_url)) is None
    assert len(result.notes) == 1
    assert result.notes[0].startswith("analysis report not created")
    errors = list_errors(store, segment_id=result.segment.id)
    assert [e.operation for e in errors] == ["create.report"]


def test_report_made_per_org(fresh_client: SalesforceClient, store: Store) -> None:
    """A store used with two orgs keeps one analysis report for each."""
    from sfseg.sandbox.server import run_sandbox
    from sfseg.segments.analyze import report_state_key
    from tests.clients import salesforce_client

    create_segment(fresh_client, store, "In the first org", WHERE)
    with run_sandbox(seed="empty") as other, salesforce_client(other) as client:
        create_segment(client, store, "In the second org", WHERE)
        second_key = report_state_key(client.instance_url)
        second = store.get_state(second_key)
        assert second is not None
        # The id names a report in the second org, made there by the second create.
        assert client.reports.describe(second)["reportMetadata"]["name"] == "sfseg segment analysis"
    first_key = report_state_key(fresh_client.instance_url)
    assert first_key != second_key
    assert store.get_state(first_key) is not None
