"""The write plan: actions per mode, folding of customers that share a record, route and cost."""

from __future__ import annotations

import pytest

from sfseg.segments.plan import (
    Action,
    Member,
    Mode,
    Outcome,
    Resolved,
    Route,
    build_plan,
    choose_route,
    estimate_calls,
)

C1 = "003000000000001AAA"
C2 = "003000000000002AAA"
L1 = "00Q000000000001AAA"


def _member(record_id: str, *, responded: bool = False, status: str = "Sent") -> Member:
    sobject = "Lead" if record_id.startswith("00Q") else "Contact"
    return Member("00v" + record_id[3:], record_id, sobject, status, responded)


def test_add_plans_every_resolved() -> None:
    """Add mode plans one insert per resolved customer."""
    plan = build_plan(Mode.ADD, {"a@x.io": Resolved(C1, "Contact"), L1: Resolved(L1, "Lead")})
    assert [(r.customer_id, r.action) for r in plan.rows] == [("a@x.io", Action.ADD), (L1, Action.ADD)]
    assert plan.route is Route.REST
    assert plan.estimated_api_calls == 2


def test_two_customers_one_record() -> None:
    """A second customer resolving to the same record is skipped, naming the first."""
    plan = build_plan(Mode.ADD, {C1: Resolved(C1, "Contact"), "a@x.io": Resolved(C1, "Contact")})
    assert len(plan.rows) == 1
    (settled,) = plan.settled
    assert settled.customer_id == "a@x.io"
    assert settled.reason == "same_record"
    assert C1 in settled.message


def test_remove_needs_members() -> None:
    """Remove mode without the current members is a programming error."""
    with pytest.raises(ValueError, match="current members"):
        build_plan(Mode.REMOVE, {C1: Resolved(C1, "Contact")})


def test_remove_only_members() -> None:
    """Remove mode deletes members and skips customers who are not members."""
    members = {C1: _member(C1)}
    plan = build_plan(Mode.REMOVE, {C1: Resolved(C1, "Contact"), C2: Resolved(C2, "Contact")}, members=members)
    assert [(r.record_id, r.action, r.member_id) for r in plan.rows] == [(C1, Action.REMOVE, members[C1].member_id)]
    assert [(s.customer_id, s.reason) for s in plan.settled] == [(C2, "not_member")]


def test_mirror_adds_new_removes_rest() -> None:
    """Mirror adds the new, keeps the present and removes members outside the set."""
    members = {C1: _member(C1), L1: _member(L1)}
    plan = build_plan(Mode.MIRROR, {C1: Resolved(C1, "Contact"), C2: Resolved(C2, "Contact")}, members=members)
    assert sorted((r.record_id, r.action) for r in plan.rows) == [(C2, Action.ADD), (L1, Action.REMOVE)]
    assert [(s.customer_id, s.outcome) for s in plan.settled] == [(C1, Outcome.ALREADY_MEMBER)]


def test_mirror_keeps_responded() -> None:
    """Mirror never removes a member who responded unless asked."""
    members = {L1: _member(L1, responded=True, status="Responded")}
    plan = build_plan(Mode.MIRROR, {}, members=members)
    assert plan.rows == []
    (kept,) = plan.settled
    assert kept.reason == "responded"
    assert kept.outcome is Outcome.SKIPPED


def test_mirror_removes_responded_when_asked() -> None:
    """With remove_responded a responded member is removed too."""
    members = {L1: _member(L1, responded=True)}
    plan = build_plan(Mode.MIRROR, {}, members=members, remove_responded=True)
    assert [(r.record_id, r.action) for r in plan.rows] == [(L1, Action.REMOVE)]


def test_status_mode_updates_changed_only() -> None:
    """Status mode updates members whose status differs and leaves the rest."""
    members = {C1: _member(C1, status="Sent"), C2: _member(C2, status="Responded")}
    resolved = {C1: Resolved(C1, "Contact"), C2: Resolved(C2, "Contact"), L1: Resolved(L1, "Lead")}
    plan = build_plan(Mode.STATUS, resolved, members=members, status="Responded")
    assert [(r.record_id, r.action) for r in plan.rows] == [(C1, Action.UPDATE)]
    assert sorted((s.customer_id, s.reason) for s in plan.settled) == [
        (C2, "status_unchanged"),
        (L1, "not_member"),
    ]


def test_rest_cost_counts_composites() -> None:
    """10,000 inserts cost 10 Composite writes and 1 reconciliation call."""
    assert estimate_calls({Action.ADD: 10_000}, Route.REST) == 11


def test_rest_cost_zero_rows() -> None:
    """Nothing to write costs nothing."""
    assert estimate_calls({Action.ADD: 0}, Route.REST) == 0


def test_bulk_cost_small_for_large_jobs() -> None:
    """100,000 Bulk inserts cost 5 ingest calls and 3 query calls, polls aside."""
    assert estimate_calls({Action.ADD: 100_000}, Route.BULK) == 8


def test_route_threshold() -> None:
    """At the threshold the Bulk route is chosen, below it REST."""
    assert choose_route(999, bulk_threshold=1000)[0] is Route.REST
    assert choose_route(1000, bulk_threshold=1000)[0] is Route.BULK


def test_route_low_budget_goes_bulk() -> None:
    """When REST would need more calls than the budget left, Bulk is chosen."""
    route, reason = choose_route(15_000, bulk_threshold=20_000, api_budget_left=10)
    assert route is Route.BULK
    assert "left today" in reason


def test_route_requested_wins() -> None:
    """A requested route is kept whatever the size."""
    assert choose_route(1_000_000, requested=Route.REST) == (Route.REST, "requested")


def test_summary_counts() -> None:
    """The plan summary counts rows by action."""
    members = {C1: _member(C1)}
    plan = build_plan(Mode.MIRROR, {C2: Resolved(C2, "Contact")}, members=members)
    summary = plan.summary()
    assert summary["add"] == 1
    assert summary["remove"] == 1
    assert summary["route"] == "rest"
