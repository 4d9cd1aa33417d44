"""`sfseg segments preview|create|list|show|delete|refresh` and `sfseg analyze`.

Errors go to stderr with the cause and the fix, and exit with status 1; every error a
command catches is also written to the error log (`sfseg errors`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from sfseg.cli.common import (
    JsonOption,
    ProfileOption,
    add_key_column,
    console,
    err_console,
    fail,
    open_client,
    print_json,
)
from sfseg.cli.errors import parse_since
from sfseg.cli.failures import open_store, reported
from sfseg.cli.render import preview_table, show_analysis, show_created

# The store, the criteria and the client are imported inside the commands so that
# `sfseg --help` and `sfseg sandbox serve` do not load SQLAlchemy, Alembic or httpx.
if TYPE_CHECKING:
    from sfseg.segments.criteria import CriteriaKind, Target
    from sfseg.segments.segment import SegmentInfo
    from sfseg.segments.store import Store

# `parse_since` lives in sfseg.cli.errors and stays importable from here for existing callers.
__all__ = ["parse_since", "register", "segments_app"]

segments_app = typer.Typer(
    help="Segments: preview criteria, create, list, show, delete and refresh.", no_args_is_help=True
)

WhereOption = Annotated[
    str | None, typer.Option("--where", help="Criteria as a SOQL WHERE clause (without WHERE).")
]
SoqlOption = Annotated[
    str | None, typer.Option("--soql", help="Criteria as a full SOQL query on Contact or Lead.")
]
RulesOption = Annotated[
    Path | None, typer.Option("--rules", help="Criteria as a rule document (YAML or JSON file).")
]
TargetOption = Annotated[
    str | None,
    typer.Option(
        "--target", help="contact, lead or both; default: from the criteria, else contact."
    ),
]
TARGETS = ("contact", "lead", "both")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `sfseg` app."""
    app.add_typer(segments_app, name="segments")
    app.command("analyze")(analyze_command)


# --- criteria options ---------------------------------------------------------


def _criteria(where: str | None, soql: str | None, rules: Path | None) -> tuple[str, CriteriaKind]:
    given = [(text, kind) for text, kind in ((where, "where"), (soql, "soql")) if text is not None]
    if rules is not None:
        try:
            given.append((rules.read_text(encoding="utf-8"), "rules"))
        except OSError as exc:
            fail(f"cannot read the rule document {rules}: {exc.strerror}", "check the path")
    if len(given) != 1:
        fail(
            "give the criteria one way: --where, --soql or --rules",
            "for example: --where \"MailingCountry = 'United States'\"",
        )
    text, kind = given[0]
    return text, kind  # type: ignore[return-value]


@contextmanager
def _rule_file(rules: Path | None) -> Iterator[None]:
    """Name the rule file before the location of each criteria problem."""
    from sfseg.segments.criteria import CriteriaError

    try:
        yield
    except CriteriaError as exc:
        if rules is None:
            raise
        raise exc.in_source(str(rules)) from None


def _target(target: str | None) -> Target | None:
    if target is None:
        return None
    if target not in TARGETS:
        fail(
            f"--target {target!r} is not one of contact, lead, both",
            "use --target contact, lead or both",
        )
    return target  # type: ignore[return-value]


# --- preview and create ---------------------------------------------------------


@segments_app.command("preview")
def preview_command(
    where: WhereOption = None,
    soql: SoqlOption = None,
    rules: RulesOption = None,
    target: TargetOption = None,
    as_json: JsonOption = False,
    profile: ProfileOption = None,
) -> None:
    """Check criteria against the org and count the matches per object (SELECT COUNT())."""
    from sfseg.segments.criteria import preview

    text, kind = _criteria(where, soql, rules)
    chosen = _target(target)
    store = open_store()
    with (
        open_client(profile) as client,
        reported(store, "segments.preview"),
        _rule_file(rules),
        err_console.status("Checking the criteria and counting matches..."),
    ):
        result = preview(client, text, target=chosen, kind=kind)
    if as_json:
        print_json(result.to_json())
        return
    console.print(preview_table(dict(result.counts), dict(result.soql)))
    console.print(f"Total: {result.total:,} records ({result.api_calls} API calls)")


def _campaign_fields(
    campaign_type: str | None,
    campaign_status: str | None,
    active: bool | None,
    start_date: dt.datetime | None,
    end_date: dt.datetime | None,
    parent: str | None,
) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, value in (("Type", campaign_type), ("Status", campaign_status), ("ParentId", parent)):
        if value is not None:
            fields[name] = value
    if active is not None:
        fields["IsActive"] = active
    if start_date is not None:
        fields["StartDate"] = start_date.date()
    if end_date is not None:
        fields["EndDate"] = end_date.date()
    return fields


@segments_app.command("create")
def create_command(
    name: Annotated[
        str, typer.Argument(help="Segment name, also the Campaign name (at most 80 characters).")
    ],
    where: WhereOption = None,
    soql: SoqlOption = None,
    rules: RulesOption = None,
    target: TargetOption = None,
    description: Annotated[
        str | None, typer.Option("--description", help="Campaign description.")
    ] = None,
    status: Annotated[
        list[str] | None,
        typer.Option(
            "--status",
            help="Member status label (repeat the option); default: Added and Responded. "
            "Every label that is Responded, Attended, Replied, Clicked, Opened or Converted "
            "(any case) counts as responded, and at least one must.",
        ),
    ] = None,
    default_status: Annotated[
        str | None,
        typer.Option(
            "--default-status",
            help="The status new members get: one of --status; default: the first --status, else Added.",
        ),
    ] = None,
    campaign_type: Annotated[
        str | None, typer.Option("--type", help="Campaign Type, e.g. Email.")
    ] = None,
    campaign_status: Annotated[
        str | None,
        typer.Option("--campaign-status", help="Campaign Status, e.g. Planned or In Progress."),
    ] = None,
    active: Annotated[
        bool | None, typer.Option("--active/--inactive", help="Campaign IsActive.")
    ] = None,
    start_date: Annotated[
        dt.datetime | None,
        typer.Option("--start-date", formats=["%Y-%m-%d"], help="Campaign StartDate."),
    ] = None,
    end_date: Annotated[
        dt.datetime | None,
        typer.Option("--end-date", formats=["%Y-%m-%d"], help="Campaign EndDate."),
    ] = None,
    parent: Annotated[str | None, typer.Option("--parent", help="Parent Campaign id: 15 or 18 characters, starting with 701.")] = None,
    populate: Annotated[
        bool, typer.Option("--populate", help="Assign every current match right away.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and count only; write nothing.")
    ] = False,
    as_json: JsonOption = False,
    profile: ProfileOption = None,
) -> None:
    """Create a segment: a Campaign with its member statuses, stored with its criteria.

    Responded statuses: without --status, the statuses are Added (for new members) and Responded (counts as responded). With --status, each label that is Responded, Attended, Replied, Clicked, Opened or Converted, in any letter case, counts as responded. So --status Sent --status Opened --status Clicked makes both Opened and Clicked count as responded. Other labels, such as Sent or Bounced, do not count, and a list without any responded label is rejected.
    """
    from sfseg.segments.create import create_segment, populate_segment

    text, kind = _criteria(where, soql, rules)
    chosen = _target(target)
    fields = _campaign_fields(campaign_type, campaign_status, active, start_date, end_date, parent)
    store = open_store()
    with (
        open_client(profile) as client,
        reported(store, "segments.create"),
        _note_unfinished(store, name),
        _rule_file(rules),
        err_console.status("Checking the criteria and creating the Campaign..."),
    ):
        result = create_segment(
            client, store, name, text, target=chosen, kind=kind, description=description,
            statuses=status, default_status=default_status, campaign_fields=fields, dry_run=dry_run,
        )  # fmt: skip
        if populate and not dry_run and result.segment is not None:
            with err_console.status("Assigning every match..."):
                populated = populate_segment(client, store, result.segment.id)
            result = _with_populate(result, populated)
    if as_json:
        print_json(result.to_json())
        return
    show_created(result)


def _with_populate(result: Any, populated: Any) -> Any:
    from dataclasses import replace

    return replace(result, populate=populated)


@contextmanager
def _note_unfinished(store: Store, name: str) -> Iterator[None]:
    """Add a note to a failed create when the store keeps the segment without a Campaign id.

    create_segment stores the segment row before it writes the Campaign, and keeps the
    row when a later step fails, so that the same create can finish it.
    """
    import shlex

    from sqlalchemy import select

    from sfseg.segments.store import Segment

    try:
        yield
    except Exception as exc:
        if isinstance(exc, typer.Exit | typer.Abort):
            raise
        with store.session() as session:
            row = session.scalars(select(Segment).where(Segment.name == name.strip())).first()
            unfinished = row is not None and row.campaign_id is None
        if unfinished:
            exc.add_note(
                f"segment {name.strip()!r} was kept unfinished, without a Campaign id. Run the same "
                "`sfseg segments create` again to finish it: it reuses any Campaign this attempt made. "
                f"Or remove the segment with `sfseg segments delete {shlex.quote(name.strip())}`, "
                "which leaves such a Campaign in Salesforce."
            )
        raise


# --- list, show, delete, refresh -----------------------------------------------


def _segments_table(segments: list[SegmentInfo]) -> Table:
    table = Table(title="Segments")
    add_key_column(table, "Id", min_width=16)
    table.add_column("Name", overflow="fold")
    table.add_column("Target", overflow="fold")
    add_key_column(table, "Campaign")
    for column in ("Criteria", "Created"):
        table.add_column(column, overflow="fold")
    for segment in segments:
        table.add_row(
            segment.id,
            escape(segment.name),
            segment.target,
            segment.campaign_id or "(unfinished)",
            escape(" ".join(segment.criteria_text.split())[:60]),
            segment.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    return table


@segments_app.command("list")
def list_command(as_json: JsonOption = False) -> None:
    """List the segments in the store (no Salesforce call)."""
    from sfseg.segments.segment import SegmentInfo

    store = open_store()
    segments = [SegmentInfo.from_row(row) for row in store.list_segments()]
    if as_json:
        print_json([segment.to_json() for segment in segments])
        return
    if not segments:
        console.print("No segments yet; create one with `sfseg segments create NAME --where ...`.")
        return
    console.print(_segments_table(segments))


@segments_app.command("show")
def show_command(
    segment: Annotated[str, typer.Argument(help="Segment id, name, key or Campaign id.")],
    as_json: JsonOption = False,
) -> None:
    """Show a segment, its criteria, SOQL, statuses and recent jobs (no Salesforce call)."""
    from sfseg.segments import jobs
    from sfseg.segments.segment import SegmentInfo

    store = open_store()
    with reported(None, "segments.show"):
        info = SegmentInfo.from_row(store.get_segment(segment))
        recent = jobs.list_jobs(store, segment_id=info.id, limit=10)
    if as_json:
        print_json({**info.to_json(), "jobs": [job.to_json() for job in recent]})
        return
    table = Table(show_header=False, title=f"Segment {escape(info.name)}")
    table.add_column("Field", style="bold")
    table.add_column("Value", overflow="fold")
    for label, value in (
        ("Id", info.id),
        ("Campaign", info.campaign_id or "(unfinished: run create again)"),
        ("Target", info.target),
        ("Criteria", info.criteria_text.strip()),
        *((f"SOQL {sobject}", text) for sobject, text in info.soql.items()),
        (
            "Statuses",
            ", ".join(s.label + (" (default)" if s.is_default else "") for s in info.statuses),
        ),
        ("Created", info.created_at.isoformat()),
    ):
        table.add_row(label, escape(value))
    console.print(table)
    for job in recent:
        console.print(
            f"job {job.id}: {job.kind} {job.mode} {job.state} ({job.api_calls} API calls)"
        )


@segments_app.command("delete")
def delete_command(
    segment: Annotated[str, typer.Argument(help="Segment id, name, key or Campaign id.")],
    keep_campaign: Annotated[
        bool,
        typer.Option(
            "--keep-campaign", help="Keep the Campaign in Salesforce; forget the segment only."
        ),
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    as_json: JsonOption = False,
    profile: ProfileOption = None,
) -> None:
    """Delete a segment: its Campaign (with its members) in Salesforce, then the stored segment."""
    from sfseg.salesforce.errors import SalesforceError
    from sfseg.segments.errorlog import record_error
    from sfseg.segments.segment import SegmentInfo

    store = open_store()
    with reported(store, "segments.delete"):
        info = SegmentInfo.from_row(store.get_segment(segment))
    if not yes and not as_json:
        what = (
            "the segment"
            if keep_campaign or info.campaign_id is None
            else f"Campaign {info.campaign_id} and the segment"
        )
        typer.confirm(f"Delete {what} {info.name!r}?", abort=True)
    deleted_campaign = False
    if info.campaign_id is not None and not keep_campaign:
        with open_client(profile) as client, reported(store, "segments.delete", info.id):
            try:
                client.delete("Campaign", info.campaign_id)
                deleted_campaign = True
            except SalesforceError as exc:
                if exc.error_code not in ("ENTITY_IS_DELETED", "NOT_FOUND"):
                    raise
                record_error(store, operation="segments.delete", error=exc, segment_id=info.id)
    _delete_row(store, info.id)
    result = {
        "segment_id": info.id,
        "name": info.name,
        "campaign_id": info.campaign_id,
        "campaign_deleted": deleted_campaign,
    }
    if as_json:
        print_json(result)
        return
    console.print(
        f"Deleted segment {escape(info.name)} ({info.id})"
        + (f" and Campaign {info.campaign_id}." if deleted_campaign else ".")
    )


def _delete_row(store: Store, segment_id: str) -> None:
    from sfseg.segments.store import Segment

    with store.session() as session:
        row = session.get(Segment, segment_id)
        if row is not None:
            session.delete(row)


@segments_app.command("refresh")
def refresh_command(
    segment: Annotated[str, typer.Argument(help="Segment id, name, key or Campaign id.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the plan and its API cost; write nothing.")
    ] = False,
    remove_responded: Annotated[
        bool,
        typer.Option(
            "--remove-responded", help="Also remove members who responded and no longer match."
        ),
    ] = False,
    as_json: JsonOption = False,
    profile: ProfileOption = None,
) -> None:
    """Make the membership equal the criteria's current matches (add new, remove the rest).

    With --dry-run, prints the plan as `sfseg assign --dry-run` does: rows to add and to
    remove, members kept because they responded, the route and its API cost. A segment
    whose criteria match no record ends empty, except for the members who responded
    (unless --remove-responded).
    """
    from sfseg.cli.assign import plural, print_result
    from sfseg.segments.assign import refresh_segment

    store = open_store()
    with (
        open_client(profile) as client,
        reported(store, "segments.refresh"),
        err_console.status("Refreshing the segment from its criteria..."),
    ):
        result = refresh_segment(
            client, store, segment, dry_run=dry_run, remove_responded=remove_responded
        )
    if as_json:
        print_json(result.to_json())
        return
    if result.dry_run:
        print_result(result)
        return
    changes = ", ".join(f"{k} {v:,}" for k, v in result.counts.items() if v) or "no change"
    console.print(
        f"Refresh {result.state} (job {result.job_id}): {changes} "
        f"({plural(result.api_calls, 'API call')})"
    )


# --- analyze -------------------------------------------------------------------


def analyze_command(
    segment: Annotated[str, typer.Argument(help="Segment id, name, key or Campaign id.")],
    fields: Annotated[
        str | None,
        typer.Option(
            "--fields", help="Demographic fields, comma-separated (Contact or Lead names)."
        ),
    ] = None,
    report: Annotated[
        str | None,
        typer.Option("--report", help="Id of a CampaignWithCampaignMembers report to run."),
    ] = None,
    no_report: Annotated[
        bool, typer.Option("--no-report", help="Skip the Reports API run.")
    ] = False,
    refresh_population: Annotated[
        bool,
        typer.Option(
            "--refresh-population",
            help="Count the population again instead of reusing counts up to 24 hours old.",
        ),
    ] = False,
    top: Annotated[
        int,
        typer.Option("--top", min=1, help="Values shown per demographic in the tables (1 or more)."),
    ] = 5,
    as_json: JsonOption = False,
    profile: ProfileOption = None,
    html: Annotated[
        Path | None,
        typer.Option("--html", help="Also write the self-contained HTML report with charts here."),
    ] = None,
    members: Annotated[
        Path | None,
        typer.Option(
            "--members",
            help="Write one row of metrics per member to this file (CSV, or JSON lines for a .jsonl name) "
            "instead of running the aggregate analysis.",
        ),
    ] = None,
    route: Annotated[
        str,
        typer.Option(
            "--route",
            help="With --members: rest, bulk, or auto (Bulk API 2.0 from 2,000 members).",
        ),
    ] = "auto",
) -> None:
    """Analyze a segment: size, demographics with lift, behaviour, report, and overlap with every other stored segment.

    With --members, write the per-member metrics file only: the aggregate analysis does not run, and the line printed gives the rows, the route and the API calls.
    """
    if members is not None:
        analysis_only = {
            "--fields": fields, "--report": report, "--html": html,
            "--refresh-population": refresh_population or None,
        }  # fmt: skip
        _member_metrics(segment, members, route, as_json, profile, analysis_only)
        return
    if route != "auto":
        fail(f"--route {route} applies only with --members", "add --members FILE, or drop --route")
    from sfseg.segments.analyze import POPULATION_MAX_AGE, analyze_segment

    chosen = [f.strip() for f in fields.split(",") if f.strip()] if fields else None
    store = open_store()
    with (
        open_client(profile) as client,
        reported(store, "analyze"),
        err_console.status("Analyzing the segment..."),
    ):
        analysis = analyze_segment(
            client,
            store,
            segment,
            fields=chosen,
            report_id=report,
            include_report=not no_report,
            population_max_age=None if refresh_population else POPULATION_MAX_AGE,
        )
    if html is not None:
        _write_html(analysis, html)
    if as_json:
        print_json(analysis.to_json())
        return
    show_analysis(analysis, top=top)


def _member_metrics(
    segment: str, path: Path, route: str, as_json: bool, profile: str | None, analysis_options: dict[str, Any]
) -> None:
    """Write the per-member metrics file of `analyze --members` and print its cost."""
    from sfseg.segments.analyze.members import check_route, member_metrics

    conflicting = [name for name, value in analysis_options.items() if value is not None]
    if conflicting:
        verb = "belongs" if len(conflicting) == 1 else "belong"
        fail(
            f"{', '.join(conflicting)} {verb} to the aggregate analysis, which --members does not run",
            f"run `sfseg analyze {segment}` with {conflicting[0]} separately",
        )
    try:
        check_route(route)
    except ValueError as exc:
        fail(str(exc))
    store = open_store()
    with (
        open_client(profile) as client,
        reported(store, "analyze.members"),
        err_console.status("Writing the member metrics..."),
    ):
        result = member_metrics(client, store, segment, path, route=route)
    if as_json:
        print_json(result.to_json())
        return
    console.print(
        f"Wrote {result.rows:,} member rows with the {result.route} route "
        f"({result.api_calls:,} API calls) to {escape(result.path)}.",
        soft_wrap=True,
    )


def _write_html(analysis: Any, path: Path) -> None:
    from sfseg.report import write_report

    try:
        write_report(analysis, path)
    except OSError as exc:
        fail(f"cannot write the HTML report to {path}: {exc.strerror}", "check the path")
    err_console.print(f"Wrote the HTML report to {escape(str(path))}.")
