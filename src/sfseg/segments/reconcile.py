"""Reading members back: lookups before a re-send, and reconciliation after writing.

`lookup_members` reads the CampaignMember rows of given Contacts and Leads, one query
per 2,000 record ids, batched five to a Composite request. `campaign_members` reads
every member of a campaign (paged REST query, or a Bulk query for large campaigns).
`reconcile` compares each written item with the members in Salesforce and corrects
the recorded outcome, so the outcomes a job reports match Salesforce.
`record_membership_events` records who entered and left the segment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import insert, select

from sfseg import soql
from sfseg.salesforce import SalesforceClient
from sfseg.segments.customers import CONTACT, LEAD
from sfseg.segments.jobs import ItemState
from sfseg.segments.plan import Action, Member, Outcome
from sfseg.segments.querying import QueryBatcher, field_eq, field_in, in_chunks, select_query
from sfseg.segments.store import Store
from sfseg.segments.store.models import MembershipEvent, utcnow
from sfseg.soql import ast

__all__ = [
    "MEMBER_FIELDS",
    "campaign_members",
    "lookup_members",
    "member_from_record",
    "reconcile",
    "record_membership_events",
]

MEMBER_FIELDS = ("Id", "ContactId", "LeadId", "Status", "HasResponded")

# Outcome codes written by reconciliation when Salesforce disagrees with a write result.
MISSING_AFTER_WRITE = "MEMBER_NOT_FOUND"
PRESENT_AFTER_REMOVE = "MEMBER_STILL_PRESENT"
STATUS_NOT_APPLIED = "STATUS_NOT_APPLIED"


def member_from_record(record: Mapping[str, Any]) -> Member | None:
    """Build a `Member` from a CampaignMember row; None for an account member."""
    contact_id = record.get("ContactId")
    lead_id = record.get("LeadId")
    # A member with both ids is a converted lead's contact: Salesforce stores the
    # ContactId as the member.
    if contact_id:
        record_id, sobject = str(contact_id), CONTACT
    elif lead_id:
        record_id, sobject = str(lead_id), LEAD
    else:
        return None
    responded = record.get("HasResponded")
    if isinstance(responded, str):
        responded = responded.lower() == "true"
    return Member(
        member_id=str(record["Id"]),
        record_id=record_id,
        sobject=sobject,
        status=record.get("Status"),
        has_responded=bool(responded),
    )


def _member_condition(campaign_id: str, field_name: str, chunk: Sequence[str]) -> ast.Condition:
    return ast.And((field_eq("CampaignId", campaign_id), field_in(field_name, chunk)))


def lookup_members(
    client: SalesforceClient, campaign_id: str, records: Iterable[tuple[str, str]]
) -> dict[str, Member]:
    """Read the members of a campaign among (record id, Contact|Lead) pairs.

    Returns record id → member for those that are members.
    """
    by_object: dict[str, list[str]] = {CONTACT: [], LEAD: []}
    for record_id, sobject in records:
        by_object[sobject].append(record_id)

    found: dict[str, Member] = {}

    def collect(record: Mapping[str, Any]) -> None:
        member = member_from_record(record)
        if member is not None:
            found[member.record_id] = member

    batcher = QueryBatcher(client)
    for sobject, field_name in ((CONTACT, "ContactId"), (LEAD, "LeadId")):
        for chunk in in_chunks(sorted(set(by_object[sobject]))):
            where = _member_condition(campaign_id, field_name, chunk)
            batcher.add(select_query("CampaignMember", MEMBER_FIELDS, where), collect)
    batcher.run()
    return found


def campaign_members(
    client: SalesforceClient, campaign_id: str, *, bulk: bool = False
) -> dict[str, Member]:
    """Read every member of a campaign: record id → member."""
    query = select_query("CampaignMember", MEMBER_FIELDS, field_eq("CampaignId", campaign_id))
    members: dict[str, Member] = {}

    def collect(record: Mapping[str, Any]) -> None:
        member = member_from_record(record)
        if member is not None:
            members[member.record_id] = member

    if bulk:
        for record in client.bulk2.query(soql.render(query)):
            collect(record)
    else:
        # Raw pages through Composite: typed records would cost a describe call.
        batcher = QueryBatcher(client)
        batcher.add(query, collect)
        batcher.run()
    return members


def reconcile(
    client: SalesforceClient,
    campaign_id: str,
    items: Sequence[ItemState],
    *,
    status: str | None = None,
    whole_campaign: bool = False,
) -> list[ItemState]:
    """Check written items against Salesforce and correct their outcomes in place.

    Args:
        items: the items of the job that had a write action.
        status: the status written on add and update, to check updates took it.
        whole_campaign: read every member of the campaign with a Bulk query instead
            of looking the items up (cheaper for large jobs).

    Returns:
        The items whose outcome changed.
    """
    touched = [item for item in items if item.action is not Action.NONE and item.resolved_id]
    if not touched:
        return []
    if whole_campaign:
        members = campaign_members(client, campaign_id, bulk=True)
    else:
        pairs = [(item.resolved_id, item.sobject) for item in touched if item.resolved_id and item.sobject]
        members = lookup_members(client, campaign_id, pairs)

    changed = []
    for item in touched:
        assert item.resolved_id is not None
        if _reconcile_item(item, members.get(item.resolved_id), status):
            changed.append(item)
    return changed


def _reconcile_item(item: ItemState, member: Member | None, status: str | None) -> bool:
    if member is not None:
        item.member_id = member.member_id

    if item.action is Action.ADD:
        if item.outcome in (Outcome.CREATED, Outcome.ALREADY_MEMBER) and member is None:
            item.settle(
                Outcome.FAILED,
                error_code=MISSING_AFTER_WRITE,
                message=f"the write reported {item.outcome.value}, but no member exists in Salesforce",
            )
            return True
        if item.outcome in (Outcome.FAILED, Outcome.PENDING) and member is not None:
            note = f"the write reported {item.error_code}" if item.error_code else "the write had no answer"
            item.settle(Outcome.CREATED, message=f"{note}, but the member exists in Salesforce")
            return True
        return False

    if item.action is Action.REMOVE:
        if item.outcome is Outcome.REMOVED and member is not None:
            item.settle(
                Outcome.FAILED,
                error_code=PRESENT_AFTER_REMOVE,
                message="the delete reported success, but the member still exists in Salesforce",
            )
            return True
        if item.outcome in (Outcome.FAILED, Outcome.PENDING) and member is None:
            item.settle(Outcome.REMOVED, message="the member no longer exists in Salesforce")
            return True
        return False

    status_lost = member is None or (status is not None and member.status != status)
    if item.action is Action.UPDATE and item.outcome is Outcome.UPDATED and status_lost:
        found = "no member" if member is None else f"status {member.status!r}"
        item.settle(
            Outcome.FAILED,
            error_code=STATUS_NOT_APPLIED,
            message=f"the update reported success, but Salesforce has {found}",
        )
        return True
    return False


def record_membership_events(
    store: Store, segment_id: str, job_id: str, items: Iterable[ItemState]
) -> int:
    """Write an `entered` event per created member and a `left` event per removed one.

    Events the job already recorded are not written again, so a resumed job can pass
    all its items.
    """
    now = utcnow()
    recorded = _recorded_events(store, job_id)
    rows = []
    for item in items:
        if item.resolved_id is None or item.sobject is None:
            continue
        if item.outcome is Outcome.CREATED:
            event = "entered"
        elif item.outcome is Outcome.REMOVED:
            event = "left"
        else:
            continue
        if (item.resolved_id, event) in recorded:
            continue
        rows.append({
            "segment_id": segment_id, "record_id": item.resolved_id, "object": item.sobject,
            "event": event, "job_id": job_id, "at": now,
        })  # fmt: skip
    if rows:
        with store.session() as session:
            session.execute(insert(MembershipEvent), rows)
    return len(rows)


def _recorded_events(store: Store, job_id: str) -> set[tuple[str, str]]:
    query = select(MembershipEvent.record_id, MembershipEvent.event).where(MembershipEvent.job_id == job_id)
    with store.session() as session:
        return {(record_id, event) for record_id, event in session.execute(query)}
