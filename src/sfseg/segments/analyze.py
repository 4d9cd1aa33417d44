"""analyze_segment: who is in a segment, how they compare with everyone, how they behave.

Every figure is computed in Salesforce with aggregate SOQL, filtered to the members by
a semi-join on `CampaignMember.CampaignId`, so the cost does not grow with the segment.
The queries go out in Composite calls of at most five queries each (the Composite
limit), together with the describe and Campaign reads they need:

- call 1: describes, Campaign roll-ups, member counts by type and status, opportunities
  through the member contacts, their contact roles and their accounts, and cases;
- calls 2 and 3: tasks and events of the last 90 days, overlap with the other stored
  segments, and the demographic groupings of the segment;
- one Reports API run.

Demographic fields are grouped together in as few queries as stay under 2,000 groups,
the limit of one aggregate result. The split follows the population's distinct-value
counts, and a segment under 2,000 members takes every field in one query. Marginals
are summed locally. Banded fields with too many values, and currency fields (which
SOQL cannot group), are counted once per band edge. A grouping that still reaches
2,000 groups keeps its 2,000 largest groups and sums the rest into `(other)`.

Population counts do not depend on the segment. They are stored for 24 hours, so a
repeated analysis costs four calls; counting them costs two more Composite calls.
A member stored both as a lead and as that lead's converted contact counts once in
the sizes, as the contact.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel, Field

from sfseg.salesforce.errors import NotFoundError, SalesforceError
from sfseg.segments.criteria.fieldmap import counterpart
from sfseg.segments.criteria.metadata import FieldInfo, MetadataCache
from sfseg.segments.criteria.paths import PathError, resolve_path
from sfseg.segments.segment import SegmentInfo
from sfseg.segments.store import Store
from sfseg.segments.store.models import Segment, utcnow
from sfseg.soql import format_literal

__all__ = [
    "DEFAULT_DIMENSIONS",
    "Analysis",
    "Dimension",
    "analyze_segment",
]

logger = logging.getLogger("sfseg.segments")

# One aggregate query returns at most 2,000 groups (more raises EXCEEDED_ID_LIMIT).
MAX_GROUPS = 2000
# Composite: at most five query subrequests and 25 subrequests in all per call.
QUERIES_PER_CALL = 5
SUBREQUESTS_PER_CALL = 25
ACTIVITY_WINDOW = "LAST_N_DAYS:90"
OTHER_VALUE = "(other)"
REPORT_STATE_KEY = "analysis_report_id"
POPULATION_STATE_PREFIX = "population:"
# Population counts do not depend on the segment, so analyses within this age reuse them.
POPULATION_MAX_AGE = dt.timedelta(hours=24)
REPORT_NAME = "sfseg segment analysis"
REPORT_GROUPINGS = ("COUNTRY", "LEAD_SOURCE")
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


# --- dimensions -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Dimension:
    """A demographic: its field path on Contact and on Lead, and optional numeric bands.

    `bands` are the lower edges of each band; a value falls in the last band whose edge
    it reaches.
    """

    name: str
    contact: str | None
    lead: str | None
    bands: tuple[Decimal, ...] = ()

    def path(self, sobject: str) -> str | None:
        return self.contact if sobject == "Contact" else self.lead


EMPLOYEE_BANDS = tuple(Decimal(n) for n in (0, 10, 100, 1000))
REVENUE_BANDS = tuple(Decimal(n) for n in (0, 10_000_000, 1_000_000_000))

DEFAULT_DIMENSIONS = (
    Dimension("country", "MailingCountry", "Country"),
    Dimension("state", "MailingState", "State"),
    Dimension("title", "Title", "Title"),
    Dimension("department", "Department", None),
    Dimension("lead_source", "LeadSource", "LeadSource"),
    Dimension("industry", "Account.Industry", "Industry"),
    Dimension("employees", "Account.NumberOfEmployees", "NumberOfEmployees", EMPLOYEE_BANDS),
    Dimension("annual_revenue", "Account.AnnualRevenue", "AnnualRevenue", REVENUE_BANDS),
    Dimension("rating", None, "Rating"),
)


def dimensions_for(fields: Sequence[str] | None) -> tuple[Dimension, ...]:
    """Return the default dimensions, or one per field path given (mapped between Contact and Lead)."""
    if not fields:
        return DEFAULT_DIMENSIONS
    chosen = []
    for path in fields:
        known = next(
            (
                d
                for d in DEFAULT_DIMENSIONS
                if path.lower() in (d.name, (d.contact or "").lower(), (d.lead or "").lower())
            ),
            None,
        )
        if known is not None:
            chosen.append(known)
            continue
        on_lead = counterpart(path, "Lead") or path
        on_contact = counterpart(path, "Contact") or path
        chosen.append(Dimension(path, on_contact, on_lead))
    return tuple(chosen)


def band_label(edges: Sequence[Decimal], index: int) -> str:
    """Label band `index`: `10-49` for small whole numbers, `10M-1B` (upper edge excluded)
    for large ones, `5000+` for the last band."""
    low = edges[index]
    if index + 1 == len(edges):
        return f"{_short(low)}+"
    high = edges[index + 1]
    if high < 1_000_000:
        return f"{low}-{high - 1}"
    return f"{_short(low)}-{_short(high)}"


def _short(value: Decimal) -> str:
    for size, suffix in ((Decimal(10**9), "B"), (Decimal(10**6), "M")):
        if value >= size and value % size == 0:
            return f"{value // size}{suffix}"
    return str(value)


def band_of(edges: Sequence[Decimal], value: Decimal) -> int:
    index = 0
    for position, edge in enumerate(edges):
        if value >= edge:
            index = position
    return index


# --- result model -----------------------------------------------------------


class Size(BaseModel):
    """Member counts. A lead whose converted contact is also a member counts once, as the
    contact (`leads_counted_as_contacts` of them); `by_status` counts member records."""

    members: int
    contacts: int
    leads: int
    responded: int
    response_rate: float | None
    by_status: dict[str, int]
    leads_counted_as_contacts: int = 0


class DemographicValue(BaseModel):
    value: str | None
    count: int
    share: float | None
    population_count: int
    population_share: float | None
    lift: float | None


class Demographic(BaseModel):
    name: str
    fields: dict[str, str]
    values: list[DemographicValue]
    sliced: bool = False


class OpportunityStats(BaseModel):
    count: int = 0
    open: int = 0
    won: int = 0
    lost: int = 0
    won_amount: Decimal = Decimal(0)
    win_rate: float | None = None
    average_deal_size: Decimal | None = None
    last_close_date: dt.date | None = None


class CaseStats(BaseModel):
    count: int = 0
    open: int = 0
    by_priority: dict[str, int] = Field(default_factory=dict)


class ActivityStats(BaseModel):
    tasks_last_90_days: int = 0
    events_last_90_days: int = 0
    last_activity_date: dt.date | None = None


class Behaviour(BaseModel):
    opportunities: dict[str, OpportunityStats] = Field(default_factory=dict)
    cases: CaseStats = Field(default_factory=CaseStats)
    activities: ActivityStats = Field(default_factory=ActivityStats)
    campaign: dict[str, Decimal | int | None] = Field(default_factory=dict)


class ReportResult(BaseModel):
    report_id: str | None
    groupings: list[str] = Field(default_factory=list)
    rows: list[dict[str, Any]] = Field(default_factory=list)
    grand_total: dict[str, Decimal | None] = Field(default_factory=dict)
    truncated: bool = False
    error: str | None = None


class Overlap(BaseModel):
    segment_id: str
    name: str
    campaign_id: str
    shared: int


class Analysis(BaseModel):
    """The analysis of one segment; `model_dump(mode="json")` is the `--json` output."""

    segment_id: str
    name: str
    campaign_id: str
    target: str
    analyzed_at: dt.datetime
    size: Size
    demographics: dict[str, Demographic]
    behaviour: Behaviour
    report: ReportResult | None
    overlap: list[Overlap]
    api_calls: int
    population_as_of: dt.datetime | None = None
    notes: list[str] = Field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


# --- query batching ---------------------------------------------------------

Handler = Callable[[list[dict[str, Any]]], None]
ErrorHandler = Callable[[SalesforceError], None]


@dataclass
class _Pending:
    reference_id: str
    soql: str
    handle: Handler
    on_error: ErrorHandler | None = None


@dataclass
class _Get:
    reference_id: str
    url: str
    handle: Callable[[Any], object]


class _Batcher:
    """Sends queued queries and GETs in Composite calls of at most five queries each."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.queries: list[_Pending] = []
        self.gets: list[_Get] = []
        self._counter = 0

    def query(self, soql: str, handle: Handler, on_error: ErrorHandler | None = None) -> None:
        self._counter += 1
        self.queries.append(_Pending(f"q{self._counter}", soql, handle, on_error))

    def get(self, url: str, handle: Callable[[Any], object]) -> None:
        self._counter += 1
        self.gets.append(_Get(f"g{self._counter}", url, handle))

    def run_round(self) -> bool:
        """Send one Composite call; False when nothing was queued."""
        queries, self.queries = self.queries[:QUERIES_PER_CALL], self.queries[QUERIES_PER_CALL:]
        room = SUBREQUESTS_PER_CALL - len(queries)
        gets, self.gets = self.gets[:room], self.gets[room:]
        if not queries and not gets:
            return False
        requests = [
            {
                "method": "GET",
                "url": self.client.data_path("query/") + "?q=" + quote(p.soql, safe=""),
                "referenceId": p.reference_id,
            }
            for p in queries
        ] + [{"method": "GET", "url": g.url, "referenceId": g.reference_id} for g in gets]
        answers = {a.reference_id: a for a in self.client.composite(requests)}
        for get in gets:
            answer = answers[get.reference_id]
            error = answer.error("GET", get.url)
            if error is not None:
                raise error
            get.handle(answer.body)
        for pending in queries:
            self._dispatch(pending, answers[pending.reference_id])
        return True

    def _dispatch(self, pending: _Pending, answer: Any) -> None:
        error = answer.error("GET", f"query {pending.soql[:80]}")
        if error is not None:
            if pending.on_error is None:
                raise error
            pending.on_error(error)
            return
        body = answer.body or {}
        records = [dict(r) for r in body.get("records") or ()]
        if not body.get("done", True) and body.get("nextRecordsUrl"):
            # A plain (non-aggregate) query of more than one page; rare here.
            page = body
            while not page.get("done", True):
                page = self.client.get_json(str(page["nextRecordsUrl"]))
                records.extend(dict(r) for r in page.get("records") or ())
        pending.handle(records)

    def run(self) -> None:
        while self.run_round():
            pass


# --- value helpers ----------------------------------------------------------


def _int(value: Any) -> int:
    return 0 if value is None else int(value)


def _decimal(value: Any) -> Decimal:
    if value is None:
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _max_date(*values: dt.date | None) -> dt.date | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _ratio(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else round(numerator / denominator, 6)


def _value_key(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- the analysis run -------------------------------------------------------


@dataclass
class _Counts:
    """Value counts of one dimension on one side (segment or population)."""

    values: dict[str | None, int] = field(default_factory=lambda: defaultdict(int))
    sliced: bool = False


@dataclass
class _Run:
    client: Any
    store: Store
    segment: SegmentInfo
    dimensions: tuple[Dimension, ...]
    objects: tuple[str, ...]
    metadata: MetadataCache
    batch: _Batcher
    notes: list[str] = field(default_factory=list)
    type_status: dict[tuple[str, str, bool], int] = field(default_factory=dict)
    duals: int = 0
    dual_responded: int = 0
    seg: dict[tuple[str, str], _Counts] = field(default_factory=dict)
    pop: dict[tuple[str, str], _Counts] = field(default_factory=dict)
    last_activity: dt.date | None = None
    behaviour: Behaviour = field(default_factory=Behaviour)
    overlap: list[Overlap] = field(default_factory=list)
    population_as_of: dt.datetime | None = None

    @property
    def campaign_id(self) -> str:
        assert self.segment.campaign_id is not None
        return self.segment.campaign_id

    def member_filter(self, id_field: str = "ContactId", extra: str = "") -> str:
        where = f"CampaignId = {format_literal(self.campaign_id)}{extra}"
        return f"(SELECT {id_field} FROM CampaignMember WHERE {where})"

    def object_filter(self, sobject: str) -> str:
        if sobject == "Contact":
            return f"Id IN {self.member_filter('ContactId')}"
        # A lead member that is also present as its converted contact counts as the contact.
        return f"Id IN {self.member_filter('LeadId')}"


def _load_segment(store: Store, segment_id: str) -> SegmentInfo:
    with store.session() as session:
        row = store.find_segment(session, segment_id)
        info = SegmentInfo.from_row(row)
    if info.campaign_id is None:
        msg = f"segment {info.name} ({info.id}) has no Campaign yet; run `sfseg segments create` again to finish it"
        raise ValueError(msg)
    return info


def _queue_describes(run: _Run) -> None:
    for sobject in (*run.objects, "Account"):
        url = run.client.data_path(f"sobjects/{sobject}/describe/")
        run.batch.get(url, run.metadata.add)


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


def _queue_size(run: _Run) -> None:
    soql = (
        "SELECT Type, Status, HasResponded, COUNT(Id) n FROM CampaignMember "
        f"WHERE CampaignId = {format_literal(run.campaign_id)} GROUP BY Type, Status, HasResponded"
    )

    def handle(rows: list[dict[str, Any]]) -> None:
        for row in rows:
            key = (
                str(row.get("Type") or ""),
                str(row.get("Status") or ""),
                bool(row.get("HasResponded")),
            )
            run.type_status[key] = run.type_status.get(key, 0) + _int(row.get("n"))

    run.batch.query(soql, handle)


def _queue_duals(run: _Run) -> None:
    """Count lead members whose converted contact is a member too (all, and responded)."""
    member_contacts = run.member_filter("ContactId")
    for responded in (False, True):
        leads = run.member_filter("LeadId", " AND HasResponded = true" if responded else "")
        soql = f"SELECT COUNT(Id) n FROM Lead WHERE Id IN {leads} AND ConvertedContactId IN {member_contacts}"

        def handle(rows: list[dict[str, Any]], responded: bool = responded) -> None:
            count = _int(rows[0].get("n")) if rows else 0
            if responded:
                run.dual_responded = count
            else:
                run.duals = count

        run.batch.query(soql, handle)


# --- demographics -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Column:
    dimension: Dimension
    path: str
    field: FieldInfo

    @property
    def key(self) -> str:
        return self.path.split(".")[-1]


def _columns(run: _Run, sobject: str) -> list[_Column]:
    columns = []
    for dimension in run.dimensions:
        path = dimension.path(sobject)
        if path is None:
            continue
        try:
            resolved = resolve_path(run.metadata, sobject, path)
        except PathError as exc:
            if dimension in DEFAULT_DIMENSIONS:
                continue
            run.notes.append(f"{dimension.name} left out on {sobject}: {exc}")
            continue
        columns.append(_Column(dimension, resolved.dotted, resolved.field))
    return columns


def _side(run: _Run, segment_side: bool) -> dict[tuple[str, str], _Counts]:
    return run.seg if segment_side else run.pop


def _record_values(counts: _Counts, column: _Column, value: Any, n: int) -> None:
    edges = column.dimension.bands
    if edges and value is not None:
        counts.values[band_label(edges, band_of(edges, _decimal(value)))] += n
        return
    counts.values[_value_key(value)] += n


def plan_groupings(
    columns: Sequence[_Column], cardinality: Mapping[str, int], members: int | None
) -> tuple[list[list[_Column]], list[_Column]]:
    """Split columns into grouping queries that stay under 2,000 groups, and band-edge counts.

    A query grouped by several columns has at most the product of their value counts
    (plus one each for null) as groups. It also never has more groups than records, so
    a segment of fewer than 2,000 members takes every column in one query. A banded column whose
    values alone pass 2,000 (or that cannot be grouped, like a currency field) is
    counted per band edge instead.
    """
    small = members is not None and members < MAX_GROUPS
    grouped: list[_Column] = []
    edges: list[_Column] = []
    for column in columns:
        distinct = cardinality.get(column.path, MAX_GROUPS) + 1
        if not column.field.groupable or (
            column.dimension.bands and not small and distinct > MAX_GROUPS
        ):
            edges.append(column)
        else:
            grouped.append(column)
    if small:
        return _split_same_keys([grouped] if grouped else []), edges
    packs: list[list[_Column]] = []
    product = MAX_GROUPS + 1
    for column in sorted(grouped, key=lambda c: cardinality.get(c.path, MAX_GROUPS)):
        distinct = cardinality.get(column.path, MAX_GROUPS) + 1
        if packs and product * distinct <= MAX_GROUPS:
            packs[-1].append(column)
            product *= distinct
        else:
            packs.append([column])
            product = distinct
    return _split_same_keys(packs), edges


def _split_same_keys(packs: list[list[_Column]]) -> list[list[_Column]]:
    # Aggregate rows name a grouped field by its last path part, so two columns ending
    # in the same name (Account.Name, Name) cannot share one query.
    result: list[list[_Column]] = []
    for pack in packs:
        current: list[_Column] = []
        for column in pack:
            if any(other.key.lower() == column.key.lower() for other in current):
                result.append(current)
                current = []
            current.append(column)
        result.append(current)
    return result


@dataclass
class _SideCounts:
    """Totals and band-edge counts collected for one object and side (segment or population)."""

    sobject: str
    segment_side: bool
    total: int | None = None
    at_least: dict[str, dict[int, int]] = field(default_factory=dict)


def _queue_grouping(
    run: _Run,
    side: _SideCounts,
    columns: list[_Column],
    edge_columns: list[_Column],
    *,
    first: bool,
) -> None:
    """Queue one aggregate query grouped by `columns`. The first query of a side also
    counts the banded columns' non-null values (their lowest edge) and the last activity date."""
    where = f" WHERE {run.object_filter(side.sobject)}" if side.segment_side else ""
    names = ", ".join(c.path for c in columns)
    extra = ""
    if first:
        extra += ", MAX(LastActivityDate) lastact" if side.segment_side else ""
        extra += "".join(f", COUNT({c.path}) b{i}" for i, c in enumerate(edge_columns))
    soql = (
        f"SELECT {names}, COUNT(Id) n{extra} FROM {side.sobject}{where} "
        f"GROUP BY {names} ORDER BY COUNT(Id) DESC LIMIT {MAX_GROUPS}"
    )

    def handle(rows: list[dict[str, Any]]) -> None:
        counts_by_column = {
            c.path: _side(run, side.segment_side).setdefault(
                (c.dimension.name, side.sobject), _Counts()
            )
            for c in columns
        }
        for row in rows:
            n = _int(row.get("n"))
            for column in columns:
                _record_values(counts_by_column[column.path], column, row.get(column.key), n)
            if first:
                run.last_activity = _max_date(run.last_activity, _date(row.get("lastact")))
                for index, column in enumerate(edge_columns):
                    at_least = side.at_least.setdefault(column.path, {})
                    at_least[0] = at_least.get(0, 0) + _int(row.get(f"b{index}"))
        if len(rows) < MAX_GROUPS:
            side.total = sum(_int(row.get("n")) for row in rows)
        else:
            for column in columns:
                _queue_other(run, side, column)

    run.batch.query(soql, handle)


def _queue_other(run: _Run, side: _SideCounts, column: _Column) -> None:
    """Count the records past the 2,000 most frequent value groups as `(other)`."""
    where = f" WHERE {run.object_filter(side.sobject)}" if side.segment_side else ""

    def handle(rows: list[dict[str, Any]]) -> None:
        total = _int(rows[0].get("n")) if rows else 0
        side.total = total
        counts = _side(run, side.segment_side)[(column.dimension.name, side.sobject)]
        counts.values[OTHER_VALUE] += total - sum(counts.values.values())
        counts.sliced = True

    run.batch.query(f"SELECT COUNT(Id) n FROM {side.sobject}{where}", handle)


def _queue_edges(run: _Run, side: _SideCounts, column: _Column, *, from_index: int) -> None:
    """Count the records at or above each band edge of a column (one query per edge)."""
    base = f" AND {run.object_filter(side.sobject)}" if side.segment_side else ""
    at_least = side.at_least.setdefault(column.path, {})
    for index, edge in enumerate(column.dimension.bands):
        if index < from_index:
            continue
        soql = f"SELECT COUNT(Id) n FROM {side.sobject} WHERE {column.path} >= {format_literal(edge)}{base}"

        def handle(rows: list[dict[str, Any]], index: int = index) -> None:
            at_least[index] = _int(rows[0].get("n")) if rows else 0

        run.batch.query(soql, handle)


def _finish_edges(run: _Run, side: _SideCounts, columns: list[_Column]) -> None:
    for column in columns:
        edges = column.dimension.bands
        at_least = side.at_least.get(column.path, {})
        if len(at_least) != len(edges):
            run.notes.append(f"{column.dimension.name} bands on {side.sobject} are incomplete")
            continue
        counts = _side(run, side.segment_side).setdefault(
            (column.dimension.name, side.sobject), _Counts()
        )
        for index in range(len(edges)):
            upper = at_least[index + 1] if index + 1 < len(edges) else 0
            counts.values[band_label(edges, index)] += at_least[index] - upper
        if side.total is not None:
            counts.values[None] += side.total - at_least[0]


def _queue_side(
    run: _Run,
    side: _SideCounts,
    columns: list[_Column],
    cardinality: Mapping[str, int],
    members: int | None,
) -> list[_Column]:
    """Queue the queries of one object and side; return the band-edge columns to finish."""
    packs, edge_columns = plan_groupings(columns, cardinality, members)
    for position, pack in enumerate(packs):
        _queue_grouping(run, side, pack, edge_columns, first=position == 0)
    if not packs:
        _queue_other_total(run, side)
    for column in edge_columns:
        # The first grouping query counted the non-null values, the edge at 0.
        counted = bool(packs) and column.dimension.bands[0] == 0
        _queue_edges(run, side, column, from_index=1 if counted else 0)
    return edge_columns


def _queue_other_total(run: _Run, side: _SideCounts) -> None:
    where = f" WHERE {run.object_filter(side.sobject)}" if side.segment_side else ""

    def handle(rows: list[dict[str, Any]]) -> None:
        side.total = _int(rows[0].get("n")) if rows else 0

    run.batch.query(f"SELECT COUNT(Id) n FROM {side.sobject}{where}", handle)


def _queue_cardinality(
    run: _Run, sobject: str, columns: list[_Column], into: dict[str, int]
) -> None:
    """Ask how many distinct values each groupable column has in the whole population."""
    groupable = [c for c in columns if c.field.groupable]
    if not groupable:
        return
    selected = ", ".join(f"COUNT_DISTINCT({c.path}) c{i}" for i, c in enumerate(groupable))

    def handle(rows: list[dict[str, Any]]) -> None:
        row = rows[0] if rows else {}
        for index, column in enumerate(groupable):
            into[column.path] = _int(row.get(f"c{index}"))

    run.batch.query(f"SELECT {selected} FROM {sobject}", handle)


def _segment_totals(run: _Run) -> dict[str, int]:
    totals = {"Contact": 0, "Lead": 0}
    for (kind, _status, _responded), n in run.type_status.items():
        if kind in totals:
            totals[kind] += n
    totals["Lead"] -= run.duals
    return totals


def _population_totals(run: _Run, dimension: str) -> int:
    return sum(
        sum(counts.values.values()) for (name, _), counts in run.pop.items() if name == dimension
    )


def _demographics(run: _Run) -> dict[str, Demographic]:
    result: dict[str, Demographic] = {}
    for dimension in run.dimensions:
        seg = _merged(run.seg, dimension.name)
        pop = _merged(run.pop, dimension.name)
        if seg is None and pop is None:
            continue
        seg_values = seg.values if seg else {}
        pop_values = pop.values if pop else {}
        seg_total = sum(seg_values.values())
        pop_total = sum(pop_values.values())
        values = []
        for value in sorted(
            set(seg_values) | set(pop_values),
            key=lambda v: (-seg_values.get(v, 0), -pop_values.get(v, 0), v or ""),
        ):
            count = seg_values.get(value, 0)
            share = _ratio(count, seg_total)
            population_share = _ratio(pop_values.get(value, 0), pop_total)
            lift = (
                None
                if not population_share or share is None
                else round(share / population_share, 4)
            )
            values.append(
                DemographicValue(
                    value=value,
                    count=count,
                    share=share,
                    population_count=pop_values.get(value, 0),
                    population_share=population_share,
                    lift=lift,
                )
            )
        fields = {sobject: path for sobject in run.objects if (path := dimension.path(sobject))}
        sliced = bool((seg and seg.sliced) or (pop and pop.sliced))
        result[dimension.name] = Demographic(
            name=dimension.name, fields=fields, values=values, sliced=sliced
        )
    return result


def _merged(side: dict[tuple[str, str], _Counts], name: str) -> _Counts | None:
    parts = [counts for (dimension, _), counts in side.items() if dimension == name]
    if not parts:
        return None
    merged = _Counts()
    for part in parts:
        for value, n in part.values.items():
            merged.values[value] += n
        merged.sliced = merged.sliced or part.sliced
    return merged


# --- population cache and the later rounds -------------------------------------


def _population_key(run: _Run, sobject: str, columns: Sequence[_Column]) -> str:
    spec = [[c.dimension.name, c.path, [str(edge) for edge in c.dimension.bands]] for c in columns]
    text = json.dumps([run.client.instance_url, sobject, spec])
    return POPULATION_STATE_PREFIX + hashlib.sha256(text.encode()).hexdigest()[:24]


def _load_population(
    run: _Run, sobject: str, columns: Sequence[_Column], max_age: dt.timedelta | None
) -> dict[str, Any] | None:
    if max_age is None:
        return None
    raw = run.store.get_state(_population_key(run, sobject, columns))
    if raw is None:
        return None
    data: dict[str, Any] = json.loads(raw)
    as_of = dt.datetime.fromisoformat(data["as_of"])
    if utcnow() - as_of > max_age:
        return None
    return data


def _apply_population(run: _Run, sobject: str, data: Mapping[str, Any]) -> None:
    for name, pairs in data["counts"].items():
        counts = _Counts()
        for value, n in pairs:
            counts.values[value] += int(n)
        counts.sliced = name in data.get("sliced", ())
        run.pop[(name, sobject)] = counts
    as_of = dt.datetime.fromisoformat(data["as_of"])
    run.population_as_of = (
        as_of if run.population_as_of is None else min(as_of, run.population_as_of)
    )


def _save_population(
    run: _Run, sobject: str, columns: Sequence[_Column], cardinality: Mapping[str, int]
) -> None:
    counts = {name: list(c.values.items()) for (name, obj), c in run.pop.items() if obj == sobject}
    sliced = [name for (name, obj), c in run.pop.items() if obj == sobject and c.sliced]
    now = utcnow()
    data = {
        "as_of": now.isoformat(),
        "cardinality": dict(cardinality),
        "counts": counts,
        "sliced": sliced,
    }
    run.store.set_state(_population_key(run, sobject, columns), json.dumps(data))
    run.population_as_of = now if run.population_as_of is None else min(now, run.population_as_of)


def _usable_columns(run: _Run, sobject: str) -> list[_Column]:
    usable = []
    for column in _columns(run, sobject):
        if column.field.groupable or column.dimension.bands:
            usable.append(column)
        else:
            run.notes.append(
                f"{column.dimension.name} left out on {sobject}: {column.path} cannot be grouped"
            )
    return usable


def _member_rows(run: _Run) -> dict[str, int]:
    rows = {"Contact": 0, "Lead": 0}
    for (kind, _status, _responded), n in run.type_status.items():
        if kind in rows:
            rows[kind] += n
    return rows


def _queue_rest(run: _Run, max_age: dt.timedelta | None) -> None:
    """Queue and send everything after the first round; population counts come from the
    store when fresh enough, else from Salesforce (after a cardinality query)."""
    columns = {sobject: _usable_columns(run, sobject) for sobject in run.objects}
    cached = {
        sobject: _load_population(run, sobject, columns[sobject], max_age)
        for sobject in run.objects
    }
    cardinality: dict[str, dict[str, int]] = {
        sobject: dict(data["cardinality"]) if data else {} for sobject, data in cached.items()
    }
    cold = [sobject for sobject in run.objects if cached[sobject] is None]
    for sobject in cold:
        _queue_cardinality(run, sobject, columns[sobject], cardinality[sobject])
    rows = _member_rows(run)
    if rows["Lead"] and rows["Contact"]:
        # Only a segment with both kinds of member can hold a lead and its contact.
        _queue_duals(run)
    _queue_contact_roles(run, rows["Contact"])
    _queue_overlap(run)
    if cold:
        run.batch.run_round()  # the cardinalities decide how the groupings are split

    members = _member_rows(run)
    sides: list[tuple[_SideCounts, list[_Column]]] = []
    for sobject in run.objects:
        segment_side = _SideCounts(sobject, segment_side=True)
        sides.append(
            (
                segment_side,
                _queue_side(
                    run, segment_side, columns[sobject], cardinality[sobject], members[sobject]
                ),
            )
        )
        data = cached[sobject]
        if data is None:
            population = _SideCounts(sobject, segment_side=False)
            sides.append(
                (
                    population,
                    _queue_side(run, population, columns[sobject], cardinality[sobject], None),
                )
            )
        else:
            _apply_population(run, sobject, data)
    run.batch.run()
    for side, edge_columns in sides:
        _finish_edges(run, side, edge_columns)
    for sobject in cold:
        _save_population(run, sobject, columns[sobject], cardinality[sobject])


# --- behaviour ----------------------------------------------------------------


def _opportunity_handler(run: _Run, channel: str, count_key: str | None = "n") -> Handler:
    """Sum opportunity rows grouped by IsClosed and IsWon (`count_key` None: one row each)."""

    def handle(rows: list[dict[str, Any]]) -> None:
        stats = OpportunityStats()
        for row in rows:
            n = 1 if count_key is None else _int(row.get(count_key))
            closed, won = bool(row.get("IsClosed")), bool(row.get("IsWon"))
            stats.count += n
            stats.open += 0 if closed else n
            stats.won += n if won else 0
            stats.lost += n if closed and not won else 0
            if won:
                stats.won_amount += _decimal(row.get("amount"))
            stats.last_close_date = _max_date(stats.last_close_date, _date(row.get("lastclose")))
        stats.win_rate = _ratio(stats.won, stats.won + stats.lost)
        stats.average_deal_size = (
            (stats.won_amount / stats.won).quantize(Decimal("0.01")) if stats.won else None
        )
        run.behaviour.opportunities[channel] = stats

    return handle


def _queue_opportunities(run: _Run) -> None:
    """Queue the opportunity and case queries that need no member count."""
    aggregates = "COUNT(Id) n, SUM(Amount) amount, MAX(CloseDate) lastclose"
    # Contact behaviour is asked even for a lead segment: a member may be a contact.
    contacts = run.member_filter("ContactId")
    run.batch.query(
        f"SELECT IsClosed, IsWon, {aggregates} FROM Opportunity WHERE ContactId IN {contacts} GROUP BY IsClosed, IsWon",
        _opportunity_handler(run, "contact"),
    )
    # NOTE: the subquery selects a relationship path (Contact.AccountId). The sandbox
    # runs it; an org that rejects it leaves this channel out with a note.
    run.batch.query(
        f"SELECT IsClosed, IsWon, {aggregates} FROM Opportunity "
        f"WHERE AccountId IN {run.member_filter('Contact.AccountId')} GROUP BY IsClosed, IsWon",
        _opportunity_handler(run, "account"),
        on_error=lambda error: _channel_failed(run, "account", error),
    )
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
    """Opportunities through the members' contact roles, each opportunity counted once.

    Grouping by opportunity gives exact amounts when an opportunity has several member
    contacts; past 2,000 opportunities the amounts are summed per contact role instead,
    which counts such an opportunity once per member role (said in the notes).
    """
    contacts = run.member_filter("ContactId")
    if member_contacts >= MAX_GROUPS:
        _queue_roles_summed(run, contacts)
        return
    soql = (
        "SELECT OpportunityId, Opportunity.IsClosed, Opportunity.IsWon, MAX(Opportunity.Amount) amount, "
        f"MAX(Opportunity.CloseDate) lastclose FROM OpportunityContactRole WHERE ContactId IN {contacts} "
        f"GROUP BY OpportunityId, Opportunity.IsClosed, Opportunity.IsWon LIMIT {MAX_GROUPS}"
    )
    exact = _opportunity_handler(run, "contact_roles", count_key=None)

    def handle(rows: list[dict[str, Any]]) -> None:
        if len(rows) >= MAX_GROUPS:
            _queue_roles_summed(run, contacts)
        else:
            exact(rows)

    run.batch.query(soql, handle)


def _queue_roles_summed(run: _Run, contacts: str) -> None:
    run.notes.append(
        "opportunities through contact roles: amounts count an opportunity once per member "
        "contact role (too many opportunities to group one by one)"
    )
    run.batch.query(
        "SELECT Opportunity.IsClosed, Opportunity.IsWon, COUNT_DISTINCT(OpportunityId) n, "
        "SUM(Opportunity.Amount) amount, MAX(Opportunity.CloseDate) lastclose "
        f"FROM OpportunityContactRole WHERE ContactId IN {contacts} "
        "GROUP BY Opportunity.IsClosed, Opportunity.IsWon",
        _opportunity_handler(run, "contact_roles"),
    )


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


# --- overlap ------------------------------------------------------------------


def _queue_overlap(run: _Run) -> None:
    with run.store.session() as session:
        others = [
            SegmentInfo.from_row(row)
            for row in session.query(Segment).filter(
                Segment.id != run.segment.id, Segment.campaign_id.is_not(None)
            )
        ]
    for other in others:
        assert other.campaign_id is not None
        shared: dict[str, int] = {}
        objects = [o for o in ("Contact", "Lead") if o in run.objects or o == "Contact"]
        for sobject in objects:
            id_field = "ContactId" if sobject == "Contact" else "LeadId"
            theirs = f"(SELECT {id_field} FROM CampaignMember WHERE CampaignId = {format_literal(other.campaign_id)})"
            soql = f"SELECT COUNT(Id) n FROM {sobject} WHERE Id IN {run.member_filter(id_field)} AND Id IN {theirs}"

            def handle(
                rows: list[dict[str, Any]],
                sobject: str = sobject,
                other: SegmentInfo = other,
                shared: dict[str, int] = shared,
                expected: int = len(objects),
            ) -> None:
                shared[sobject] = _int(rows[0].get("n")) if rows else 0
                if len(shared) == expected:
                    assert other.campaign_id is not None
                    run.overlap.append(
                        Overlap(
                            segment_id=other.id,
                            name=other.name,
                            campaign_id=other.campaign_id,
                            shared=sum(shared.values()),
                        )
                    )

            run.batch.query(soql, handle)


# --- report -------------------------------------------------------------------


def _report_metadata(campaign_id: str) -> dict[str, Any]:
    return {
        "name": REPORT_NAME,
        "reportType": {"type": "CampaignWithCampaignMembers"},
        "reportFormat": "SUMMARY",
        "groupingsDown": [
            {"name": name, "sortOrder": "Asc", "dateGranularity": "None"}
            for name in REPORT_GROUPINGS
        ],
        "aggregates": ["RowCount"],
        "detailColumns": ["MEMBER_ID", "MEMBER_STATUS"],
        "reportFilters": [{"column": "CAMPAIGN_ID", "operator": "equals", "value": campaign_id}],
    }


def _run_report(run: _Run, report_id: str | None) -> ReportResult:
    overrides = {
        "reportFilters": [{"column": "CAMPAIGN_ID", "operator": "equals", "value": run.campaign_id}]
    }
    chosen = report_id or run.store.get_state(REPORT_STATE_KEY)
    try:
        if chosen is None:
            chosen = run.client.reports.create(_report_metadata(run.campaign_id))
            run.store.set_state(REPORT_STATE_KEY, chosen)
        try:
            result = run.client.reports.run(chosen, overrides=overrides)
        except NotFoundError:
            if report_id is not None:
                raise
            # The stored report was deleted in Salesforce; make it again once.
            chosen = run.client.reports.create(_report_metadata(run.campaign_id))
            run.store.set_state(REPORT_STATE_KEY, chosen)
            result = run.client.reports.run(chosen, overrides=overrides)
    except SalesforceError as exc:
        from sfseg.segments.errorlog import record_error

        record_error(run.store, operation="analyze.report", error=exc, segment_id=run.segment.id)
        return ReportResult(report_id=chosen, error=str(exc))
    rows = [
        {
            **row.groupings,
            **{k: _int(v) if k == "RowCount" else v for k, v in row.aggregates.items()},
        }
        for row in result.rows
    ]
    return ReportResult(
        report_id=chosen,
        groupings=list(result.grouping_columns),
        rows=rows,
        grand_total=dict(result.grand_total),
        truncated=result.truncated,
    )


# --- assembly -----------------------------------------------------------------


def _size(run: _Run) -> Size:
    by_status: dict[str, int] = defaultdict(int)
    responded = 0
    for (_kind, status, has_responded), n in run.type_status.items():
        by_status[status] += n
        responded += n if has_responded else 0
    totals = _segment_totals(run)
    members = totals["Contact"] + totals["Lead"]
    responded -= run.dual_responded
    return Size(
        members=members,
        contacts=totals["Contact"],
        leads=totals["Lead"],
        responded=responded,
        response_rate=_ratio(responded, members),
        by_status=dict(sorted(by_status.items())),
        leads_counted_as_contacts=run.duals,
    )


def analyze_segment(
    client: Any,
    store: Store,
    segment_id: str,
    *,
    fields: Sequence[str] | None = None,
    report_id: str | None = None,
    include_report: bool = True,
    population_max_age: dt.timedelta | None = POPULATION_MAX_AGE,
) -> Analysis:
    """Analyze a segment: size, demographics against the population, behaviour, report, overlap.

    Args:
        segment_id: the segment's id, name, key or Campaign id.
        fields: demographic field paths (Contact or Lead names; each is mapped to the
            other object); None uses `DEFAULT_DIMENSIONS`.
        report_id: a report of type CampaignWithCampaignMembers to run; None uses the
            report sfseg made earlier, or makes it once.
        include_report: False skips the Reports API run.
        population_max_age: population counts younger than this are reused from the
            store (they do not depend on the segment); None counts them again every time.

    Raises:
        SegmentNotFoundError: no such segment in the store.
        SalesforceError: a query failed (a report failure is recorded in the result).
    """
    calls_before = client.api_calls
    segment = _load_segment(store, segment_id)
    objects = (
        ("Contact", "Lead")
        if segment.target == "both"
        else (("Lead",) if segment.target == "lead" else ("Contact",))
    )
    run = _Run(
        client=client, store=store, segment=segment, dimensions=dimensions_for(fields),
        objects=objects, metadata=MetadataCache(client.describe), batch=_Batcher(client),
    )  # fmt: skip

    # Round 1 carries what needs no field metadata, with the describes the rest needs.
    _queue_describes(run)
    _queue_campaign(run)
    _queue_size(run)
    _queue_opportunities(run)
    _queue_activities(run)
    run.batch.run_round()
    _queue_rest(run, population_max_age)

    report = _run_report(run, report_id) if include_report else None
    if run.duals and "Lead" in objects:
        run.notes.append(
            f"{run.duals} lead members are also members as their converted contact; sizes count them once, "
            "lead demographics still include them"
        )
    run.behaviour.activities.last_activity_date = run.last_activity
    return Analysis(
        segment_id=segment.id,
        name=segment.name,
        campaign_id=run.campaign_id,
        target=segment.target,
        analyzed_at=utcnow(),
        size=_size(run),
        demographics=_demographics(run),
        behaviour=run.behaviour,
        report=report,
        overlap=sorted(run.overlap, key=lambda o: -o.shared),
        api_calls=client.api_calls - calls_before,
        population_as_of=run.population_as_of,
        notes=run.notes,
    )
