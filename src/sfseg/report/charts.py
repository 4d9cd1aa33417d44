"""The report's charts, built with Plotly from an `Analysis`, each with its numbers as a table.

A `Chart` carries the Plotly figure (as JSON data) and a `Table` with the same
numbers, for screen readers and for copying. Shares are fractions in the figures
(axes formatted as percentages) and percentages with one decimal in the tables.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go  # type: ignore[import-untyped]

from sfseg.segments.analyze import Analysis, Demographic

__all__ = ["Chart", "Table", "build_charts"]

# Values shown per demographic; the table lists the same ones as the chart.
TOP_VALUES = 8
SEGMENT_COLOR = "#1f6fb2"
POPULATION_COLOR = "#b0bec5"
NO_VALUE = "(none)"


@dataclass(frozen=True, slots=True)
class Table:
    columns: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart: a DOM id, a title, the Plotly figure as JSON data, and its table."""

    id: str
    title: str
    figure: dict[str, Any] | None
    table: Table
    summary: str = ""
    notes: list[str] = field(default_factory=list)


def _layout(figure: go.Figure, *, height: int = 320, **extra: Any) -> dict[str, Any]:
    # Counts and shares are never negative: an all-zero chart keeps its axis at 0 and up.
    figure.update_yaxes(rangemode="tozero")
    figure.update_layout(
        template="plotly_white", height=height, margin={"l": 60, "r": 20, "t": 30, "b": 60},
        font={"family": "system-ui, sans-serif", "size": 12}, **extra,
    )  # fmt: skip
    data: dict[str, Any] = json.loads(figure.to_json())
    return data


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1%}"


def _number(value: Decimal | int | float | None) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:,.2f}" if value != value.to_integral_value() else f"{int(value):,}"
    return f"{value:,}"


def size_chart(analysis: Analysis) -> Chart:
    size = analysis.size
    stages = [("Members", size.members), *size.by_status.items()]
    figure = go.Figure(
        go.Funnel(y=[label for label, _ in stages], x=[count for _, count in stages],
                  textinfo="value+percent initial", marker={"color": SEGMENT_COLOR})
    )  # fmt: skip
    rate = _percent(size.response_rate) or "n/a"
    summary = (
        f"{size.members:,} members: {size.contacts:,} contacts and {size.leads:,} leads; "
        f"{size.responded:,} responded ({rate})."
    )
    rows = [(label, f"{count:,}") for label, count in stages]
    return Chart(
        "chart-size",
        "Size and status funnel",
        _layout(figure),
        Table(("Status", "Members"), rows),
        summary,
    )


def _top(demographic: Demographic) -> list[Any]:
    return sorted(demographic.values, key=lambda v: (-v.count, -v.population_count))[:TOP_VALUES]


def demographic_chart(index: int, demographic: Demographic) -> Chart:
    values = _top(demographic)
    labels = [NO_VALUE if v.value is None else str(v.value) for v in values]
    # Lift labels only over bars the segment has; the table lists every lift.
    lifts = ["" if v.lift is None or not v.count else f"lift {v.lift:.2f}" for v in values]
    figure = go.Figure(
        [
            go.Bar(name="Segment share", x=labels, y=[v.share or 0 for v in values],
                   marker={"color": SEGMENT_COLOR}, text=lifts, textposition="outside"),
            go.Bar(name="Population share", x=labels, y=[v.population_share or 0 for v in values],
                   marker={"color": POPULATION_COLOR}),
        ]
    )  # fmt: skip
    figure.update_yaxes(tickformat=".0%")
    rows = [
        (label, f"{v.count:,}", _percent(v.share), f"{v.population_count:,}",
         _percent(v.population_share), "" if v.lift is None else f"{v.lift:.2f}")
        for label, v in zip(labels, values, strict=True)
    ]  # fmt: skip
    columns = (
        "Value",
        "Segment count",
        "Segment share",
        "Population count",
        "Population share",
        "Lift",
    )
    notes = []
    if len(demographic.values) > len(values):
        notes.append(f"The {len(values)} most frequent of {len(demographic.values)} values.")
    if demographic.sliced:
        notes.append("Values past Salesforce's 2,000 groups are summed as (other).")
    fields = ", ".join(f"{sobject}.{path}" for sobject, path in demographic.fields.items())
    title = f"{demographic.name.replace('_', ' ').capitalize()} ({fields})"
    return Chart(
        f"chart-demographic-{index}", title, _layout(figure, barmode="group", legend={"orientation": "h"}),
        Table(columns, rows), notes=notes,
    )  # fmt: skip


def opportunities_chart(analysis: Analysis) -> Chart:
    channels = analysis.behaviour.opportunities
    names = [channel.replace("_", " ") for channel in channels]
    stats = list(channels.values())
    figure = go.Figure(
        [
            go.Bar(name=label, x=names, y=[getattr(s, attr) for s in stats], marker={"color": color})
            for label, attr, color in (("Open", "open", "#90caf9"), ("Won", "won", "#2e7d32"), ("Lost", "lost", "#c62828"))
        ]
    )  # fmt: skip
    rows = [
        (name, f"{s.count:,}", f"{s.open:,}", f"{s.won:,}", f"{s.lost:,}", _number(s.won_amount),
         _percent(s.win_rate), str(s.last_close_date or ""))
        for name, s in zip(names, stats, strict=True)
    ]  # fmt: skip
    columns = (
        "Linked through",
        "Opportunities",
        "Open",
        "Won",
        "Lost",
        "Won amount",
        "Win rate",
        "Last close",
    )
    summary = (
        "; ".join(
            f"{s.count:,} through {name}, {s.won:,} won for {_number(s.won_amount)}"
            for name, s in zip(names, stats, strict=True)
            if s.count
        )
        or "No opportunities are linked to the members"
    )
    legend = {"orientation": "h", "traceorder": "normal"}
    return Chart(
        "chart-opportunities", "Opportunities and won amount",
        _layout(figure, barmode="stack", legend=legend), Table(columns, rows), summary + ".",
    )  # fmt: skip


def activity_chart(analysis: Analysis) -> Chart:
    behaviour = analysis.behaviour
    measures = [
        ("Cases", behaviour.cases.count),
        ("Open cases", behaviour.cases.open),
        ("Tasks, last 90 days", behaviour.activities.tasks_last_90_days),
        ("Events, last 90 days", behaviour.activities.events_last_90_days),
    ]
    figure = go.Figure(
        go.Bar(
            x=[label for label, _ in measures],
            y=[value for _, value in measures],
            marker={"color": SEGMENT_COLOR},
        )
    )
    rows = [(label, f"{value:,}") for label, value in measures]
    rows += [
        (f"Cases, {priority} priority", f"{count:,}")
        for priority, count in behaviour.cases.by_priority.items()
    ]
    last = behaviour.activities.last_activity_date
    rows.append(("Last activity", str(last) if last else "none"))
    summary = (
        f"{behaviour.cases.count:,} cases ({behaviour.cases.open:,} open); "
        f"{behaviour.activities.tasks_last_90_days:,} tasks and "
        f"{behaviour.activities.events_last_90_days:,} events in the last 90 days; "
        f"last activity {last or 'none'}."
    )
    return Chart(
        "chart-activity", "Cases and recent activity", _layout(figure), Table(("Measure", "Value"), rows), summary
    )  # fmt: skip


def overlap_chart(analysis: Analysis) -> Chart:
    overlaps = sorted(analysis.overlap, key=lambda o: -o.shared)
    figure = None
    if overlaps:
        figure = _layout(
            go.Figure(go.Bar(y=[o.name for o in overlaps], x=[o.shared for o in overlaps],
                             orientation="h", marker={"color": SEGMENT_COLOR})),
            height=max(200, 60 + 30 * len(overlaps)), yaxis={"automargin": True},
        )  # fmt: skip
    rows = [(o.name, o.segment_id, f"{o.shared:,}") for o in overlaps]
    summary = "" if overlaps else "No members shared with other segments."
    return Chart(
        "chart-overlap",
        "Overlap with other segments",
        figure,
        Table(("Segment", "Id", "Shared members"), rows),
        summary,
    )


def _report_label(row: dict[str, Any], groupings: Sequence[str]) -> str:
    return " / ".join(
        str(row.get(name) if row.get(name) is not None else NO_VALUE) for name in groupings
    )


def report_chart(analysis: Analysis) -> Chart | None:
    report = analysis.report
    if report is None:
        return None
    if report.error:
        return Chart(
            "chart-report",
            "Reports API grouping",
            None,
            Table((), []),
            f"The report run failed: {report.error}",
        )
    groupings = list(report.groupings)
    measures = sorted({key for row in report.rows for key in row if key not in groupings})
    labels = [_report_label(row, groupings) for row in report.rows]
    counts = [row.get("RowCount") or 0 for row in report.rows]
    figure = _layout(
        go.Figure(go.Bar(x=labels, y=counts, marker={"color": SEGMENT_COLOR})),
        xaxis={"automargin": True},
    )
    rows = [
        (*(str(row.get(g) if row.get(g) is not None else NO_VALUE) for g in groupings),
         *(_number(row.get(m)) for m in measures))
        for row in report.rows
    ]  # fmt: skip
    notes = ["Salesforce returned the first 2,000 rows only."] if report.truncated else []
    summary = f"Report {report.report_id}, grouped by {', '.join(groupings) or 'nothing'}; bars show RowCount."
    return Chart(
        "chart-report",
        "Reports API grouping",
        figure,
        Table((*groupings, *measures), rows),
        summary,
        notes,
    )


def build_charts(analysis: Analysis) -> list[Chart]:
    """Build every chart of the report, in reading order."""
    charts = [size_chart(analysis)]
    charts += [
        demographic_chart(index, d)
        for index, d in enumerate(analysis.demographics.values())
        if d.values
    ]
    charts += [opportunities_chart(analysis), activity_chart(analysis), overlap_chart(analysis)]
    report = report_chart(analysis)
    if report is not None:
        charts.append(report)
    return charts
