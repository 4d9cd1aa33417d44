"""A segment as plain data, and its Campaign member statuses with the writes that set them up.

Salesforce gives every new Campaign the statuses "Sent" (default) and "Responded"
(responded). A segment replaces them with its own list, by default "Added" (default)
and "Responded" (responded). Every campaign must keep exactly one default status and
at least one responded status, so new statuses are created (and the default moved)
before old ones are deleted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sfseg.segments.store.models import Segment

__all__ = [
    "DEFAULT_STATUSES",
    "SegmentInfo",
    "SALESFORCE_NEW_CAMPAIGN_STATUSES",
    "MemberStatus",
    "StatusChange",
    "plan_status_changes",
    "requested_statuses",
]

MAX_LABEL_LENGTH = 765


@dataclass(frozen=True, slots=True)
class MemberStatus:
    """A CampaignMemberStatus as a segment wants it."""

    label: str
    is_default: bool = False
    has_responded: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "is_default": self.is_default,
            "has_responded": self.has_responded,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MemberStatus:
        return cls(
            str(data["label"]), bool(data.get("is_default")), bool(data.get("has_responded"))
        )


DEFAULT_STATUSES = (
    MemberStatus("Added", is_default=True),
    MemberStatus("Responded", has_responded=True),
)
# The statuses Salesforce creates with every new Campaign (Object Reference, CampaignMemberStatus).
SALESFORCE_NEW_CAMPAIGN_STATUSES = (
    MemberStatus("Sent", is_default=True),
    MemberStatus("Responded", has_responded=True),
)
_RESPONDED_WORDS = ("responded", "attended", "replied", "clicked", "opened", "converted")


def requested_statuses(
    labels: Sequence[str | MemberStatus] | None, default_status: str | None
) -> tuple[MemberStatus, ...]:
    """Build the status list from labels, or return the default list.

    A label given as text counts as responded when it reads like a response
    ("Responded", "Attended", ...); `MemberStatus` values are taken as they are. The
    default is `default_status`, else the one marked default, else the first label.

    Raises:
        ValueError: an empty or too-long label, a repeated label, an unknown default, or
            a list without a responded status.
    """
    if not labels:
        statuses = list(DEFAULT_STATUSES)
        if default_status is not None:
            statuses = [
                MemberStatus(s.label, s.label.lower() == default_status.lower(), s.has_responded)
                for s in statuses
            ]
    else:
        statuses = [
            s
            if isinstance(s, MemberStatus)
            else MemberStatus(s.strip(), False, s.strip().lower() in _RESPONDED_WORDS)
            for s in labels
        ]
    return _with_default(_check_labels(statuses), default_status)


def _check_labels(statuses: list[MemberStatus]) -> list[MemberStatus]:
    seen: set[str] = set()
    for status in statuses:
        if not status.label or len(status.label) > MAX_LABEL_LENGTH:
            msg = f"status label {status.label!r} must have 1 to {MAX_LABEL_LENGTH} characters"
            raise ValueError(msg)
        if status.label.lower() in seen:
            msg = f"status label {status.label!r} is given twice; labels are unique per campaign"
            raise ValueError(msg)
        seen.add(status.label.lower())
    if not any(s.has_responded for s in statuses):
        labels = ", ".join(s.label for s in statuses)
        msg = (
            f"no responded status among {labels}; Salesforce needs one: add a label such as "
            "'Responded'"
        )
        raise ValueError(msg)
    return statuses


def _with_default(
    statuses: list[MemberStatus], default_status: str | None
) -> tuple[MemberStatus, ...]:
    if default_status is not None:
        wanted = default_status.lower()
        if wanted not in {s.label.lower() for s in statuses}:
            labels = ", ".join(s.label for s in statuses)
            msg = f"default status {default_status!r} is not one of the statuses {labels}"
            raise ValueError(msg)
    else:
        marked = [s for s in statuses if s.is_default]
        wanted = (marked[0] if marked else statuses[0]).label.lower()
    return tuple(
        MemberStatus(s.label, s.label.lower() == wanted, s.has_responded) for s in statuses
    )


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One write: create a status, update one (by id), or delete one (by id)."""

    action: str  # create | update | delete
    status: MemberStatus
    record_id: str | None = None
    sort_order: int | None = None


def plan_status_changes(
    existing: Sequence[Mapping[str, Any]], wanted: Sequence[MemberStatus]
) -> list[StatusChange]:
    """Return the writes that turn the campaign's `existing` status rows into `wanted`.

    `existing` rows carry Id, Label, IsDefault, HasResponded and SortOrder. The writes
    come in a safe order: the new default first, then the other creates and updates,
    then the deletes.
    """
    by_label = {str(row["Label"]).lower(): row for row in existing}
    next_order = max((int(row.get("SortOrder") or 0) for row in existing), default=0) + 1
    first: list[StatusChange] = []
    rest: list[StatusChange] = []
    for status in wanted:
        row = by_label.get(status.label.lower())
        if row is None:
            change = StatusChange("create", status, sort_order=next_order)
            next_order += 1
        elif (
            bool(row.get("IsDefault")) != status.is_default
            or bool(row.get("HasResponded")) != status.has_responded
        ):
            change = StatusChange("update", status, record_id=str(row["Id"]))
        else:
            continue
        (first if status.is_default else rest).append(change)
    wanted_labels = {s.label.lower() for s in wanted}
    deletes = [
        StatusChange(
            "delete",
            MemberStatus(
                str(row["Label"]), bool(row.get("IsDefault")), bool(row.get("HasResponded"))
            ),
            record_id=str(row["Id"]),
        )
        for row in existing
        if str(row["Label"]).lower() not in wanted_labels
    ]
    return first + rest + deletes


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    """A stored segment, detached from the database session."""

    id: str
    key: str
    name: str
    description: str | None
    target: str
    criteria_kind: str
    criteria_text: str
    soql_contact: str | None
    soql_lead: str | None
    campaign_id: str | None
    statuses: tuple[MemberStatus, ...]
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def from_row(cls, row: Segment) -> SegmentInfo:
        return cls(
            id=row.id,
            key=row.key,
            name=row.name,
            description=row.description,
            target=row.target,
            criteria_kind=row.criteria_kind,
            criteria_text=row.criteria_text,
            soql_contact=row.soql_contact,
            soql_lead=row.soql_lead,
            campaign_id=row.campaign_id,
            statuses=tuple(MemberStatus.from_json(s) for s in row.statuses or ()),
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @property
    def soql(self) -> dict[str, str]:
        found = {"Contact": self.soql_contact, "Lead": self.soql_lead}
        return {sobject: text for sobject, text in found.items() if text}

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "key": self.key,
            "name": self.name,
            "description": self.description,
            "target": self.target,
            "criteria_kind": self.criteria_kind,
            "criteria": self.criteria_text,
            "soql": self.soql,
            "campaign_id": self.campaign_id,
            "statuses": [s.to_json() for s in self.statuses],
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at),
        }


def _iso(value: dt.datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")
