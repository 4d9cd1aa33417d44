"""Rich rendering of segment results as tables and lines: matches, a created segment, an
analysis and an assignment job."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

from sfseg.cli.common import add_key_column, console

__all__ = ["preview_table", "show_analysis", "show_assign", "show_created"]


def preview_table(counts: dict[str, int], soql: dict[str, str]) -> Table:
    table = Table(title="Matches", show_lines=True)
    table.add_column("Object")
    table.add_column("Count", justify="right")
    table.add_column("SOQL", overflow="fold")
    for sobject, count in counts.items():
        table.add_row(sobject, f"{count:,}", soql[sobject])
    return table


def show_created(result: Any, *, matches: bool = True) -> None:
    """Print a created segment; `matches` False leaves out the table of matches."""
    if matches:
        console.print(preview_table(dict(result.counts), dict(result.soql)))
    if result.dry_run:
        console.print(f"Dry run: nothing written ({result.api_calls} API calls).")
        return
    verb = "created" if result.campaign_created else "found again (retried create)"
    console.print(
        f"Segment [bold]{escape(result.segment.name)}[/] ({result.segment.id}): Campaign "
        f"{result.campaign_id} {verb}; statuses "
        + ", ".join(
            f"{s.label}{' (default)' if s.is_default else ''}{' (counts as responded)' if s.has_responded else ''}"
            for s in result.statuses
        )
        + f"; {result.api_calls} API calls."
    )
    if result.populate is not None:
        counts = result.populate.counts
        console.print("Populated: " + ", ".join(f"{k} {v:,}" for k, v in counts.items() if v))
        _converted_note(result.populate)


def _converted_note(result: Any) -> None:
    converted = getattr(result, "converted_leads", 0)
    if converted:
        what = "was a converted lead, added as its contact" if converted == 1 else (
            "were converted leads, added as their contacts"
        )
        console.print(
            f"[yellow]Note:[/] {converted:,} of these {what}; "
            f"`sfseg jobs show {result.job_id}` names each lead and contact."
        )


def show_analysis(analysis: Any, *, top: int = 5) -> None:
    """Print an analysis as tables."""
    size = analysis.size
    rate = "n/a" if size.response_rate is None else f"{size.response_rate:.1%}"
    console.print(
        f"[bold]{escape(analysis.name)}[/] ({analysis.segment_id}, Campaign {analysis.campaign_id}): "
        f"{size.members:,} members ({size.contacts:,} contacts, {size.leads:,} leads), "
        f"{size.responded:,} responded ({rate})"
    )
    table = Table(title="Demographics (segment share vs population share)")
    for column in ("Field", "Value", "Count", "Share", "Population", "Lift"):
        table.add_column(
            column,
            justify="right" if column in ("Count", "Share", "Population", "Lift") else "left",
        )
    for name, demographic in analysis.demographics.items():
        for value in demographic.values[:top]:
            table.add_row(
                name, escape(str(value.value if value.value is not None else "(none)")), f"{value.count:,}",
                _percent(value.share), _percent(value.population_share),
                "" if value.lift is None else f"{value.lift:.2f}",
            )  # fmt: skip
    console.print(table)
    console.print(_behaviour_table(analysis.behaviour))
    if analysis.report is not None:
        _show_report(analysis.report, top)
    for overlap in analysis.overlap:
        console.print(
            f"Shares {overlap.shared:,} members with {escape(overlap.name)} ({overlap.segment_id})"
        )
    for note in analysis.notes:
        console.print(f"[yellow]Note:[/] {escape(note)}")
    console.print(f"{analysis.api_calls} API calls.")


_REPORT_ORIGINS = {
    "created": "made by sfseg for this analysis",
    "reused": "made by sfseg earlier and run again",
    "given": "given with --report",
}


def _show_report(report: Any, top: int) -> None:
    about = ", ".join(
        part for part in (repr(report.name) if report.name else "", _REPORT_ORIGINS.get(report.origin or "", "")) if part
    )
    label = f"Report {report.report_id}" + (f" ({escape(about)})" if about else "")
    if report.error:
        console.print(f"{label}: error: {escape(report.error)}")
        return
    console.print(f"{label}: {len(report.rows):,} rows")
    table = Table()
    for column in (*report.groupings, "RowCount"):
        table.add_column(column, justify="right" if column == "RowCount" else "left")
    for row in report.rows[: top * 2]:
        table.add_row(*(escape(str(row.get(column, ""))) for column in (*report.groupings, "RowCount")))
    if len(report.rows) > top * 2:
        table.caption = f"first {top * 2} of {len(report.rows)} rows; --json lists them all"
    console.print(table)


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1%}"


def _behaviour_table(behaviour: Any) -> Table:
    table = Table(title="Behaviour")
    table.add_column("Measure")
    table.add_column("Value", justify="right")
    for channel, stats in behaviour.opportunities.items():
        rate = "n/a" if stats.win_rate is None else f"{stats.win_rate:.0%}"
        table.add_row(
            f"Opportunities via {channel.replace('_', ' ')}",
            f"{stats.count:,} ({stats.open} open, {stats.won} won, {rate} win rate, won {stats.won_amount:,})",
        )
    cases = behaviour.cases
    table.add_row("Cases", f"{cases.count:,} ({cases.open} open)")
    activities = behaviour.activities
    table.add_row(
        "Tasks / events, last 90 days",
        f"{activities.tasks_last_90_days:,} / {activities.events_last_90_days:,}",
    )
    table.add_row("Last activity", str(activities.last_activity_date or "none"))
    return table


def show_assign(result: Any) -> None:
    table = Table(
        title=f"Job {result.job_id}: {result.state} via {result.route}, {result.api_calls} API calls"
    )
    add_key_column(table, "Customer")
    add_key_column(table, "Resolved")
    for column in ("Object", "Outcome", "Why"):
        table.add_column(column, overflow="fold")
    for item in result.items:
        why = item.error_code or item.message or getattr(item, "reason", None) or ""
        table.add_row(
            escape(item.customer_id),
            item.resolved_id or "",
            item.object or "",
            item.outcome,
            escape(str(why)),
        )
    console.print(table)
    console.print(", ".join(f"{k} {v}" for k, v in result.counts.items() if v))
    if result.repeats:
        folded = ", ".join(repeat.given for repeat in result.repeats)
        console.print(f"{len(result.repeats)} repeated customer id(s) folded into their first occurrence: {escape(folded)}")
    _converted_note(result)
