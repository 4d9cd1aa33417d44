"""The add mode's plan counts customers who are members already, and its cost counts planning."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sfseg.salesforce import SalesforceClient
from sfseg.sandbox.org import Org
from sfseg.sandbox.server import SandboxInfo
from sfseg.segments.assign import assign_customers
from sfseg.segments.store import Store
from sfseg.segments.store.models import Segment


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{tmp_path / 'plan_members.db'}") as opened:
        yield opened


def _org(info: SandboxInfo) -> Org:
    org: Org = info.state.org
    return org


def _segment(info: SandboxInfo, store: Store) -> str:
    campaign_id = _org(info).create("Campaign", {"Name": "Plan members"})
    segment_id = "seg_" + campaign_id[-12:].lower()
    with store.session() as session:
        session.add(Segment(id=segment_id, key=f"key-{segment_id}", name="Plan members", target="contact",
                            criteria_kind="where", criteria_text="Email != null",
                            campaign_id=campaign_id))  # fmt: skip
    return segment_id


def _contacts(info: SandboxInfo, count: int) -> list[str]:
    org = _org(info)
    with org.transaction():
        return [org.create("Contact", {"LastName": f"p{i}", "Email": f"p{i}@example.org"}) for i in range(count)]


@pytest.mark.parametrize("bulk_threshold", [20_000, 3], ids=["id lookup", "bulk campaign read"])
def test_dry_run_members_unchanged(
    bulk_threshold: int, fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient, store: Store
) -> None:
    """Members already in the campaign are planned unchanged, as the real run then reports them."""
    segment_id = _segment(fresh_sandbox, store)
    contacts = _contacts(fresh_sandbox, 5)
    assign_customers(fresh_client, store, segment_id, contacts[:3])

    planned = assign_customers(fresh_client, store, segment_id, contacts, dry_run=True, bulk_threshold=bulk_threshold)
    done = assign_customers(fresh_client, store, segment_id, contacts, bulk_threshold=bulk_threshold)

    assert planned.plan is not None
    assert (planned.plan["add"], planned.plan["unchanged"]) == (2, 3)
    assert [item.outcome for item in planned.items] == ["already_member"] * 3 + ["pending"] * 2
    assert (done.counts["already_member"], done.counts["created"]) == (3, 2)


def test_dry_run_cost_counts_planning(
    fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient, store: Store
) -> None:
    """A dry run's cost adds the calls it spent resolving and looking up members to the write estimate."""
    segment_id = _segment(fresh_sandbox, store)
    contacts = _contacts(fresh_sandbox, 4)
    before = fresh_client.api_calls

    planned = assign_customers(fresh_client, store, segment_id, [f"p{i}@example.org" for i in range(4)], dry_run=True)

    spent = fresh_client.api_calls - before
    assert planned.plan is not None
    # One Composite call resolves the emails and one reads the members among the contacts.
    assert spent == 2
    assert planned.api_calls == spent
    assert planned.plan["planning_api_calls"] == spent
    assert planned.plan["estimated_api_calls"] == 2
    assert planned.plan["total_api_calls"] == spent + 2
    assert [item.resolved_id for item in planned.items] == contacts
