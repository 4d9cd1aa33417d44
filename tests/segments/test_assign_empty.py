"""Assignments with no customers to work on: a job with nothing to do, and a mirror that empties."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sfseg.salesforce import SalesforceClient
from sfseg.sandbox.org import Org
from sfseg.sandbox.server import SandboxInfo
from sfseg.segments import jobs
from sfseg.segments.assign import assign_customers, refresh_segment, resume_job
from sfseg.segments.create import populate_segment
from sfseg.segments.customers import parse_customers
from sfseg.segments.plan import Action, Outcome
from sfseg.segments.store import Store
from sfseg.segments.store.models import Segment

# Criteria that no record of the org matches.
MATCHES_NO_RECORD = "SELECT Id FROM Contact WHERE Email = 'nobody.at.all@example.org'"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{tmp_path / 'empty.db'}") as opened:
        yield opened


def _org(info: SandboxInfo) -> Org:
    org: Org = info.state.org
    return org


def _segment(info: SandboxInfo, store: Store, soql_contact: str) -> tuple[str, str]:
    campaign_id = _org(info).create("Campaign", {"Name": "Empty input"})
    segment_id = "seg_" + campaign_id[-12:].lower()
    with store.session() as session:
        session.add(Segment(id=segment_id, key=f"key-{segment_id}", name="Empty input", target="contact",
                            criteria_kind="soql", criteria_text=soql_contact, soql_contact=soql_contact,
                            campaign_id=campaign_id))  # fmt: skip
    return segment_id, campaign_id


def _contacts(info: SandboxInfo, count: int) -> list[str]:
    org = _org(info)
    with org.transaction():
        return [org.create("Contact", {"LastName": f"e{i}", "Email": f"e{i}@example.org"}) for i in range(count)]


def _members(info: SandboxInfo, campaign_id: str) -> list[str]:
    """The ContactIds of the campaign's CampaignMember rows, read from the org's own storage."""
    org = _org(info)
    with org.store.lock:
        rows = org.store.connection.execute(
            "SELECT ContactId FROM CampaignMember WHERE CampaignId = ? AND IsDeleted = 0", (campaign_id,)
        ).fetchall()
    return sorted(row[0] for row in rows)


def _member_id(info: SandboxInfo, contact_id: str) -> str:
    org = _org(info)
    with org.store.lock:
        (row,) = org.store.connection.execute(
            "SELECT Id FROM CampaignMember WHERE ContactId = ? AND IsDeleted = 0", (contact_id,)
        ).fetchall()
    return str(row[0])


@pytest.mark.parametrize("values", [[], ["", "   ", "\t"]], ids=["no values", "blank values"])
def test_no_customers_empty_job(
    values: list[str], fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient, store: Store
) -> None:
    """No customers (or only blank values) make a succeeded job without items, and write nothing."""
    segment_id, campaign_id = _segment(fresh_sandbox, store, MATCHES_NO_RECORD)

    result = assign_customers(fresh_client, store, segment_id, values)

    assert result.state == "succeeded"
    assert len(result.items) == 0
    assert sum(result.counts.values()) == 0
    assert jobs.load_items(store, str(result.job_id)) == []
    assert jobs.get_job(store, str(result.job_id)).state == "succeeded"
    assert _members(fresh_sandbox, campaign_id) == []


def test_no_customers_dry_run_empty(
    fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient, store: Store
) -> None:
    """A dry run with no customers plans no row and costs no write call."""
    segment_id, _ = _segment(fresh_sandbox, store, MATCHES_NO_RECORD)

    result = assign_customers(fresh_client, store, segment_id, [], dry_run=True)

    assert result.plan is not None
    assert (result.plan["add"], result.plan["estimated_api_calls"]) == (0, 0)
    assert jobs.list_jobs(store) == []


def test_refresh_no_match_empties_segment(
    fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient, store: Store
) -> None:
    """A refresh whose criteria match no record removes every member but the one who responded."""
    segment_id, campaign_id = _segment(fresh_sandbox, store, MATCHES_NO_RECORD)
    first, second, responder = _contacts(fresh_sandbox, 3)
    assign_customers(fresh_client, store, segment_id, [first, second, responder])
    assign_customers(fresh_client, store, segment_id, [responder], mode="status", status="Responded")

    result = refresh_segment(fresh_client, store, segment_id)

    outcomes = {item.customer_id: (item.outcome, item.reason) for item in result.items}
    assert outcomes == {first: ("removed", None), second: ("removed", None), responder: ("skipped", "responded")}
    assert result.state == "succeeded"
    assert _members(fresh_sandbox, campaign_id) == [responder]


def test_refresh_no_match_removes_responders(
    fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient, store: Store
) -> None:
    """With remove_responded, a refresh whose criteria match no record leaves the campaign empty."""
    segment_id, campaign_id = _segment(fresh_sandbox, store, MATCHES_NO_RECORD)
    first, responder = _contacts(fresh_sandbox, 2)
    assign_customers(fresh_client, store, segment_id, [first, responder])
    assign_customers(fresh_client, store, segment_id, [responder], mode="status", status="Responded")

    result = refresh_segment(fresh_client, store, segment_id, remove_responded=True)

    assert result.counts["removed"] == 2
    assert _members(fresh_sandbox, campaign_id) == []


def test_refresh_dry_run_plans_removals(
    fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient, store: Store
) -> None:
    """The dry run of such a refresh plans the removals and writes nothing."""
    segment_id, campaign_id = _segment(fresh_sandbox, store, MATCHES_NO_RECORD)
    contacts = _contacts(fresh_sandbox, 2)
    assign_customers(fresh_client, store, segment_id, contacts)

    result = refresh_segment(fresh_client, store, segment_id, dry_run=True)

    assert result.plan is not None
    assert (result.plan["add"], result.plan["remove"]) == (0, 2)
    assert _members(fresh_sandbox, campaign_id) == sorted(contacts)


def test_populate_no_match_succeeds(
    fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient, store: Store
) -> None:
    """Populating a new segment whose criteria match no record is a succeeded job with no members."""
    segment_id, campaign_id = _segment(fresh_sandbox, store, MATCHES_NO_RECORD)

    result = populate_segment(fresh_client, store, segment_id)

    assert result.state == "succeeded"
    assert len(result.items) == 0
    assert _members(fresh_sandbox, campaign_id) == []


def test_resume_keeps_saved_mirror_plan(
    fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient, store: Store
) -> None:
    """A mirror killed after saving its plan, before its checkpoint, resumes that plan instead of planning anew."""
    segment_id, campaign_id = _segment(fresh_sandbox, store, MATCHES_NO_RECORD)
    kept, removed = _contacts(fresh_sandbox, 2)
    assign_customers(fresh_client, store, segment_id, [kept, removed])
    job_id, items = jobs.create_job(
        store, segment_id=segment_id, kind="assign", mode="mirror", route="rest", status_label=None,
        id_field="auto", params={"route_requested": "rest"}, customers=parse_customers(["e0@example.org"]),
    )  # fmt: skip
    # The saved plan: the contact given by email is a member already, and the other one is to be removed.
    (item,) = items
    item.resolved_id, item.sobject = kept, "Contact"
    item.settle(Outcome.ALREADY_MEMBER, reason="already_member")
    removal = jobs.ItemState(1, removed, resolved_id=removed, sobject="Contact", action=Action.REMOVE,
                             member_id=_member_id(fresh_sandbox, removed))  # fmt: skip
    jobs.save_items(store, items)
    jobs.add_items(store, job_id, [removal])

    result = resume_job(fresh_client, store, job_id)

    assert result.state == "succeeded"
    assert _members(fresh_sandbox, campaign_id) == [kept]
