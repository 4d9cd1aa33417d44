"""Per-member metrics of a segment: one row per CampaignMember, written to a file.

The standard analysis (`analyze_segment`) counts in Salesforce and never reads member
rows. This opt-in reads them, with each member's opportunities and cases:

- `rest` route: queries through the REST query resource, page by page. It counts the
  members first (one call). Under 1,000 members the cases are one aggregate query
  grouped by ContactId and IsClosed, which stays under 2,000 groups, else plain rows.
- `bulk` route: three Bulk API 2.0 query jobs (contact roles, cases, members),
  created together, so that Salesforce can run them side by side.
- `auto` (default): counts the members first (`SELECT COUNT()`, one call) and takes
  the Bulk route at `bulk_threshold` members or more.

Opportunities are read as OpportunityContactRole rows, not as aggregates: a contact
may have two roles on one opportunity, and a SUM over roles would count its amount
twice. Both routes read the roles and the cases first, keeping one small entry per
contact that has any, then stream the members (ordered by Id) to the file, so memory
does not grow with the member count.

NOTE: Salesforce does not split a Bulk query job with ORDER BY into primary-key
chunks. The ORDER BY keeps the file order the same on both routes, but a very large
member job may run slower for it. The sandbox does not model chunking.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sfseg.segments.analyze.batching import MAX_GROUPS
from sfseg.segments.analyze.member_file import MemberFile, MemberFileError
from sfseg.segments.analyze.run import _load_segment
from sfseg.segments.store import Store
from sfseg.soql import ast, builder

__all__ = [
    "COLUMNS",
    "DEFAULT_BULK_THRESHOLD",
    "ROUTES",
    "MemberFileError",
    "MemberMetricsResult",
    "check_route",
    "member_metrics",
]

ROUTES = ("auto", "rest", "bulk")
DEFAULT_BULK_THRESHOLD = 2000
COLUMNS = (
    "member_id",
    "contact_id",
    "lead_id",
    "type",
    "status",
    "has_responded",
    "last_activity_date",
    "opportunities",
    "open_opportunities",
    "won_opportunities",
    "won_amount",
    "primary_opportunities",
    "cases",
    "open_cases",
)
_MEMBER_FIELDS = (
    "Id", "ContactId", "LeadId", "Type", "Status", "HasResponded",
    "Contact.LastActivityDate", "Lead.LastActivityDate",
)  # fmt: skip
_ROLE_FIELDS = (
    "ContactId", "OpportunityId", "IsPrimary",
    "Opportunity.IsClosed", "Opportunity.IsWon", "Opportunity.Amount",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class MemberMetricsResult:
    """Result of `member_metrics`: rows written, the route taken, API calls made and the file path."""

    rows: int
    route: str
    api_calls: int
    path: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class _Opportunity:
    closed: bool
    won: bool
    amount: Decimal
    primary: bool


@dataclass(slots=True)
class _Behaviour:
    """One contact's opportunities (by Id, so each counts once) and case counts."""

    opportunities: dict[str, _Opportunity] = field(default_factory=dict)
    cases: int = 0
    open_cases: int = 0


def check_route(route: str) -> str:
    """Return `route` if it is one of `ROUTES`, else raise ValueError naming it."""
    if route not in ROUTES:
        msg = f"route {route!r} is unknown; use one of {', '.join(ROUTES)}"
        raise ValueError(msg)
    return route


# --- queries ----------------------------------------------------------------------


def _member_query(campaign_id: str) -> ast.Query:
    where = builder.eq("CampaignId", campaign_id)
    return builder.select(*_MEMBER_FIELDS, sobject="CampaignMember", where=where, order=["Id"])


def _member_contacts(campaign_id: str) -> ast.Condition:
    """`ContactId IN (the contact ids of the Campaign's members)`."""
    where = builder.and_(builder.eq("CampaignId", campaign_id), builder.ne("ContactId", None))
    return builder.semi_join("ContactId", builder.select("ContactId", sobject="CampaignMember", where=where))


def _role_query(campaign_id: str) -> ast.Query:
    return builder.select(*_ROLE_FIELDS, sobject="OpportunityContactRole", where=_member_contacts(campaign_id))


def _case_query(campaign_id: str) -> ast.Query:
    return builder.select("ContactId", "IsClosed", sobject="Case", where=_member_contacts(campaign_id))


def _case_count_query(campaign_id: str) -> ast.Query:
    return builder.select(
        "ContactId", "IsClosed", builder.aliased(builder.call("COUNT", "Id"), "n"),
        sobject="Case", where=_member_contacts(campaign_id), group_by=["ContactId", "IsClosed"],
    )  # fmt: skip


def _member_count(client: Any, campaign_id: str) -> int:
    query = builder.select("Id", sobject="CampaignMember", where=builder.eq("CampaignId", campaign_id))
    return int(client.count(query))


# --- rows -------------------------------------------------------------------------


def _value(row: Mapping[str, Any], path: str) -> Any:
    """Read `A.B` from a Bulk row (flat `A.B` key) or a REST record (nested `A`)."""
    if path in row:
        return row[path]
    head, _, rest = path.partition(".")
    parent = row.get(head)
    if not rest or not isinstance(parent, Mapping):
        return None
    return _value(parent, rest)


def _add_roles(behaviour: dict[str, _Behaviour], rows: Iterable[Mapping[str, Any]]) -> None:
    for row in rows:
        contact_id = row["ContactId"]
        opportunity_id = row["OpportunityId"]
        entry = behaviour.setdefault(contact_id, _Behaviour())
        known = entry.opportunities.get(opportunity_id)
        primary = bool(row["IsPrimary"])
        if known is not None:
            known.primary = known.primary or primary  # a second role on the same opportunity
            continue
        entry.opportunities[opportunity_id] = _Opportunity(
            closed=bool(_value(row, "Opportunity.IsClosed")),
            won=bool(_value(row, "Opportunity.IsWon")),
            amount=_value(row, "Opportunity.Amount") or Decimal(0),
            primary=primary,
        )


def _add_cases(behaviour: dict[str, _Behaviour], rows: Iterable[Mapping[str, Any]]) -> None:
    """Count cases from plain rows (no `n`) or from rows grouped by ContactId and IsClosed."""
    for row in rows:
        entry = behaviour.setdefault(row["ContactId"], _Behaviour())
        count = int(row.get("n", 1))
        entry.cases += count
        if not row["IsClosed"]:
            entry.open_cases += count


def _metrics_row(member: Mapping[str, Any], behaviour: Mapping[str, _Behaviour]) -> dict[str, Any]:
    contact_id = member["ContactId"]
    source = "Contact" if contact_id else "Lead"
    last_activity: dt.date | None = _value(member, f"{source}.LastActivityDate")
    entry = behaviour.get(contact_id) if contact_id else None
    opportunities = list(entry.opportunities.values()) if entry else []
    return {
        "member_id": member["Id"],
        "contact_id": contact_id,
        "lead_id": member["LeadId"],
        "type": member["Type"],
        "status": member["Status"],
        "has_responded": bool(member["HasResponded"]),
        "last_activity_date": last_activity,
        "opportunities": len(opportunities),
        "open_opportunities": sum(1 for o in opportunities if not o.closed),
        "won_opportunities": sum(1 for o in opportunities if o.won),
        "won_amount": sum((o.amount for o in opportunities if o.won), Decimal(0)),
        "primary_opportunities": sum(1 for o in opportunities if o.primary),
        "cases": entry.cases if entry else 0,
        "open_cases": entry.open_cases if entry else 0,
    }


# --- routes -----------------------------------------------------------------------


def _rest_rows(client: Any, campaign_id: str, members: int | None) -> tuple[dict[str, _Behaviour], Iterator[Any]]:
    behaviour: dict[str, _Behaviour] = {}
    _add_roles(behaviour, client.query(_role_query(campaign_id)))
    # Grouped by contact and IsClosed, the cases make at most two groups per member.
    grouped = members is not None and 2 * members < MAX_GROUPS
    cases = _case_count_query(campaign_id) if grouped else _case_query(campaign_id)
    _add_cases(behaviour, client.query(cases))
    return behaviour, client.query(_member_query(campaign_id))


def _started(rows: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Read the first row of `rows` (for a Bulk query: create the job, wait, read page one)."""
    first = next(rows, None)
    return iter(()) if first is None else itertools.chain([first], rows)


def _bulk_rows(client: Any, campaign_id: str) -> tuple[dict[str, _Behaviour], Iterator[Any]]:
    queries = (_role_query(campaign_id), _case_query(campaign_id), _member_query(campaign_id))
    # All three jobs are created before any is waited for, so their waits overlap.
    # Past the first page, each result is read in this thread, one page at a time.
    with ThreadPoolExecutor(max_workers=len(queries), thread_name_prefix="sfseg-bulk") as pool:
        futures = [pool.submit(_started, client.bulk2.query(query)) for query in queries]
        roles, cases, members = (future.result() for future in futures)
    behaviour: dict[str, _Behaviour] = {}
    _add_roles(behaviour, roles)
    _add_cases(behaviour, cases)
    return behaviour, members


def _choose_route(client: Any, campaign_id: str, route: str, threshold: int) -> tuple[str, int | None]:
    if route == "bulk":
        return route, None
    members = _member_count(client, campaign_id)
    if route == "auto":
        route = "bulk" if members >= threshold else "rest"
    return route, members


def member_metrics(
    client: Any,
    store: Store,
    segment_id: str,
    out: str | Path,
    *,
    route: str = "auto",
    bulk_threshold: int = DEFAULT_BULK_THRESHOLD,
) -> MemberMetricsResult:
    """Write one row of metrics per segment member to `out` and return the rows, route and API calls.

    The columns are `COLUMNS`. They give the member's ids, type, status and response,
    and the last activity date of its contact (else its lead). Then come the distinct
    opportunities on which its contact has any contact role: all, open, won, the exact
    won amount with each opportunity once, and those where a role is primary. Last
    come its contact's cases, all and open. A lead member has no opportunities or
    cases. Rows are in member Id order. `out` ending in `.jsonl` gets JSON lines (amounts as decimal text), any
    other name gets CSV (true/false, ISO dates, empty cells for nulls).

    Args:
        segment_id: the segment's id, name, key or Campaign id.
        out: the file to write; it is replaced only once every row is written.
        route: `rest`, `bulk`, or `auto` to count the members first and pick.
        bulk_threshold: the member count from which `auto` takes the Bulk route.

    Raises:
        ValueError: an unknown route, a threshold below 1, or a segment with no Campaign.
        SegmentNotFoundError: no such segment in the store.
        MemberFileError: `out` cannot be written; checked before any API call.
        SalesforceError: a query or Bulk job failed (BulkJobError for a failed job);
            no file is left at `out`.
    """
    check_route(route)
    if bulk_threshold < 1:
        msg = f"bulk_threshold {bulk_threshold} must be 1 or more"
        raise ValueError(msg)
    segment = _load_segment(store, segment_id)
    campaign_id = segment.campaign_id
    assert campaign_id is not None  # _load_segment raises for a segment without one
    path = Path(out)
    calls_before = client.api_calls

    with MemberFile(path, COLUMNS) as output:
        chosen, members = _choose_route(client, campaign_id, route, bulk_threshold)
        if chosen == "bulk":
            behaviour, rows = _bulk_rows(client, campaign_id)
        else:
            behaviour, rows = _rest_rows(client, campaign_id, members)
        for member in rows:
            output.write(_metrics_row(member, behaviour))
    return MemberMetricsResult(
        rows=output.rows, route=chosen, api_calls=client.api_calls - calls_before, path=str(path)
    )
