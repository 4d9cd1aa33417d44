"""analyze_segment: who is in a segment, how they compare with everyone, how they behave.

Every figure is computed in Salesforce with aggregate SOQL, filtered to the members by
a semi-join on `CampaignMember.CampaignId`, so the cost does not grow with the segment.
The queries go out in Composite calls of at most five queries each (the Composite
limit), together with the describe and Campaign reads they need:

- call 1: describes, Campaign roll-ups, member counts by type and status, opportunities
  through the members' accounts, cases, and tasks and events of the last 90 days;
- call 2 and on: opportunities through contact roles (the primary role gives the
  `contact` channel), overlap with the other stored segments (one query per segment
  and object), and the demographic groupings;
- one Reports API run.

Demographic fields are grouped together in as few queries as stay under 2,000 groups,
the limit of one aggregate result. The split follows the population's distinct-value
counts. A segment side under 2,000 members is one query grouped by record Id (every
group is one member, and currency fields are read with MAX()). Marginals
are summed locally. Banded fields with too many values, and currency fields (which
SOQL cannot group), are counted once per band edge. An integer field banded from 0
(employees) takes one query grouped by its values under the top edge instead, and
its top band is the non-null count less the lower bands. A grouping that still reaches
2,000 groups keeps its 2,000 largest groups and sums the rest into `(other)`.

Population counts do not depend on the segment. They are stored for 24 hours, so a
repeated analysis of 1,000 members with one other stored segment costs three calls,
and counting them again costs one more Composite call. Stored with them are planning
statistics, kept past the 24 hours: each column's distinct-value count and each banded
column's lowest and highest value. A band edge outside that range is not queried.
Fresh results check the plan: a grouping of several columns that reaches 2,000 groups
is split into one query per column, and a skipped edge that the fresh range reaches
is counted in one more round. Only the first analysis of an object (and field list)
reads the statistics before it plans, in a round of its own.
A member stored both as a lead and as that lead's converted contact counts once in
the sizes, as the contact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sfseg.segments.analyze.batching import (
    MAX_GROUPS,
    QUERIES_PER_CALL,
    SUBREQUESTS_PER_CALL,
    ErrorHandler,
    Handler,
    _Batcher,
)
from sfseg.segments.analyze.behaviour import (
    ACTIVITY_WINDOW,
    CAMPAIGN_ROLLUPS,
    OPPORTUNITY_CHANNELS,
    _queue_activities,
    _queue_campaign,
    _queue_contact_roles,
    _queue_opportunities,
)
from sfseg.segments.analyze.demographics import _demographics
from sfseg.segments.analyze.dimensions import (
    DEFAULT_DIMENSIONS,
    EMPLOYEE_BANDS,
    REVENUE_BANDS,
    Dimension,
    UnknownFieldError,
    band_label,
    band_of,
    dimensions_for,
)
from sfseg.segments.analyze.groupings import (
    OTHER_VALUE,
    _check_assumed_edges,
    _check_fields,
    _Column,
    _finish_edges,
    _queue_side,
    _queue_statistics,
    _SideCounts,
    _usable_columns,
    plan_groupings,
)
from sfseg.segments.analyze.models import (
    ActivityStats,
    Analysis,
    Behaviour,
    CaseStats,
    Demographic,
    DemographicValue,
    OpportunityStats,
    Overlap,
    ReportResult,
    Size,
)
from sfseg.segments.analyze.overlap import _queue_overlap
from sfseg.segments.analyze.population import (
    POPULATION_MAX_AGE,
    POPULATION_STATE_PREFIX,
    _apply_population,
    _load_population,
    _load_statistics,
    _save_population,
    _save_statistics,
)
from sfseg.segments.analyze.report import (
    REPORT_GROUPINGS,
    REPORT_NAME,
    REPORT_STATE_KEY,
    ReportNotFoundError,
    _run_report,
    check_report_id,
    report_state_key,
)
from sfseg.segments.analyze.run import _load_segment, _Run
from sfseg.segments.analyze.size import (
    _member_rows,
    _queue_duals,
    _queue_size,
    _segment_totals,
    _size,
)
from sfseg.segments.analyze.statistics import Statistics
from sfseg.segments.criteria.metadata import MetadataCache
from sfseg.segments.store import Store
from sfseg.segments.store.models import utcnow

__all__ = [
    "ACTIVITY_WINDOW",
    "CAMPAIGN_ROLLUPS",
    "DEFAULT_DIMENSIONS",
    "EMPLOYEE_BANDS",
    "MAX_GROUPS",
    "OPPORTUNITY_CHANNELS",
    "OTHER_VALUE",
    "POPULATION_MAX_AGE",
    "POPULATION_STATE_PREFIX",
    "QUERIES_PER_CALL",
    "REPORT_GROUPINGS",
    "REPORT_NAME",
    "REPORT_STATE_KEY",
    "REVENUE_BANDS",
    "SUBREQUESTS_PER_CALL",
    "ActivityStats",
    "Analysis",
    "Behaviour",
    "CaseStats",
    "Demographic",
    "DemographicValue",
    "Dimension",
    "ErrorHandler",
    "Handler",
    "OpportunityStats",
    "Overlap",
    "ReportNotFoundError",
    "ReportResult",
    "Size",
    "UnknownFieldError",
    "analyze_segment",
    "band_label",
    "band_of",
    "dimensions_for",
    "plan_groupings",
    "report_state_key",
]


def _queue_describes(run: _Run) -> None:
    for sobject in (*run.objects, "Account"):
        url = run.client.data_path(f"sobjects/{sobject}/describe/")
        run.batch.get(url, run.metadata.add)


def _queue_rest(run: _Run, max_age: dt.timedelta | None) -> None:
    """Queue and send everything after the first round.

    Population counts come from the store when fresh enough, else from Salesforce. The
    groupings are planned from the stored planning statistics. For an object that has
    none yet, one query reads them first, in a round of its own.
    """
    columns = {sobject: _usable_columns(run, sobject) for sobject in run.objects}
    cached = {
        sobject: _load_population(run, sobject, columns[sobject], max_age)
        for sobject in run.objects
    }
    statistics, unplanned = _stored_statistics(run, columns)
    rows = _member_rows(run)
    sides: list[tuple[_SideCounts, list[_Column]]] = []
    # A segment side under 2,000 members is one query grouped by Id that needs no
    # distinct-value counts, so it goes out with them.
    early = [sobject for sobject in run.objects if rows[sobject] < MAX_GROUPS]
    for sobject in early:
        sides.append(_segment_side(run, sobject, columns[sobject], None, rows[sobject]))
    if rows["Lead"] and rows["Contact"]:
        # Only a segment with both kinds of member can hold a lead and its contact.
        _queue_duals(run)
    _queue_contact_roles(run, rows["Contact"])
    _queue_overlap(run)
    if unplanned:
        run.batch.run_round()  # the distinct-value counts decide how the groupings are split
    for sobject in unplanned:
        _save_statistics(run, sobject, columns[sobject], statistics[sobject])

    populations: dict[str, _SideCounts] = {}
    for sobject in run.objects:
        if sobject not in early:
            sides.append(
                _segment_side(run, sobject, columns[sobject], statistics[sobject], rows[sobject])
            )
        data = cached[sobject]
        if data is None:
            population = populations[sobject] = _SideCounts(sobject, segment_side=False)
            queued = _queue_side(run, population, columns[sobject], statistics[sobject], None)
            sides.append((population, queued))
        else:
            _apply_population(run, sobject, data)
    _send_sides(run, sides)
    for sobject, population in populations.items():
        _save_population(run, sobject, columns[sobject])
        known = statistics[sobject]
        fresh = Statistics(known.cardinality, {**known.ranges, **population.ranges})
        _save_statistics(run, sobject, columns[sobject], fresh)


def _send_sides(run: _Run, sides: list[tuple[_SideCounts, list[_Column]]]) -> None:
    """Send the queued queries, then any band edge the fresh ranges show is still needed,
    and finish the bands."""
    run.batch.run()
    if [side for side, edge_columns in sides if _check_assumed_edges(run, side, edge_columns)]:
        run.batch.run()
    for side, edge_columns in sides:
        _finish_edges(run, side, edge_columns)


def _left_out_notes(run: _Run) -> list[str]:
    """Say how many members are of an object the segment does not target, because the
    demographics compare only the target objects with their population."""
    notes = []
    totals = _segment_totals(run)
    for sobject in ("Contact", "Lead"):
        count = totals[sobject]
        if sobject in run.objects or count <= 0:
            continue
        kind = f"{sobject.lower()} member" + ("" if count == 1 else "s")
        targets = " and ".join(f"{o.lower()}s" for o in run.objects)
        notes.append(
            f"{count} {kind} left out of the demographics, which compare the segment's "
            f"target ({targets}) with its population; sizes and behaviour include them"
        )
    return notes


def _stored_statistics(
    run: _Run, columns: dict[str, list[_Column]]
) -> tuple[dict[str, Statistics], list[str]]:
    """Return each object's stored planning statistics, queueing a query for the objects
    that have none (returned second; their statistics fill in when the query returns)."""
    statistics: dict[str, Statistics] = {}
    unplanned = []
    for sobject in run.objects:
        stored = _load_statistics(run, sobject, columns[sobject])
        if stored is None:
            unplanned.append(sobject)
            stored = Statistics({}, {})
            _queue_statistics(run, sobject, columns[sobject], stored)
        statistics[sobject] = stored
    return statistics, unplanned


def _segment_side(
    run: _Run,
    sobject: str,
    columns: list[_Column],
    statistics: Statistics | None,
    members: int,
) -> tuple[_SideCounts, list[_Column]]:
    side = _SideCounts(sobject, segment_side=True)
    return side, _queue_side(run, side, columns, statistics, members)


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
        ReportNotFoundError: `report_id` is malformed or names no report; checked
            before the analysis queries run.
        UnknownFieldError: a field in `fields` exists on none of the segment's objects;
            checked after the first Composite call, before the demographic queries.
        SalesforceError: a query failed (a failure of sfseg's own report is recorded
            in the result).
    """
    calls_before = client.api_calls
    if include_report and report_id is not None:
        check_report_id(report_id)
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

    # A caller's own report is run first, so that an unknown id fails before the analysis.
    report = _run_report(run, report_id) if include_report and report_id is not None else None

    # Round 1 carries what needs no field metadata, with the describes the rest needs.
    # The fields asked for are checked right after it, in the first Composite call.
    _queue_describes(run)
    _queue_campaign(run)
    _queue_size(run)
    _queue_opportunities(run)
    _queue_activities(run)
    run.batch.run_round()
    if fields:
        _check_fields(run)
    _queue_rest(run, population_max_age)

    if include_report and report_id is None:
        report = _run_report(run, None)
    if run.duals and "Lead" in objects:
        run.notes.append(
            f"{run.duals} lead members are also members as their converted contact; sizes count them once, "
            "lead demographics still include them"
        )
    run.notes.extend(_left_out_notes(run))
    run.behaviour.activities.last_activity_date = run.last_activity
    run.behaviour.opportunities = {
        channel: run.behaviour.opportunities[channel]
        for channel in OPPORTUNITY_CHANNELS
        if channel in run.behaviour.opportunities
    }
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
