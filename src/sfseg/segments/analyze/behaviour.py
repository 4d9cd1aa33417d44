"""Member behaviour: Campaign roll-ups, opportunities, cases and activities."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sfseg.salesforce.errors import SalesforceError
from sfseg.segments.analyze.batching import MAX_GROUPS, Handler
from sfseg.segments.analyze.models import CaseStats, OpportunityStats
from sfseg.segments.analyze.run import _Run
from sfseg.segments.analyze.values import _date, _decimal, _int, _max_date, _ratio, _value_key

__all__ = [
    "ACTIVITY_WINDOW",
    "CAMPAIGN_ROLLUPS",
    "OPPORTUNITY_CHANNELS",
]


ACTIVITY_WINDOW = "LAST_N_DAYS:90"
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
    aggregates = "COUNT(Id) n, SUM(Amount) amount, MAX(CloseDate) lastclose"
    # NOTE: the subquery selects a relationship path (Contact.AccountId). The sandbox
    # runs it; an org that rejects it leaves this channel out with a note.
    run.batch.query(
        f"SELECT IsClosed, IsWon, {aggregates} FROM Opportunity "
        f"WHERE AccountId IN {run.member_filter('Contact.AccountId')} GROUP BY IsClosed, IsWon",
        _opportunity_handler(run, "account"),
        on_error=lambda error: _channel_failed(run, "account", error),
    )
    contacts = run.member_filter("ContactId")
    run.batch.query(
        f"SELECT IsClosed, Priority, COUNT(Id) n FROM Case WHERE ContactId IN {contacts} GROUP BY IsClosed, Priority",
        lambda rows: _cases(run, rows),
    )


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
    member role (a note in the result says so).
    """
    contacts = run.member_filter("ContactId")
    if member_contacts >= MAX_GROUPS:
        _queue_roles_summed(run, contacts)
        return
    soql = (
        "SELECT OpportunityId, Opportunity.IsClosed, Opportunity.IsWon, IsPrimary, "
        "MAX(Opportunity.Amount) amount, MAX(Opportunity.CloseDate) lastclose "
        f"FROM OpportunityContactRole WHERE ContactId IN {contacts} "
        f"GROUP BY OpportunityId, Opportunity.IsClosed, Opportunity.IsWon, IsPrimary LIMIT {MAX_GROUPS}"
    )

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

    run.batch.query(soql, handle)


def _queue_roles_summed(run: _Run, contacts: str) -> None:
    run.notes.append(
        "opportunities through contact roles: amounts count an opportunity once per member "
        "contact role (too many opportunities to group one by one)"
    )
    # ROLLUP adds one subtotal row per (IsClosed, IsWon) over both IsPrimary values,
    # where COUNT_DISTINCT counts an opportunity with several member roles once.
    soql = (
        "SELECT Opportunity.IsClosed, Opportunity.IsWon, IsPrimary, GROUPING(IsPrimary) subtotal, "
        "COUNT_DISTINCT(OpportunityId) n, SUM(Opportunity.Amount) amount, "
        f"MAX(Opportunity.CloseDate) lastclose FROM OpportunityContactRole WHERE ContactId IN {contacts} "
        "GROUP BY ROLLUP(Opportunity.IsClosed, Opportunity.IsWon, IsPrimary)"
    )

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

    run.batch.query(soql, handle)


def _queue_activities(run: _Run) -> None:
    people = run.member_filter("LeadOrContactId")
    for sobject, attribute in (("Task", "tasks_last_90_days"), ("Event", "events_last_90_days")):

        def handle(rows: list[dict[str, Any]], attribute: str = attribute) -> None:
            setattr(run.behaviour.activities, attribute, _int(rows[0].get("n")) if rows else 0)

        soql = f"SELECT COUNT(Id) n FROM {sobject} WHERE WhoId IN {people} AND ActivityDate = {ACTIVITY_WINDOW}"
        run.batch.query(soql, handle)


def _cases(run: _Run, rows: list[dict[str, Any]]) -> None:
    stats = CaseStats()
    for row in rows:
        n = _int(row.get("n"))
        stats.count += n
        stats.open += 0 if row.get("IsClosed") else n
        priority = _value_key(row.get("Priority")) or "(none)"
        stats.by_priority[priority] = stats.by_priority.get(priority, 0) + n
    run.behaviour.cases = stats
