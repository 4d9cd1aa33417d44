"""The write plan: which rows to add, update and remove, by which route, at what cost.

`build_plan` is pure: it takes the resolved customers and, for the modes that need
them, the campaign's current members, and decides each customer's action. Nothing is
written here, so a dry run is this plan and nothing more.

Route and cost (each figure is API calls, the currency of the daily allowance):

- REST: sObject Collections inside Composite. One Composite call carries up to five
  collection subrequests of 200 records, so 1,000 rows per call. Reconciliation reads
  members back with one query per 2,000 rows, five queries per Composite call.
- Bulk: one Bulk API 2.0 ingest job per operation (create, upload, close, results for
  successes and failures, plus polls), and a Bulk query to reconcile.

The Bulk route is chosen above a row threshold, or when the REST route would leave
less of the daily budget than the reserve.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "BULK_CALLS_PER_OPERATION",
    "DEFAULT_BULK_THRESHOLD",
    "RESPONDED",
    "ROWS_PER_COLLECTION",
    "ROWS_PER_COMPOSITE",
    "Action",
    "Member",
    "Mode",
    "Outcome",
    "Plan",
    "PlanRow",
    "Resolved",
    "Route",
    "SkippedRow",
    "build_plan",
    "choose_route",
    "estimate_calls",
]

# sObject Collections take at most 200 records per request, and a Composite request at
# most 5 collection or query subrequests (REST API Developer Guide, "sObject
# Collections" and "Composite").
ROWS_PER_COLLECTION = 200
SUBREQUESTS_PER_COMPOSITE = 5
ROWS_PER_COMPOSITE = ROWS_PER_COLLECTION * SUBREQUESTS_PER_COMPOSITE

# Reconciliation reads members back in queries of this many record ids: a Composite
# query page contains at most 2,000 records, and 2,000 quoted ids stay well under the
# 100,000-character SOQL limit.
ROWS_PER_RECONCILE_QUERY = 2000

# Create, upload, close, successful results, failed results; polls come on top.
BULK_CALLS_PER_OPERATION = 5
# A Bulk query: create, then one results page per this many rows; polls on top.
BULK_QUERY_PAGE_ROWS = 50_000

# Above this many rows the Bulk route costs fewer calls and is the default.
DEFAULT_BULK_THRESHOLD = 20_000

# The reason of a member that a mirror keeps because the member responded.
RESPONDED = "responded"


class Mode(StrEnum):
    """The kind of change an assignment makes to the campaign's membership."""

    ADD = "add"
    REMOVE = "remove"
    MIRROR = "mirror"
    STATUS = "status"


class Route(StrEnum):
    """The API that writes rows: sObject Collections in Composite, or Bulk API 2.0."""

    REST = "rest"
    BULK = "bulk"


class Action(StrEnum):
    """The plan's action for one customer's row."""

    ADD = "add"
    REMOVE = "remove"
    UPDATE = "update"
    NONE = "none"


class Outcome(StrEnum):
    """The recorded result for one customer; `pending` until it is known."""

    PENDING = "pending"
    CREATED = "created"
    ALREADY_MEMBER = "already_member"
    UPDATED = "updated"
    REMOVED = "removed"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Resolved:
    """A customer resolved to the Contact or Lead that becomes the member.

    `converted_from` is the id of the converted Lead this Contact replaced, if any.
    """

    record_id: str
    sobject: str
    converted_from: str | None = None


@dataclass(frozen=True, slots=True)
class Member:
    """A CampaignMember that exists now."""

    member_id: str
    record_id: str
    sobject: str
    status: str | None
    has_responded: bool


@dataclass(frozen=True, slots=True)
class PlanRow:
    """One row to write. `member_id` is set for updates and removals."""

    customer_id: str
    record_id: str
    sobject: str
    action: Action
    member_id: str | None = None


@dataclass(frozen=True, slots=True)
class SkippedRow:
    """A customer the plan does not write, with the outcome it records instead."""

    customer_id: str
    outcome: Outcome
    reason: str
    message: str
    record_id: str | None = None
    sobject: str | None = None
    member_id: str | None = None


@dataclass(slots=True)
class Plan:
    """Rows to write, the chosen route and its estimated API-call cost."""

    mode: Mode
    status: str | None
    route: Route
    route_reason: str
    rows: list[PlanRow] = field(default_factory=list)
    settled: list[SkippedRow] = field(default_factory=list)
    estimated_api_calls: int = 0

    def count(self, action: Action) -> int:
        return sum(1 for row in self.rows if row.action is action)

    def summary(self) -> dict[str, object]:
        """Return the plan's figures as JSON-ready values."""
        return {
            "mode": self.mode.value,
            "status": self.status,
            "route": self.route.value,
            "route_reason": self.route_reason,
            "add": self.count(Action.ADD),
            "update": self.count(Action.UPDATE),
            "remove": self.count(Action.REMOVE),
            "unchanged": sum(1 for row in self.settled if row.outcome is not Outcome.SKIPPED),
            "skipped": sum(1 for row in self.settled if row.outcome is Outcome.SKIPPED),
            # Members kept by a mirror because they responded; they are among `skipped`.
            "kept_responded": sum(1 for row in self.settled if row.reason == RESPONDED),
            "estimated_api_calls": self.estimated_api_calls,
        }


def build_plan(
    mode: Mode,
    resolved: Mapping[str, Resolved],
    *,
    members: Mapping[str, Member] | None = None,
    status: str | None = None,
    remove_responded: bool = False,
    route: Route | None = None,
    bulk_threshold: int = DEFAULT_BULK_THRESHOLD,
    api_budget_left: int | None = None,
) -> Plan:
    """Decide each customer's action and the write route.

    Args:
        mode: add, remove, mirror or status.
        resolved: customer id → the record it resolved to, in input order. Customers
            that did not resolve are not passed here; the caller records them.
        members: record id → current member of the campaign. Required for remove,
            mirror and status. Optional for add: a customer found there is settled as
            `already_member`; without it, an existing member surfaces as
            `DUPLICATE_VALUE` on insert and is recorded as `already_member` then.
        status: the member status to write on add and status updates.
        remove_responded: in mirror mode, also remove members who have responded.
        route: force a route; None chooses by size and budget.
        bulk_threshold: row count from which the Bulk route is chosen.
        api_budget_left: daily API calls left, if known.
    """
    if mode is not Mode.ADD and members is None:
        msg = f"The {mode.value} mode needs the campaign's current members."
        raise ValueError(msg)

    rows, settled = _rows_for_mode(mode, resolved, members or {}, status, remove_responded)
    chosen, reason = choose_route(
        len(rows), requested=route, bulk_threshold=bulk_threshold, api_budget_left=api_budget_left
    )
    plan = Plan(mode=mode, status=status, route=chosen, route_reason=reason, rows=rows, settled=settled)
    plan.estimated_api_calls = estimate_calls(_action_counts(rows), chosen)
    return plan


def _rows_for_mode(
    mode: Mode,
    resolved: Mapping[str, Resolved],
    members: Mapping[str, Member],
    status: str | None,
    remove_responded: bool,
) -> tuple[list[PlanRow], list[SkippedRow]]:
    rows: list[PlanRow] = []
    settled: list[SkippedRow] = []
    seen_records: dict[str, str] = {}

    for customer_id, target in resolved.items():
        first = seen_records.get(target.record_id)
        if first is not None:
            settled.append(_same_record(customer_id, target, first))
            continue
        seen_records[target.record_id] = customer_id

        member = members.get(target.record_id)
        row_or_skip = _row_for_customer(mode, customer_id, target, member, status)
        if isinstance(row_or_skip, PlanRow):
            rows.append(row_or_skip)
        else:
            settled.append(row_or_skip)

    if mode is Mode.MIRROR:
        for record_id, member in members.items():
            if record_id in seen_records:
                continue
            rows_or_kept = _mirror_removal(member, remove_responded)
            if isinstance(rows_or_kept, PlanRow):
                rows.append(rows_or_kept)
            else:
                settled.append(rows_or_kept)

    return rows, settled


def _row_for_customer(
    mode: Mode, customer_id: str, target: Resolved, member: Member | None, status: str | None
) -> PlanRow | SkippedRow:
    if mode in (Mode.ADD, Mode.MIRROR):
        if member is None:
            return PlanRow(customer_id, target.record_id, target.sobject, Action.ADD)
        return SkippedRow(
            customer_id, Outcome.ALREADY_MEMBER, "already_member",
            f"{target.sobject} {target.record_id} is already a member",
            target.record_id, target.sobject, member.member_id,
        )  # fmt: skip

    if member is None:
        return SkippedRow(
            customer_id, Outcome.SKIPPED, "not_member",
            f"{target.sobject} {target.record_id} is not a member of the campaign",
            target.record_id, target.sobject,
        )  # fmt: skip

    if mode is Mode.REMOVE:
        return PlanRow(customer_id, target.record_id, target.sobject, Action.REMOVE, member.member_id)

    if status is None or member.status == status:
        return SkippedRow(
            customer_id, Outcome.ALREADY_MEMBER, "status_unchanged",
            f"{target.sobject} {target.record_id} already has status {member.status!r}",
            target.record_id, target.sobject, member.member_id,
        )  # fmt: skip
    return PlanRow(customer_id, target.record_id, target.sobject, Action.UPDATE, member.member_id)


def _mirror_removal(member: Member, remove_responded: bool) -> PlanRow | SkippedRow:
    # Mirror rows for members outside the given set use the record id as customer id.
    if member.has_responded and not remove_responded:
        return SkippedRow(
            member.record_id, Outcome.SKIPPED, RESPONDED,
            f"{member.sobject} {member.record_id} no longer matches but has responded "
            f"(status {member.status!r}); kept. Pass remove_responded to remove it too.",
            member.record_id, member.sobject, member.member_id,
        )  # fmt: skip
    return PlanRow(member.record_id, member.record_id, member.sobject, Action.REMOVE, member.member_id)


def _same_record(customer_id: str, target: Resolved, first: str) -> SkippedRow:
    return SkippedRow(
        customer_id, Outcome.SKIPPED, "same_record",
        f"resolves to {target.sobject} {target.record_id}, the same record as customer {first!r}",
        target.record_id, target.sobject,
    )  # fmt: skip


def _action_counts(rows: Iterable[PlanRow]) -> dict[Action, int]:
    counts = dict.fromkeys((Action.ADD, Action.UPDATE, Action.REMOVE), 0)
    for row in rows:
        counts[row.action] += 1
    return counts


def estimate_calls(counts: Mapping[Action, int], route: Route) -> int:
    """Return the API calls a route needs for these row counts, reconciliation included.

    Bulk figures leave out status polls, whose number depends on how long Salesforce
    takes to process the job.
    """
    total = sum(counts.values())
    if total == 0:
        return 0
    if route is Route.REST:
        writes = sum(math.ceil(n / ROWS_PER_COMPOSITE) for n in counts.values())
        queries = math.ceil(total / ROWS_PER_RECONCILE_QUERY)
        return writes + math.ceil(queries / SUBREQUESTS_PER_COMPOSITE)
    operations = sum(1 for n in counts.values() if n)
    reconcile = 1 + math.ceil(total / BULK_QUERY_PAGE_ROWS)
    return operations * BULK_CALLS_PER_OPERATION + reconcile


def choose_route(
    rows: int,
    *,
    requested: Route | None = None,
    bulk_threshold: int = DEFAULT_BULK_THRESHOLD,
    api_budget_left: int | None = None,
) -> tuple[Route, str]:
    """Return the route for `rows` rows and the reason it was chosen."""
    if requested is not None:
        return requested, "requested"
    if rows >= bulk_threshold:
        return Route.BULK, f"{rows} rows, at or above the Bulk threshold of {bulk_threshold}"

    rest_cost = estimate_calls({Action.ADD: rows}, Route.REST)
    bulk_cost = estimate_calls({Action.ADD: rows}, Route.BULK)
    if api_budget_left is not None and rest_cost > api_budget_left and bulk_cost < rest_cost:
        return Route.BULK, (
            f"the REST route needs about {rest_cost} API calls but only {api_budget_left} "
            "are left today"
        )
    return Route.REST, f"{rows} rows, below the Bulk threshold of {bulk_threshold}"
