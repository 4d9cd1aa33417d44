"""`sfseg segments preview|create|list|show|delete|refresh`, `sfseg analyze`, `sfseg errors`
and `sfseg demo`.

Errors go to stderr with the cause and the fix, and exit with status 1; every error a
command catches is also written to the error log (`sfseg errors`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.markup import escape
from rich.table import Table

from sfseg.cli.common import (
    ProfileOption,
    console,
    err_console,
    fail,
    fail_for,
    open_client,
    print_json,
)
from sfseg.salesforce.errors import SalesforceError
from sfseg.segments.criteria import CriteriaError, CriteriaKind, Target, preview
from sfseg.segments.errorlog import ErrorRecord, list_errors, record_error
from sfseg.segments.segment import SegmentInfo
from sfseg.segments.store import AmbiguousSegmentError, SegmentNotFoundError, Store

__all__ = ["register", "segments_app"]

segments_app = typer.Typer(
    help="Segments: preview criteria, create, list, show, delete and refresh.", no_args_is_help=True
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")]
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
    app.command("errors")(errors_command)
    app.command("demo")(demo_command)


# --- shared helpers -----------------------------------------------------------


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


def _target(target: str | None) -> Target | None:
    if target is None:
        return None
    if target not in TARGETS:
        fail(
            f"--target {target!r} is not one of contact, lead, both",
            "use --target contact, lead or both",
        )
    return target  # type: ignore[return-value]


def _fail_criteria(error: CriteriaError) -> NoReturn:
    err_console.print(
        f"[bold red]Error:[/] {len(error.problems)} problem(s) in the criteria:", highlight=False
    )
    for problem in error.problems:
        err_console.print(f"  {escape(str(problem))}", highlight=False, soft_wrap=True)
    err_console.print(
        "[yellow]Fix:[/] correct each location above and run the command again", highlight=False
    )
    raise typer.Exit(code=1)


@contextmanager
def _reported(store: Store | None, operation: str, segment_id: str | None = None) -> Iterator[None]:
    """Turn the errors of a command into a message and exit status, and log them."""
    try:
        yield
    except (typer.Exit, typer.Abort):
        raise
    except CriteriaError as exc:
        _log(store, operation, exc, segment_id)
        _fail_criteria(exc)
    except SalesforceError as exc:
        _log(store, operation, exc, segment_id)
        fail_for(exc)
    except (SegmentNotFoundError, AmbiguousSegmentError) as exc:
        fail(str(exc))
    except (ValueError, LookupError) as exc:
        _log(store, operation, exc, segment_id)
        fail(str(exc))


def _log(store: Store | None, operation: str, error: BaseException, segment_id: str | None) -> None:
    if store is not None:
        record_error(store, operation=operation, error=error, segment_id=segment_id)


def _open_store() -> Store:
    try:
        return Store()
    except Exception as exc:  # a bad URL or an unreachable server: report, do not trace
        fail(f"cannot open the segments store: {exc}", "check SFSEG_DATABASE_URL")


# --- preview and create ---------------------------------------------------------


def _preview_table(counts: dict[str, int], soql: dict[str, str]) -> Table:
    table = Table(title="Matches", show_lines=True)
    table.add_column("Object")
    table.add_column("Count", justify="right")
    table.add_column("SOQL", overflow="fold")
    for sobject, count in counts.items():
        table.add_row(sobject, f"{count:,}", soql[sobject])
    return table


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
    text, kind = _criteria(where, soql, rules)
    chosen = _target(target)
    store = _open_store()
    with (
        open_client(profile) as client,
        _reported(store, "segments.preview"),
        err_console.status("Checking the criteria and counting matches..."),
    ):
        result = preview(client, text, target=chosen, kind=kind)
    if as_json:
        print_json(result.to_json())
        return
    console.print(_preview_table(dict(result.counts), dict(result.soql)))
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
            help="Member status label (repeat the option); default: Added and Responded.",
        ),
    ] = None,
    default_status: Annotated[
        str | None,
        typer.Option("--default-status", help="The status new members get; one of --status."),
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
    parent: Annotated[str | None, typer.Option("--parent", help="Parent Campaign id.")] = None,
    populate: Annotated[
        bool, typer.Option("--populate", help="Assign every current match right away.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and count only; write nothing.")
    ] = False,
    as_json: JsonOption = False,
    profile: ProfileOption = None,
) -> None:
    """Create a segment: a Campaign with its member statuses, stored with its criteria."""
    from sfseg.segments.create import create_segment, populate_segment

    text, kind = _criteria(where, soql, rules)
    chosen = _target(target)
    fields = _campaign_fields(campaign_type, campaign_status, active, start_date, end_date, parent)
    store = _open_store()
    with (
        open_client(profile) as client,
        _reported(store, "segments.create"),
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
    _show_created(result)


def _with_populate(result: Any, populated: Any) -> Any:
    from dataclasses import replace

    return replace(result, populate=populated)


def _show_created(result: Any) -> None:
    console.print(_preview_table(dict(result.counts), dict(result.soql)))
    if result.dry_run:
        console.print(f"Dry run: nothing written ({result.api_calls} API calls).")
        return
    verb = "created" if result.campaign_created else "found again (retried create)"
    console.print(
        f"Segment [bold]{escape(result.segment.name)}[/] ({result.segment.id}): Campaign "
        f"{result.campaign_id} {verb}; statuses "
        + ", ".join(
            f"{s.label}{' (default)' if s.is_default else ''}{' (responded)' if s.has_responded else ''}"
            for s in result.statuses
        )
        + f"; {result.api_calls} API calls."
    )
    if result.populate is not None:
        counts = result.populate.counts
        console.print("Populated: " + ", ".join(f"{k} {v:,}" for k, v in counts.items() if v))


# --- list, show, delete, refresh -----------------------------------------------


def _segments_table(segments: list[SegmentInfo]) -> Table:
    table = Table(title="Segments")
    for column in ("Id", "Name", "Target", "Campaign", "Criteria", "Created"):
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
    store = _open_store()
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

    store = _open_store()
    with _reported(None, "segments.show"):
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
    store = _open_store()
    with _reported(store, "segments.delete"):
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
        with open_client(profile) as client, _reported(store, "segments.delete", info.id):
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
    """Make the membership equal the criteria's current matches (add new, remove the rest)."""
    from sfseg.segments.assign import refresh_segment

    store = _open_store()
    with (
        open_client(profile) as client,
        _reported(store, "segments.refresh"),
        err_console.status("Refreshing the segment from its criteria..."),
    ):
        result = refresh_segment(
            client, store, segment, dry_run=dry_run, remove_responded=remove_responded
        )
    if as_json:
        print_json(result.to_json())
        return
    console.print(
        f"Refresh {result.state}: "
        + ", ".join(f"{k} {v:,}" for k, v in result.counts.items() if v)
        + f" ({result.api_calls} API calls)"
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
        int, typer.Option("--top", help="Values shown per demographic in the tables.")
    ] = 5,
    as_json: JsonOption = False,
    profile: ProfileOption = None,
    html: Annotated[
        Path | None,
        typer.Option("--html", help="Also write the self-contained HTML report with charts here."),
    ] = None,
) -> None:
    """Analyze a segment: size, demographics with lift, behaviour, report and overlap."""
    from sfseg.segments.analyze import POPULATION_MAX_AGE, analyze_segment

    chosen = [f.strip() for f in fields.split(",") if f.strip()] if fields else None
    store = _open_store()
    with (
        open_client(profile) as client,
        _reported(store, "analyze"),
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


def _write_html(analysis: Any, path: Path) -> None:
    from sfseg.report import write_report

    try:
        write_report(analysis, path)
    except OSError as exc:
        fail(f"cannot write the HTML report to {path}: {exc.strerror}", "check the path")
    err_console.print(f"Wrote the HTML report to {escape(str(path))}.")


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
        report = analysis.report
        state = f"error: {report.error}" if report.error else f"{len(report.rows)} rows"
        console.print(f"Report {report.report_id}: {escape(state)}")
    for overlap in analysis.overlap:
        console.print(
            f"Shares {overlap.shared:,} members with {escape(overlap.name)} ({overlap.segment_id})"
        )
    for note in analysis.notes:
        console.print(f"[yellow]Note:[/] {escape(note)}")
    console.print(f"{analysis.api_calls} API calls.")


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


# --- errors --------------------------------------------------------------------

_RELATIVE = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, now: dt.datetime | None = None) -> dt.datetime:
    """Parse `--since`: an ISO date or datetime (UTC when no zone), or `30m`, `2h`, `7d`, `1w` ago."""
    now = now or dt.datetime.now(dt.UTC)
    match = _RELATIVE.match(text.strip().lower())
    if match:
        return now - dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        msg = (
            f"--since {text!r} is not a time; use 2026-01-31, 2026-01-31T08:00:00Z, or 30m, 2h, 7d"
        )
        raise ValueError(msg) from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def errors_command(
    segment: Annotated[
        str | None, typer.Option("--segment", help="Only errors of this segment (id or name).")
    ] = None,
    job: Annotated[str | None, typer.Option("--job", help="Only errors of this job.")] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", help="Only errors from this time on: 2026-01-31, ...T08:00Z, 2h, 7d."
        ),
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", help="Show at most this many errors.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List the error log: every error sfseg caught, with its segment, job and customer."""
    store = _open_store()
    try:
        start = parse_since(since) if since else None
    except ValueError as exc:
        fail(str(exc))
    segment_id = None
    if segment is not None:
        with _reported(None, "errors"):
            try:
                segment_id = store.get_segment(segment).id
            except SegmentNotFoundError:
                segment_id = segment  # a deleted segment's errors stay in the log
    records = list_errors(store, segment_id=segment_id, job_id=job, since=start, limit=limit)
    if as_json:
        print_json([record.to_json() for record in records])
        return
    if not records:
        console.print("No errors logged.")
        return
    console.print(_errors_table(records))


def _errors_table(records: list[ErrorRecord]) -> Table:
    table = Table(title="Error log")
    for column in (
        "Time",
        "Operation",
        "Segment",
        "Job",
        "Customer",
        "HTTP",
        "Code",
        "Attempt",
        "Message",
    ):
        table.add_column(column, overflow="fold")
    for record in records:
        table.add_row(
            record.at.strftime("%Y-%m-%d %H:%M:%S"), record.operation, record.segment_id or "",
            record.job_id or "", escape(record.customer_id or ""),
            "" if record.http_status is None else str(record.http_status), record.error_code or "",
            str(record.attempt), escape(record.message),
        )  # fmt: skip
    return table


# --- demo ----------------------------------------------------------------------

DEMO_SEGMENT = "Demo: US customers in California, Texas or from the web"
DEMO_RULES = """\
target: both
match:
  all:
    - {field: MailingCountry, op: eq, value: United States}
    - any:
        - {field: MailingState, op: in, value: [California, Texas]}
        - {field: LeadSource, op: eq, value: Web}
"""


def demo_command(
    as_json: JsonOption = False,
    store_url: Annotated[
        str | None,
        typer.Option(
            "--store", help="Keep the demo's segment in this store URL; default: a temporary one."
        ),
    ] = None,
) -> None:
    """Run the whole flow on the bundled sample org in a local sandbox; needs no configuration."""
    import tempfile

    from sfseg.sandbox.server import run_sandbox

    steps: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="sfseg-demo-") as scratch:
        url = store_url or f"sqlite:///{Path(scratch) / 'sfseg.db'}"
        with err_console.status("Starting the sandbox org with the sample data..."):
            sandbox = run_sandbox(seed="sample")
            info = sandbox.__enter__()
        try:
            with _demo_client(info) as client, Store(url) as store, _reported(store, "demo"):
                _run_demo(client, store, steps, quiet=as_json)
        finally:
            sandbox.__exit__(None, None, None)
    if as_json:
        print_json(steps)


@contextmanager
def _demo_client(info: Any) -> Iterator[Any]:
    from sfseg.salesforce import ConnectionSettings, SalesforceClient

    settings = ConnectionSettings(
        instance_url=info.url, login_url=info.url, api_version=info.api_version, flow="client_credentials",
        client_id=info.client_id, client_secret=info.client_secret, ca_file=info.ca_file,
    )  # fmt: skip
    with SalesforceClient(settings) as client:
        yield client


def _step(quiet: bool, number: int, title: str) -> None:
    if not quiet:
        console.rule(f"[bold]Step {number}: {title}")


def _run_demo(client: Any, store: Store, steps: dict[str, Any], *, quiet: bool) -> None:
    from sfseg.segments.analyze import analyze_segment
    from sfseg.segments.assign import assign_customers
    from sfseg.segments.create import create_segment

    _step(quiet, 1, "preview the criteria (a rule document, target contacts and leads)")
    found = preview(client, DEMO_RULES)
    steps["preview"] = found.to_json()
    if not quiet:
        console.print(DEMO_RULES)
        console.print(_preview_table(dict(found.counts), dict(found.soql)))

    _step(quiet, 2, "create the segment: a Campaign with statuses Added (default) and Responded")
    created = create_segment(
        client, store, DEMO_SEGMENT, DEMO_RULES, description="Made by `sfseg demo`."
    )
    steps["create"] = created.to_json()
    if not quiet:
        _show_created(created)
    assert created.segment is not None
    segment_id = created.segment.id

    customers = _demo_customers(client)
    steps["customers"] = customers
    for number, key, title in (
        (3, "assign", "assign customers given as ids and emails"),
        (4, "assign_again", "assign the same customers again: nothing changes"),
    ):
        _step(quiet, number, title)
        result = assign_customers(client, store, segment_id, customers)
        steps[key] = result.to_json()
        if not quiet:
            _show_assign(result)

    _step(quiet, 5, "analyze the segment")
    analysis = analyze_segment(client, store, segment_id)
    steps["analyze"] = analysis.to_json()
    if not quiet:
        show_analysis(analysis)


def _demo_customers(client: Any) -> list[str]:
    """Pick a mix of ids and emails from the sample org: a few unknown, a converted lead, a repeat."""
    from sfseg.soql import ids

    contacts = list(
        client.query(
            "SELECT Id, Email FROM Contact WHERE MailingCountry = 'United States' "
            "AND MailingState = 'California' AND Email != null ORDER BY Email LIMIT 6"
        )
    )
    converted = list(
        client.query("SELECT Id FROM Lead WHERE IsConverted = true ORDER BY Id LIMIT 1")
    )
    account = list(client.query("SELECT Id FROM Account ORDER BY Id LIMIT 1"))
    customers = [
        str(contacts[0]["Email"]),
        str(contacts[1]["Email"]).upper(),  # emails match case-insensitively
        ids.to_15(str(contacts[2]["Id"])),  # a 15-character id
        str(contacts[3]["Id"]),
        str(contacts[4]["Email"]),
        str(contacts[0]["Email"]),  # repeated
        "nobody@example.invalid",  # unknown email
        ids.to_18("003000000000042"),  # unknown contact id
    ]
    if converted:
        customers.append(str(converted[0]["Id"]))  # converted lead: assigned as its contact
    if account:
        customers.append(str(account[0]["Id"]))  # an Account id: not a person
    return customers


def _show_assign(result: Any) -> None:
    table = Table(
        title=f"Job {result.job_id}: {result.state} via {result.route}, {result.api_calls} API calls"
    )
    for column in ("Customer", "Resolved", "Object", "Outcome", "Why"):
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
