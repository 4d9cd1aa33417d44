"""Member behaviour: Campaign roll-ups, opportunities, cases and activities."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sfseg.salesforce.errors import SalesforceError
from sfseg.segments.analyze.batching import MAX_GROUPS, Handler
from sfseg.segments.analyze.models import CaseStats, OpportunityStats
from sfseg.segments.analyze.run import _Run
from sfseg.segments.analyze.values import (
    COUNT_N,
    _date,
    _decimal,
    _int,
    _max_date,
    _ratio,
    _value_key,
    aggregate,
)
from sfseg.soql import ast, builder, render

__all__ = [
    "ACTIVITY_WINDOW",
    "CAMPAIGN_ROLLUPS",
    "OPPORTUNITY_CHANNELS",
]


ACTIVITY_DAYS = 90
ACTIVITY_WINDOW = f"LAST_N_DAYS:{ACTIVITY_DAYS}"
# Opportunity channels: the member is the primary contact, has a contact role, or
# belongs to the opportunity's account.
OPPORTUNITY_CHANNELS = ("contact", "contact_roles", "account")
CAMPAIGN_ROLLUPS = (
    "NumberOfContacts",
    "NumberOfLeads",
    "NumberOfConvertedLeads",
    "NumberOfResponses",
    "NumberOfOpportunities",
    "NumberOfWonOpportunities",
    "AmountAllOpportunities",
    "AmountWonOpportunities",
)


def _queue_campaign(run: _Run) -> None:
    fields = ",".join(CAMPAIGN_ROLLUPS)
    url = run.client.data_path(f"sobjects/Campaign/{run.campaign_id}") + f"?fields={fields}"

    def handle(body: Mapping[str, Any]) -> None:
        for name in CAMPAIGN_ROLLUPS:
            value = body.get(name)
            run.behaviour.campaign[name] = (
                _decimal(value) if name.startswith("Amount") else _int(value)
            )

    run.batch.get(url, handle)


def _add_opportunities(stats: OpportunityStats, row: Mapping[str, Any], n: int) -> None:
    closed, won = bool(row.get("IsClosed")), bool(row.get("IsWon"))
    stats.count += n
    stats.open += 0 if closed else n
    stats.won += n if won else 0
    stats.lost += n if closed and not won else 0
    if won:
        stats.won_amount += _decimal(row.get("amount"))
    stats.last_close_date = _max_date(stats.last_close_date, _date(row.get("lastclose")))


def _finish_opportunities(stats: OpportunityStats) -> OpportunityStats:
    stats.win_rate = _ratio(stats.won, stats.won + stats.lost)
    stats.average_deal_size = (
        (stats.won_amount / stats.won).quantize(Decimal("0.01")) if stats.won else None
    )
    return stats


def _opportunity_handler(run: _Run, channel: str) -> Handler:
    """Sum opportunity rows grouped by IsClosed and IsWon into one channel."""

    def handle(rows: list[dict[str, Any]]) -> None:
        stats = OpportunityStats()
        for row in rows:
            _add_opportunities(stats, row, _int(row.get("n")))
        run.behaviour.opportunities[channel] = _finish_opportunities(stats)

    return handle


def _queue_opportunities(run: _Run) -> None:
    """Queue the opportunity (through the account) and case queries, which need no member count."""
    # NOTE: the subquery selects a relationship path (Contact.AccountId). The sandbox
    # runs it; an org that rejects it leaves this channel out with a note.
    by_account = builder.select(
        "IsClosed", "IsWon", COUNT_N, aggregate("SUM", "Amount", "amount"),
        aggregate("MAX", "CloseDate", "lastclose"), sobject="Opportunity",
        where=builder.semi_join("AccountId", run.members("Contact.AccountId")),
        group_by=["IsClosed", "IsWon"],
    )  # fmt: skip
    run.batch.query(
        render(by_account),
        _opportunity_handler(run, "account"),
        on_error=lambda error: _channel_failed(run, "account", error),
    )
    cases = builder.select(
        "IsClosed", "Priority", COUNT_N, sobject="Case",
        where=builder.semi_join("ContactId", run.members("ContactId")),
        group_by=["IsClosed", "Priority"],
    )  # fmt: skip
    run.batch.query(render(cases), lambda rows: _cases(run, rows))


def _channel_failed(run: _Run, channel: str, error: SalesforceError) -> None:
    from sfseg.segments.errorlog import record_error

    record_error(
        run.store, operation="analyze.opportunities", error=error, segment_id=run.segment.id
    )
    run.notes.append(f"opportunities through {channel.replace('_', ' ')} left out: {error}")


def _queue_contact_roles(run: _Run, member_contacts: int) -> None:
    """Opportunities through the members' contact roles (channel `contact_roles`) and
    through the member who is the primary contact (channel `contact`), in one query.

    Salesforce derives Opportunity.ContactId from the opportunity's primary contact role
    (Opportunity object reference, ContactId), so the primary roles give the `contact`
    channel without a query on Opportunity. Grouping by opportunity gives exact amounts
    when an opportunity has several member contacts; past 2,000 rows the roles are
    summed with ROLLUP instead, which counts such an opportunity's amount once per
    member role (a note in the result states this).
    """
    contacts = builder.semi_join("ContactId", run.members("ContactId"))
    if member_contacts >= MAX_GROUPS:
        _queue_roles_summed(run, contacts)
        return
    grouped = ("OpportunityId", "Opportunity.IsClosed", "Opportunity.IsWon", "IsPrimary")
    query = builder.select(
        *grouped, aggregate("MAX", "Opportunity.Amount", "amount"),
        aggregate("MAX", "Opportunity.CloseDate", "lastclose"),
        sobject="OpportunityContactRole", where=contacts, group_by=grouped, limit=MAX_GROUPS,
    )  # fmt: skip

    def handle(rows: list[dict[str, Any]]) -> None:
        if len(rows) >= MAX_GROUPS:
            _queue_roles_summed(run, contacts)
            return
        any_role: dict[str, dict[str, Any]] = {}
        primary = OpportunityStats()
        for row in rows:
            any_role.setdefault(str(row.get("OpportunityId")), row)
            if row.get("IsPrimary"):
                _add_opportunities(primary, row, 1)
        roles = OpportunityStats()
        for row in any_role.values():
            _add_opportunities(roles, row, 1)
        run.behaviour.opportunities["contact"] = _finish_opportunities(primary)
        run.behaviour.opportunities["contact_roles"] = _finish_opportunities(roles)

    run.batch.query(render(query), handle)


def _queue_roles_summed(run: _Run, contacts: ast.Condition) -> None:
    run.notes.append(
        "opportunities through contact roles: amounts count an opportunity once per member "
        "contact role (too many opportunities to group one by one)"
    )
    # ROLLUP adds one subtotal row per (IsClosed, IsWon) over both IsPrimary values,
    # where COUNT_DISTINCT counts an opportunity with several member roles once.
    grouped = ("Opportunity.IsClosed", "Opportunity.IsWon", "IsPrimary")
    query = builder.select(
        *grouped, aggregate("GROUPING", "IsPrimary", "subtotal"),
        aggregate("COUNT_DISTINCT", "OpportunityId", "n"),
        aggregate("SUM", "Opportunity.Amount", "amount"),
        aggregate("MAX", "Opportunity.CloseDate", "lastclose"),
        sobject="OpportunityContactRole", where=contacts, group_by=grouped, rollup=True,
    )  # fmt: skip

    def handle(rows: list[dict[str, Any]]) -> None:
        roles, primary = OpportunityStats(), OpportunityStats()
        for row in rows:
            if row.get("IsClosed") is None or row.get("IsWon") is None:
                continue  # a subtotal over IsClosed or IsWon repeats records the finer rows count
            if _int(row.get("subtotal")):
                _add_opportunities(roles, row, _int(row.get("n")))
            elif row.get("IsPrimary"):
                _add_opportunities(primary, row, _int(row.get("n")))
        run.behaviour.opportunities["contact"] = _finish_opportunities(primary)
        run.behaviour.opportunities["contact_roles"] = _finish_opportunities(roles)

    run.batch.query(render(query), handle)


def _queue_activities(run: _Run) -> None:
    people = builder.semi_join("WhoId", run.members("LeadOrContactId"))
    window = builder.eq("ActivityDate", ast.DateRangeLiteral("LAST_N_DAYS", ACTIVITY_DAYS))
    for sobject, attribute in (("Task", "tasks_last_90_days"), ("Event", "events_last_90_days")):

        def handle(rows: list[dict[str, Any]], attribute: str = attribute) -> None:
            setattr(run.behaviour.activities, attribute, _int(rows[0].get("n")) if rows else 0)

        query = builder.select(COUNT_N, sobject=sobject, where=builder.and_(people, window))
        run.batch.query(render(query), handle)


def _cases(run: _Run, rows: list[dict[str, Any]]) -> None:
    stats = CaseStats()
    for row in rows:
        n = _int(row.get("n"))
        stats.count += n
        stats.open += 0 if row.get("IsClosed") else n
        priority = _value_key(row.get("Priority")) or "(none)"
        stats.by_priority[priority] = stats.by_priority.get(priority, 0) + n
    run.behaviour.cases = stats
