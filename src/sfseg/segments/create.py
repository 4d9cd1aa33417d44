"""create_segment: validate the criteria, make the Campaign and its statuses, store the segment.

Retry safety: the segment row is stored first with a fresh key and no Campaign id. The
Campaign is then written by upsert on `Campaign.sfseg_Segment_Key__c` = key, so a
create that is retried (by the client after a lost response, or by the user after a
crash) finds the Campaign it already made instead of making a second one.

API calls: one Composite call upserts the Campaign, replaces Salesforce's default member
statuses, counts the matches and reads the statuses back. When the store has no
analysis planning statistics for the org yet, the same call reads them in its spare
query room. A second Composite call runs only when the statuses read back are not yet
the requested ones (a retried create, or an org whose new campaigns get other
statuses). Describe calls come on top, once per object per client. The first segment
created with a store also makes the analysis report (one Reports API call).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from sqlalchemy import select

from sfseg.segments.analyze.batching import QUERIES_PER_CALL
from sfseg.segments.analyze.prepare import ensure_report, plan_statistics, save_planned_statistics
from sfseg.segments.criteria import (
    CompiledCriteria,
    CriteriaKind,
    Target,
    compile_criteria,
    count_matches,
    count_query,
)
from sfseg.segments.segment import (
    SALESFORCE_NEW_CAMPAIGN_STATUSES,
    MemberStatus,
    SegmentInfo,
    StatusChange,
    plan_status_changes,
    requested_statuses,
)
from sfseg.segments.store import Store
from sfseg.segments.store.models import Segment, utcnow
from sfseg.soql import ast, builder, render
from sfseg.soql.ids import is_salesforce_id

__all__ = [
    "SEGMENT_KEY_FIELD",
    "CampaignFieldError",
    "SegmentExistsError",
    "SegmentResult",
    "create_segment",
    "populate_segment",
]

logger = logging.getLogger("sfseg.segments")

SEGMENT_KEY_FIELD = "sfseg_Segment_Key__c"
MAX_NAME_LENGTH = 80  # Campaign.Name
CAMPAIGN_KEY_PREFIX = "701"  # the first three characters of every Campaign id
_STATUS_FIELDS = ("Id", "Label", "IsDefault", "HasResponded", "SortOrder")
# Campaign fields create_segment sets from its own arguments; campaign_fields may not.
_OWN_FIELDS = frozenset({"name", "description", SEGMENT_KEY_FIELD.lower()})


class SegmentExistsError(ValueError):
    """A segment with this name already exists in the store."""

    # An error in the user's input, not an API failure: the error log leaves it out.
    user_input = True


class CampaignFieldError(ValueError):
    """A Campaign field value that cannot be used: unknown, read-only, or out of order."""

    user_input = True


@dataclass(frozen=True, slots=True)
class SegmentResult:
    """The outcome of create_segment: the stored segment, its Campaign and the match counts."""

    segment: SegmentInfo | None
    campaign_id: str | None
    campaign_created: bool
    counts: Mapping[str, int]
    soql: Mapping[str, str]
    statuses: tuple[MemberStatus, ...]
    dry_run: bool
    api_calls: int
    populate: Any = None
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        populate = self.populate
        if populate is not None and hasattr(populate, "to_json"):
            populate = populate.to_json()
        return {
            "segment_id": self.segment.id if self.segment else None,
            "name": self.segment.name if self.segment else None,
            "segment": self.segment.to_json() if self.segment else None,
            "campaign_id": self.campaign_id,
            "campaign_created": self.campaign_created,
            "counts": dict(self.counts),
            "total": sum(self.counts.values()),
            "soql": dict(self.soql),
            "statuses": [s.to_json() for s in self.statuses],
            "dry_run": self.dry_run,
            "api_calls": self.api_calls,
            "populate": populate,
        }


# --- arguments --------------------------------------------------------------


def _check_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > MAX_NAME_LENGTH:
        msg = f"segment name {name!r} must have 1 to {MAX_NAME_LENGTH} characters (the Campaign name limit)"
        raise ValueError(msg)
    return cleaned


def _check_default_status(statuses: Sequence[str | MemberStatus] | None, default_status: str | None) -> None:
    """Reject a default status missing from the labels given, before the labels' own checks.

    A default missing from the list is the more direct mistake: reported first, it is not
    hidden behind "no responded status" when the intended default is the responded one.
    """
    if not statuses or default_status is None:
        return
    labels = [s.label if isinstance(s, MemberStatus) else s.strip() for s in statuses]
    if default_status.lower() not in {label.lower() for label in labels}:
        msg = (
            f"default status {default_status!r} is not one of the statuses {', '.join(labels)}; "
            "choose one of them, or add it to the statuses"
        )
        raise ValueError(msg)


def _wire_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _campaign_body(
    name: str, description: str | None, campaign_fields: Mapping[str, Any] | None
) -> dict[str, Any]:
    body: dict[str, Any] = {"Name": name}
    if description is not None:
        body["Description"] = description
    for key, value in (campaign_fields or {}).items():
        if key.lower() in _OWN_FIELDS:
            msg = f"campaign field {key} is set by create_segment itself; pass it as an argument"
            raise CampaignFieldError(msg)
        body[key] = _wire_value(value)
    _check_date_order(body)
    _check_parent(body)
    return body


def _check_parent(body: Mapping[str, Any]) -> None:
    """Reject a ParentId that is not shaped like a Campaign id, before anything is written."""
    parent = next((value for key, value in body.items() if key.lower() == "parentid"), None)
    if parent is None:
        return
    if not isinstance(parent, str) or not is_salesforce_id(parent) or not parent.startswith(CAMPAIGN_KEY_PREFIX):
        msg = (
            f"parent Campaign id {parent!r} is invalid: a Campaign id has 15 or 18 letters and "
            f"digits and starts with {CAMPAIGN_KEY_PREFIX}; copy the Id of the parent Campaign from Salesforce"
        )
        raise CampaignFieldError(msg)


def _check_date_order(body: Mapping[str, Any]) -> None:
    dates = {key.lower(): value for key, value in body.items() if key.lower() in ("startdate", "enddate")}
    start, end = dates.get("startdate"), dates.get("enddate")
    # Wire dates are YYYY-MM-DD text, so text order is date order.
    if isinstance(start, str) and isinstance(end, str) and end < start:
        msg = f"the end date {end} is before the start date {start}"
        raise CampaignFieldError(msg)


def _check_campaign_fields(client: Any, body: Mapping[str, Any]) -> None:
    describe = client.describe("Campaign")
    if describe.field(SEGMENT_KEY_FIELD) is None:
        msg = (
            f"Campaign has no field {SEGMENT_KEY_FIELD}; create it (Text 80, External ID, Unique) "
            "so segment creation can be retried safely"
        )
        raise ValueError(msg)
    for key in body:
        found = describe.field(key)
        if found is None:
            msg = (
                f"Campaign has no field {key}; check the name in Setup > Object Manager > Campaign"
            )
            raise CampaignFieldError(msg)
        if not (found.createable or found.updateable):
            msg = f"Campaign.{key} is read-only and cannot be set"
            raise CampaignFieldError(msg)


# --- store ------------------------------------------------------------------


def _reserve(
    store: Store,
    name: str,
    compiled: CompiledCriteria,
    description: str | None,
    wanted: Sequence[MemberStatus],
) -> Segment:
    """Insert the segment row, or take over the row an interrupted create left behind."""
    with store.session() as session:
        row = session.scalars(select(Segment).where(Segment.name == name)).first()
        if row is not None and row.campaign_id is not None:
            msg = (
                f"segment {name!r} already exists ({row.id}, Campaign {row.campaign_id}); "
                "choose another name, or delete it with `sfseg segments delete`"
            )
            raise SegmentExistsError(msg)
        if row is None:
            row = Segment(key=f"sfseg-{secrets.token_hex(16)}", name=name)
            session.add(row)
        row.description = description
        row.target = compiled.target
        row.criteria_kind = compiled.kind
        row.criteria_text = compiled.text
        row.soql_contact = compiled.soql_contact
        row.soql_lead = compiled.soql_lead
        row.statuses = [s.to_json() for s in wanted]
        row.updated_at = utcnow()
        session.flush()
        return row


def _finish(store: Store, segment_id: str, campaign_id: str) -> SegmentInfo:
    with store.session() as session:
        row = session.get(Segment, segment_id)
        assert row is not None
        row.campaign_id = campaign_id
        row.updated_at = utcnow()
        session.flush()
        return SegmentInfo.from_row(row)


# --- composite requests -----------------------------------------------------


def _query_url(client: Any, soql: str) -> str:
    # Composite references such as @{campaign.id} must reach Salesforce unencoded.
    path: str = client.data_path("query/")
    return path + "?q=" + quote(soql, safe="@{}[]._'=,()*-")


def _status_query(campaign_ref: str, label: str | None = None) -> str:
    condition: ast.Condition = builder.eq("CampaignId", campaign_ref)
    if label is not None:
        condition = builder.and_(condition, builder.eq("Label", label))
    query = builder.select(
        *_STATUS_FIELDS, sobject="CampaignMemberStatus", where=condition, order=["SortOrder"]
    )
    return render(query)


def _status_subrequest(
    client: Any, change: StatusChange, campaign_ref: str, reference_id: str
) -> dict[str, Any]:
    status = change.status
    path = "sobjects/CampaignMemberStatus/"
    if change.action == "create":
        body = {
            "CampaignId": campaign_ref,
            "Label": status.label,
            "IsDefault": status.is_default,
            "HasResponded": status.has_responded,
            "SortOrder": change.sort_order,
        }
        return {
            "method": "POST",
            "url": client.data_path(path),
            "referenceId": reference_id,
            "body": body,
        }
    url = client.data_path(path + str(change.record_id))
    if change.action == "update":
        body = {"IsDefault": status.is_default, "HasResponded": status.has_responded}
        return {"method": "PATCH", "url": url, "referenceId": reference_id, "body": body}
    return {"method": "DELETE", "url": url, "referenceId": reference_id}


def _first_pass(
    client: Any,
    key: str,
    body: Mapping[str, Any],
    compiled: CompiledCriteria,
    wanted: Sequence[MemberStatus],
) -> list[dict[str, Any]]:
    """Subrequests for a Campaign that is new: upsert, status writes, counts, statuses read back."""
    campaign_ref = "@{campaign.id}"
    upsert_url = client.data_path(f"sobjects/Campaign/{SEGMENT_KEY_FIELD}/{quote(key, safe='')}")
    requests: list[dict[str, Any]] = [
        {"method": "PATCH", "url": upsert_url, "referenceId": "campaign", "body": dict(body)}
    ]
    # Salesforce's own statuses of a new campaign are found by label, so a retry that
    # meets other rows changes nothing it should not: the reference then fails alone.
    assumed = [
        {
            "Id": f"@{{old{index}.records[0].Id}}",
            "Label": s.label,
            "IsDefault": s.is_default,
            "HasResponded": s.has_responded,
            "SortOrder": index + 1,
        }
        for index, s in enumerate(SALESFORCE_NEW_CAMPAIGN_STATUSES)
    ]
    changes = plan_status_changes(assumed, wanted)
    for index, status in enumerate(SALESFORCE_NEW_CAMPAIGN_STATUSES):
        if any(c.record_id == f"@{{old{index}.records[0].Id}}" for c in changes):
            requests.append(
                {
                    "method": "GET",
                    "url": _query_url(client, _status_query(campaign_ref, status.label)),
                    "referenceId": f"old{index}",
                }
            )
    for index, change in enumerate(changes):
        requests.append(_status_subrequest(client, change, campaign_ref, f"status{index}"))
    for sobject in compiled.objects:
        soql = render(count_query(compiled.query(sobject)))
        requests.append(
            {"method": "GET", "url": _query_url(client, soql), "referenceId": f"count{sobject}"}
        )
    requests.append(
        {
            "method": "GET",
            "url": _query_url(client, _status_query(campaign_ref)),
            "referenceId": "statuses",
        }
    )
    return requests


def _answer(answers: Mapping[str, Any], reference_id: str, method: str) -> Any:
    answer = answers[reference_id]
    error = answer.error(method, f"composite:{reference_id}")
    if error is not None:
        raise error
    return answer.body


def _status_rows(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [dict(record) for record in body.get("records") or ()]


def _matches(rows: Sequence[Mapping[str, Any]], wanted: Sequence[MemberStatus]) -> bool:
    return not plan_status_changes(rows, wanted)


def _fix_statuses(client: Any, campaign_id: str, wanted: Sequence[MemberStatus]) -> None:
    rows = [dict(r) for r in client.query(_status_query(campaign_id))]
    changes = plan_status_changes(rows, wanted)
    if not changes:
        return
    requests = [
        _status_subrequest(client, c, campaign_id, f"status{i}") for i, c in enumerate(changes)
    ]
    answers = {a.reference_id: a for a in client.composite(requests, all_or_none=True)}
    for index, change in enumerate(changes):
        _answer(answers, f"status{index}", change.action.upper())


def _write_campaign(
    client: Any,
    store: Store,
    row: Segment,
    body: Mapping[str, Any],
    compiled: CompiledCriteria,
    wanted: Sequence[MemberStatus],
) -> tuple[str, bool, dict[str, int]]:
    requests = _first_pass(client, row.key, body, compiled, wanted)
    # Spare query room in the same call reads the analysis planning statistics.
    queries = sum(1 for r in requests if r["method"] == "GET" and "/query/" in r["url"])
    planned = plan_statistics(client, store, compiled.objects, QUERIES_PER_CALL - queries)
    requests += [item.subrequest(client) for item in planned]
    answers = {a.reference_id: a for a in client.composite(requests)}
    save_planned_statistics(store, planned, answers, row.id)
    upserted = _answer(answers, "campaign", "PATCH")
    campaign_id = str(upserted["id"])
    created = bool(upserted.get("created", False))
    counts = {
        sobject: int(_answer(answers, f"count{sobject}", "GET")["totalSize"])
        for sobject in compiled.objects
    }
    rows = _status_rows(_answer(answers, "statuses", "GET"))
    if not _matches(rows, wanted):
        logger.info("campaign %s statuses differ from the requested ones; fixing them", campaign_id)
        _fix_statuses(client, campaign_id, wanted)
    return campaign_id, created, counts


# --- public API -------------------------------------------------------------


def create_segment(
    client: Any,
    store: Store,
    name: str,
    criteria: str | Mapping[str, Any] | CompiledCriteria,
    *,
    target: Target | None = None,
    description: str | None = None,
    statuses: Sequence[str | MemberStatus] | None = None,
    default_status: str | None = None,
    campaign_fields: Mapping[str, Any] | None = None,
    dry_run: bool = False,
    kind: CriteriaKind | None = None,
) -> SegmentResult:
    """Create a segment: check the criteria, make its Campaign and statuses, store it.

    Args:
        criteria: a WHERE clause, a full query, a rule document, or `CompiledCriteria`.
        target: contact, lead or both; None takes it from the criteria (see
            `compile_criteria`).
        statuses: member status labels (or `MemberStatus` values); None gives "Added"
            (default) and "Responded" (responded). They replace Salesforce's "Sent" and
            "Responded".
        default_status: the label new members get; must be one of `statuses`.
        campaign_fields: other Campaign fields: Type, Status, IsActive, StartDate,
            EndDate, ParentId, or any createable field.
        dry_run: check and count only; nothing is written to Salesforce or the store.

    Raises:
        CriteriaError: invalid criteria, with every problem and its location.
        SegmentExistsError: a complete segment with this name exists.
        ValueError: a bad name or status list; `CampaignFieldError` for a bad Campaign
            field, such as an EndDate before the StartDate or a ParentId that is not
            shaped like a Campaign id.
        SalesforceError: a Salesforce call failed; the segment row stays without a
            Campaign id, and the same call again resumes it.
    """
    calls_before = client.api_calls
    name = _check_name(name)
    _check_default_status(statuses, default_status)
    wanted = requested_statuses(statuses, default_status)
    body = _campaign_body(name, description, campaign_fields)
    compiled = (
        criteria
        if isinstance(criteria, CompiledCriteria)
        else compile_criteria(criteria, metadata=client, target=target, kind=kind)
    )
    _check_campaign_fields(client, body)
    soql = {sobject: compiled.soql(sobject) for sobject in compiled.objects}

    if dry_run:
        counts = count_matches(client, compiled)
        return SegmentResult(
            None, None, False, counts, soql, wanted, True, client.api_calls - calls_before
        )

    row = _reserve(store, name, compiled, description, wanted)
    campaign_id, created, counts = _write_campaign(client, store, row, body, compiled, wanted)
    info = _finish(store, row.id, campaign_id)
    logger.info("segment %s created: Campaign %s (new: %s)", info.id, campaign_id, created)
    note = ensure_report(client, store, campaign_id, info.id)
    return SegmentResult(
        info, campaign_id, created, counts, soql, wanted, False, client.api_calls - calls_before,
        notes=(note,) if note else (),
    )  # fmt: skip


def populate_segment(client: Any, store: Store, segment_id: str, *, progress: Any = None) -> Any:
    """Assign every current match of the segment's criteria (a mirror refresh of the new
    segment); returns the assign area's `AssignResult`."""
    from sfseg.segments.assign import refresh_segment  # the assign area, loaded when needed

    return refresh_segment(client, store, segment_id, progress=progress)
