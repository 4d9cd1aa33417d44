"""Reconciliation: outcomes corrected to match the members Salesforce has."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sfseg.salesforce import CompositeSubresponse, SalesforceClient
from sfseg.segments.jobs import ItemState
from sfseg.segments.plan import Action, Outcome
from sfseg.segments.reconcile import member_from_record, reconcile

CAMPAIGN = "701000000000001AAA"


class MembersOnly:
    """Returns the same CampaignMember rows for every query subrequest."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records
        self.calls = 0

    def data_path(self, suffix: str) -> str:
        return f"/services/data/v66.0/{suffix}"

    def composite(self, subrequests: Sequence[dict[str, Any]], *, all_or_none: bool = False) -> list[CompositeSubresponse]:
        self.calls += 1
        body = {"totalSize": len(self.records), "done": True, "records": self.records}
        return [CompositeSubresponse(s["referenceId"], 200, body) for s in subrequests]


def _item(record_id: str, action: Action, outcome: Outcome) -> ItemState:
    item = ItemState(0, record_id, resolved_id=record_id, sobject="Contact", action=action)
    item.settle(outcome)
    return item


def _member(record_id: str, status: str = "Sent") -> dict[str, Any]:
    return {"Id": "00v" + record_id[3:], "ContactId": record_id, "LeadId": None, "Status": status, "HasResponded": False}


def _client(records: list[dict[str, Any]]) -> SalesforceClient:
    fake: SalesforceClient = MembersOnly(records)  # type: ignore[assignment]
    return fake


def test_created_but_missing_fails() -> None:
    """An insert reported created but absent in Salesforce becomes failed."""
    item = _item("003000000000001AAA", Action.ADD, Outcome.CREATED)
    changed = reconcile(_client([]), CAMPAIGN, [item])
    assert changed == [item]
    assert item.outcome is Outcome.FAILED
    assert item.error_code == "MEMBER_NOT_FOUND"


def test_failed_but_present_is_created() -> None:
    """An insert reported failed but present in Salesforce becomes created, with its member id."""
    item = _item("003000000000001AAA", Action.ADD, Outcome.FAILED)
    item.error_code = "SERVER_UNAVAILABLE"
    reconcile(_client([_member("003000000000001AAA")]), CAMPAIGN, [item])
    assert item.outcome is Outcome.CREATED
    assert item.member_id == "00v000000000001AAA"


def test_removed_but_present_fails() -> None:
    """A delete reported done while the member still exists becomes failed."""
    item = _item("003000000000001AAA", Action.REMOVE, Outcome.REMOVED)
    reconcile(_client([_member("003000000000001AAA")]), CAMPAIGN, [item])
    assert item.outcome is Outcome.FAILED
    assert item.error_code == "MEMBER_STILL_PRESENT"


def test_update_checks_status() -> None:
    """An update reported done but with another status in Salesforce becomes failed."""
    item = _item("003000000000001AAA", Action.UPDATE, Outcome.UPDATED)
    reconcile(_client([_member("003000000000001AAA", status="Sent")]), CAMPAIGN, [item], status="Responded")
    assert item.outcome is Outcome.FAILED
    assert "Sent" in str(item.message)


def test_agreeing_outcomes_unchanged() -> None:
    """Outcomes that match Salesforce are left alone, in one Composite call."""
    client = MembersOnly([_member("003000000000001AAA")])
    item = _item("003000000000001AAA", Action.ADD, Outcome.CREATED)
    fake: SalesforceClient = client  # type: ignore[assignment]
    assert reconcile(fake, CAMPAIGN, [item]) == []
    assert item.outcome is Outcome.CREATED
    assert client.calls == 1


def test_member_from_record_prefers_contact() -> None:
    """A member row with both ids is the contact's membership."""
    member = member_from_record({"Id": "00v1", "ContactId": "003A", "LeadId": "00QA", "Status": "Sent",
                                 "HasResponded": "true"})  # fmt: skip
    assert member is not None
    assert (member.record_id, member.sobject, member.has_responded) == ("003A", "Contact", True)
