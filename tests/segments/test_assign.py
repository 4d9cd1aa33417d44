"""assign_customers against a live sandbox: outcomes, exactly-once writes, faults, resume."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sfseg.salesforce import SalesforceClient
from sfseg.sandbox.org import Org
from sfseg.sandbox.server import SandboxInfo
from sfseg.segments import jobs
from sfseg.segments.assign import UnknownStatusError, assign_customers, refresh_segment, resume_job
from sfseg.segments.errorlog import list_errors
from sfseg.segments.store import Store
from sfseg.segments.store.models import MembershipEvent, Segment
from sfseg.segments.write import WriteOptions

FAST = WriteOptions(retry_wait_s=0.0, sleep=lambda _seconds: None)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{tmp_path / 'assign.db'}") as opened:
        yield opened


def _org(info: SandboxInfo) -> Org:
    org: Org = info.state.org
    return org


def _segment(info: SandboxInfo, store: Store, name: str = "Assign test") -> str:
    campaign_id = _org(info).create("Campaign", {"Name": name})
    segment_id = "seg_" + campaign_id[-12:].lower()
    with store.session() as session:
        session.add(Segment(id=segment_id, key=f"key-{segment_id}", name=name, target="both",
                            criteria_kind="where", criteria_text="Email != null",
                            soql_contact="SELECT Id FROM Contact WHERE Email != null",
                            campaign_id=campaign_id))  # fmt: skip
    return segment_id


def _campaign(store: Store, segment_id: str) -> str:
    campaign_id = store.get_segment(segment_id).campaign_id
    assert campaign_id is not None
    return campaign_id


def _contacts(info: SandboxInfo, count: int, prefix: str = "c") -> list[str]:
    org = _org(info)
    with org.transaction():
        return [org.create("Contact", {"LastName": f"{prefix}{i}", "Email": f"{prefix}{i}@example.org"})
                for i in range(count)]  # fmt: skip


def _members(info: SandboxInfo, campaign_id: str) -> list[tuple[str | None, str | None]]:
    org = _org(info)
    with org.store.lock:
        rows = org.store.connection.execute(
            "SELECT ContactId, LeadId FROM CampaignMember WHERE CampaignId = ? AND IsDeleted = 0",
            (campaign_id,),
        ).fetchall()
    return [(row[0], row[1]) for row in rows]


def _faults(info: SandboxInfo, *rules: dict[str, Any]) -> None:
    info.state.faults.configure({"seed": 1, "rules": list(rules)})


def _rule_counts(info: SandboxInfo) -> list[tuple[int, int]]:
    return [(rule["matched"], rule["fired"]) for rule in info.state.faults.describe()["rules"]]


def test_second_run_all_already_member(fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient, store: Store) -> None:
    """Assigning the same customers twice creates them once; the second run is all already_member."""
    segment_id = _segment(fresh_sandbox, store)
    contacts = _contacts(fresh_sandbox, 30)

    first = assign_customers(fresh_client, store, segment_id, contacts)
    second = assign_customers(fresh_client, store, segment_id, contacts)

    assert first.state == "succeeded"
    assert first.counts["created"] == 30
    assert second.counts["already_member"] == 30
    assert second.counts["created"] == 0
    assert len(_members(fresh_sandbox, _campaign(store, segment_id))) == 30


def test_same_lead_twice_one_member(fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient, store: Store) -> None:
    """One lead given twice (15- and 18-character ids, and its email) becomes one member."""
    segment_id = _segment(fresh_sandbox, store)
    lead = _org(fresh_sandbox).create("Lead", {"LastName": "Twice", "Company": "Co", "Email": "twice@example.org"})

    result = assign_customers(fresh_client, store, segment_id, [lead, lead[:15], "Twice@Example.org"])

    assert _members(fresh_sandbox, _campaign(store, segment_id)) == [(None, lead)]
    assert [r.customer_id for r in result.repeats] == [lead]
    outcomes = {item.customer_id: (item.outcome, item.reason) for item in result.items}
    assert outcomes[lead] == ("created", None)
    assert outcomes["twice@example.org"] == ("skipped", "same_record")


def test_converted_lead_as_contact(fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient, store: Store) -> None:
    """A converted lead is assigned as its converted contact."""
    org = _org(fresh_sandbox)
    segment_id = _segment(fresh_sandbox, store)
    lead = org.create("Lead", {"LastName": "Conv", "Company": "Co", "Email": "conv@example.org"})
    contact = org.convert_lead(lead)

    result = assign_customers(fresh_client, store, segment_id, [lead])

    (item,) = result.items
    assert (item.resolved_id, item.object, item.outcome) == (contact, "Contact", "created")
    assert _members(fresh_sandbox, _campaign(store, segment_id)) == [(contact, None)]


def test_converted_lead_says_so(fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient, store: Store) -> None:
    """A converted lead's item names the lead and its contact, in the plan, the run and the rerun."""
    org = _org(fresh_sandbox)
    segment_id = _segment(fresh_sandbox, store)
    lead = org.create("Lead", {"LastName": "Conv", "Company": "Co", "Email": "conv@example.org"})
    contact = org.convert_lead(lead)
    note = f"Lead {lead} is converted, so its Contact {contact} is the member"

    planned = assign_customers(fresh_client, store, segment_id, [lead], dry_run=True)
    first = assign_customers(fresh_client, store, segment_id, [lead])
    again = assign_customers(fresh_client, store, segment_id, [lead])

    assert (planned.items[0].reason, planned.items[0].message) == ("converted_lead", note)
    assert planned.converted_leads == 1
    assert (first.items[0].outcome, first.items[0].reason, first.items[0].message) == ("created", "converted_lead", note)
    assert first.converted_leads == 1
    assert first.to_json()["converted_leads"] == 1
    assert again.items[0].outcome == "already_member"
    assert again.items[0].reason == "converted_lead"
    assert again.items[0].message is not None
    assert again.items[0].message.startswith(note + "; ")
    assert first.job_id is not None
    stored = jobs.load_items(store, first.job_id)
    assert (stored[0].reason, stored[0].message, stored[0].note) == ("converted_lead", note, note)


def test_unknown_status_writes_nothing(fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient, store: Store) -> None:
    """An unknown status is an error naming it, and nothing is written anywhere."""
    segment_id = _segment(fresh_sandbox, store)
    contacts = _contacts(fresh_sandbox, 3)

    with pytest.raises(UnknownStatusError, match="'Attended'"):
        assign_customers(fresh_client, store, segment_id, contacts, status="Attended")

    assert _members(fresh_sandbox, _campaign(store, segment_id)) == []
    assert jobs.list_jobs(store) == []


def test_create_status_then_assign(fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient, store: Store) -> None:
    """With create_status a missing status is created and written on the members."""
    segment_id = _segment(fresh_sandbox, store)
    contacts = _contacts(fresh_sandbox, 2)

    result = assign_customers(fresh_client, store, segment_id, contacts, status="Attended", create_status=True)

    assert result.counts["created"] == 2
    org = _org(fresh_sandbox)
    with org.store.lock:
        statuses = org.store.connection.execute(
            "SELECT DISTINCT Status FROM CampaignMember WHERE CampaignId = ?", (_campaign(store, segment_id),)
        ).fetchall()
    assert statuses == [("Attended",)]


def test_lock_errors_resend_only_those_rows(fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient, store: Store) -> None:
    """600 members where two rows hit UNABLE_TO_LOCK_ROW: 600 members, only those two re-sent."""
    segment_id = _segment(fresh_sandbox, store)
    contacts = _contacts(fresh_sandbox, 600)
    _faults(fresh_sandbox, {"path": "^/composite/sobjects", "fault": "UNABLE_TO_LOCK_ROW",
                            "records": 1.0, "after": 250, "times": 2})  # fmt: skip

    result = assign_customers(fresh_client, store, segment_id, contacts, write_options=FAST)

    assert result.counts["created"] == 600
    assert len(_members(fresh_sandbox, _campaign(store, segment_id))) == 600
    # 600 rows asked the rule once each, plus the two rows sent again.
    assert _rule_counts(fresh_sandbox) == [(602, 2)]


def test_every_row_failing_is_failed(fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient, store: Store) -> None:
    """A member write that fails for every row reports failed, not success."""
    segment_id = _segment(fresh_sandbox, store)
    contacts = _contacts(fresh_sandbox, 5)
    _faults(fresh_sandbox, {"path": "^/composite/sobjects", "fault": "UNABLE_TO_LOCK_ROW", "records": 1.0})

    result = assign_customers(fresh_client, store, segment_id, contacts, write_options=FAST)

    assert result.state == "failed"
    assert result.counts["failed"] == 5
    assert {item.error_code for item in result.items} == {"UNABLE_TO_LOCK_ROW"}
    assert jobs.get_job(store, str(result.job_id)).state == "failed"


@pytest.mark.parametrize("fault", ["DROP_AFTER", "COMMIT_THEN_503"])
def test_lost_answers_exact_membership(
    fault: str, fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient, store: Store
) -> None:
    """A write applied whose response is a dropped connection or a 503 leaves exact membership."""
    segment_id = _segment(fresh_sandbox, store)
    contacts = _contacts(fresh_sandbox, 2500)
    # After the resolution and the member lookup, the fault hits the first write.
    _faults(fresh_sandbox, {"method": "POST", "path": "^/composite$", "fault": fault, "after": 2, "times": 1})

    result = assign_customers(fresh_client, store, segment_id, contacts, write_options=FAST)

    members = _members(fresh_sandbox, _campaign(store, segment_id))
    assert len(members) == 2500
    assert len(set(members)) == 2500
    assert result.counts["created"] + result.counts["already_member"] == 2500
    assert result.counts["failed"] == 0
    assert _rule_counts(fresh_sandbox)[0][1] == 1
    if fault == "DROP_AFTER":
        (logged,) = list_errors(store, job_id=result.job_id)
        assert logged.operation == "assign.write"


def test_daily_limit_then_resume(fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient, store: Store) -> None:
    """The daily limit mid-run ends the job limit_reached; resume completes it exactly."""
    segment_id = _segment(fresh_sandbox, store)
    contacts = _contacts(fresh_sandbox, 3000)
    _faults(fresh_sandbox, {"method": "POST", "path": "^/composite$", "fault": "DAILY_LIMIT", "after": 3})

    stopped = assign_customers(fresh_client, store, segment_id, contacts,
                               write_options=WriteOptions(concurrency=1, sleep=lambda _s: None))  # fmt: skip

    assert stopped.state == "limit_reached"
    assert stopped.counts["pending"] > 0
    assert jobs.get_job(store, str(stopped.job_id)).checkpoint == {"phase": "write", "stopped_by": "daily_limit"}

    fresh_sandbox.state.faults.clear()
    resumed = resume_job(fresh_client, store, str(stopped.job_id), write_options=FAST)

    assert resumed.state == "succeeded"
    assert resumed.counts["pending"] == 0
    assert resumed.counts["created"] == 3000
    members = _members(fresh_sandbox, _campaign(store, segment_id))
    assert len(members) == len(set(members)) == 3000
    with store.session() as session:
        entered = [e.record_id for e in session.query(MembershipEvent).filter_by(job_id=stopped.job_id)]
    assert len(entered) == len(set(entered)) == 3000


def test_skips_with_reasons(fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient, store: Store) -> None:
    """Unknown emails, Account ids and deleted records are skipped with reasons, not sent."""
    org = _org(fresh_sandbox)
    segment_id = _segment(fresh_sandbox, store)
    account = org.create("Account", {"Name": "Acme"})
    deleted = org.create("Contact", {"LastName": "Gone"})
    org.delete("Contact", deleted)

    result = assign_customers(fresh_client, store, segment_id, ["nobody@example.org", account, deleted])

    reasons = {item.customer_id: item.reason for item in result.items}
    assert reasons == {"nobody@example.org": "not_found", account: "wrong_object", deleted: "deleted"}
    assert result.counts["skipped"] == 3
    assert _members(fresh_sandbox, _campaign(store, segment_id)) == []


def test_ambiguous_email_and_tie_break(fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient, store: Store) -> None:
    """An email on two contacts is ambiguous with both candidates, unless a tie-break picks one."""
    org = _org(fresh_sandbox)
    segment_id = _segment(fresh_sandbox, store)
    older = org.create("Contact", {"LastName": "A", "Email": "same@example.org"})
    newer = org.create("Contact", {"LastName": "B", "Email": "same@example.org"})

    ambiguous = assign_customers(fresh_client, store, segment_id, ["same@example.org"])
    picked = assign_customers(fresh_client, store, segment_id, ["same@example.org"], tie_break="oldest")

    (item,) = ambiguous.items
    assert item.reason == "ambiguous"
    assert older in str(item.message)
    assert newer in str(item.message)
    assert picked.items[0].resolved_id == older


def test_remove_and_mirror(fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient, store: Store) -> None:
    """Remove deletes members; mirror adds the new and removes the rest but keeps responders."""
    segment_id = _segment(fresh_sandbox, store)
    campaign_id = _campaign(store, segment_id)
    a, b, c, d = _contacts(fresh_sandbox, 4)
    assign_customers(fresh_client, store, segment_id, [a, b, c])
    assign_customers(fresh_client, store, segment_id, [c], status="Responded", mode="status")

    removed = assign_customers(fresh_client, store, segment_id, [a], mode="remove")
    mirrored = assign_customers(fresh_client, store, segment_id, [d], mode="mirror")

    assert removed.counts["removed"] == 1
    outcomes = {item.customer_id: (item.outcome, item.reason) for item in mirrored.items}
    assert outcomes[d] == ("created", None)
    assert outcomes[b] == ("removed", None)
    assert outcomes[c] == ("skipped", "responded")
    assert sorted(contact for contact, _ in _members(fresh_sandbox, campaign_id)) == sorted([c, d])
    with store.session() as session:
        events = {(e.record_id, e.event) for e in session.query(MembershipEvent).filter_by(segment_id=segment_id)}
    assert (a, "left") in events
    assert (d, "entered") in events


def test_dry_run_writes_nothing(fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient, store: Store) -> None:
    """A dry run returns the plan and its cost, and writes neither members nor a job."""
    segment_id = _segment(fresh_sandbox, store)
    contacts = _contacts(fresh_sandbox, 10)

    result = assign_customers(fresh_client, store, segment_id, [*contacts, "nobody@example.org"], dry_run=True)

    assert result.job_id is None
    assert result.plan is not None
    assert result.plan["add"] == 10
    assert result.plan["skipped"] == 1
    assert len(result.items) == 11
    assert (result.items[0].outcome, result.items[0].action, result.items[0].resolved_id) == ("pending", "add", contacts[0])
    assert (result.items[-1].outcome, result.items[-1].reason) == ("skipped", "not_found")
    assert result.counts["pending"] == 10
    assert result.plan["estimated_api_calls"] == 2
    assert _members(fresh_sandbox, _campaign(store, segment_id)) == []
    assert jobs.list_jobs(store) == []


def test_bulk_route_exact(fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient, store: Store) -> None:
    """The Bulk route creates members once; a second Bulk run reports all already_member."""
    segment_id = _segment(fresh_sandbox, store)
    contacts = _contacts(fresh_sandbox, 60)

    first = assign_customers(fresh_client, store, segment_id, contacts, route="bulk", write_options=FAST)
    second = assign_customers(fresh_client, store, segment_id, contacts, route="bulk", write_options=FAST)

    assert (first.route, first.counts["created"]) == ("bulk", 60)
    assert second.counts["already_member"] == 60
    members = _members(fresh_sandbox, _campaign(store, segment_id))
    assert len(members) == len(set(members)) == 60


def test_refresh_mirrors_criteria(fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient, store: Store) -> None:
    """refresh_segment adds new matches, removes non-matches and keeps those who responded."""
    org = _org(fresh_sandbox)
    segment_id = _segment(fresh_sandbox, store)
    matching = _contacts(fresh_sandbox, 3)
    stale = org.create("Contact", {"LastName": "No email"})
    responder = org.create("Contact", {"LastName": "Responder"})
    assign_customers(fresh_client, store, segment_id, [stale, responder])
    assign_customers(fresh_client, store, segment_id, [responder], mode="status", status="Responded")

    result = refresh_segment(fresh_client, store, segment_id)

    outcomes = {item.customer_id: (item.outcome, item.reason) for item in result.items}
    assert {outcomes[c] for c in matching} == {("created", None)}
    assert outcomes[stale] == ("removed", None)
    assert outcomes[responder] == ("skipped", "responded")
    assert jobs.get_job(store, str(result.job_id)).kind == "refresh"
    members = sorted(contact for contact, _ in _members(fresh_sandbox, _campaign(store, segment_id)))
    assert members == sorted([*matching, responder])


def test_dry_run_status_to_create(fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient, store: Store) -> None:
    """A dry run with create_status reports the status it would create and creates nothing."""
    segment_id = _segment(fresh_sandbox, store)
    contacts = _contacts(fresh_sandbox, 1)

    result = assign_customers(fresh_client, store, segment_id, contacts, status="Attended",
                              create_status=True, dry_run=True)  # fmt: skip

    assert result.plan is not None
    assert result.plan["status_to_create"] == "Attended"
    org = _org(fresh_sandbox)
    with org.store.lock:
        labels = org.store.connection.execute(
            "SELECT Label FROM CampaignMemberStatus WHERE CampaignId = ?", (_campaign(store, segment_id),)
        ).fetchall()
    assert ("Attended",) not in labels
