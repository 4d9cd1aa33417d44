"""`sfseg assign` and `sfseg jobs list|show|resume`.

Exit status: 0 when the job succeeded (or a dry run planned it), 1 for an error
before or outside the per-customer outcomes (an error that stops a run leaves the job
`aborted`), 2 when some or all rows failed (`partial`, `failed`), 3 when the daily API
limit stopped the job (`limit_reached`; resume it later).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from sfseg.cli.common import (
    ProfileOption,
    add_key_column,
    console,
    err_console,
    fail,
    fail_for,
    open_client,
    print_json,
)
from sfseg.segments.plan import DEFAULT_BULK_THRESHOLD

# The store, the client and the assignment engine are imported inside the commands so
# that `sfseg --help` and `sfseg sandbox serve` do not load SQLAlchemy or httpx.
if TYPE_CHECKING:
    from sfseg.salesforce.errors import SalesforceError
    from sfseg.segments import assign as assign_module
    from sfseg.segments.customers import Repeat
    from sfseg.segments.jobs import JobSummary
    from sfseg.segments.store import Store
    from sfseg.segments.store.models import Segment

__all__ = ["plural", "print_result", "register"]

EXIT_ROWS_FAILED = 2
EXIT_LIMIT_REACHED = 3
# The default of WriteOptions.concurrency, written out so that --help need not import the
# writer; tests/cli/test_startup_imports.py checks that the two agree.
DEFAULT_CONCURRENCY = 2
# Items listed in the people-facing table; --json always lists every item.
TABLE_ITEMS = 50
# Repeated customer ids named in the summary line; --json lists every repeat.
REPEATS_NAMED = 5


class ModeChoice(StrEnum):
    add = "add"
    remove = "remove"
    mirror = "mirror"
    status = "status"


class RouteChoice(StrEnum):
    auto = "auto"
    rest = "rest"
    bulk = "bulk"


class TieBreakChoice(StrEnum):
    newest = "newest"
    oldest = "oldest"


_E = TypeVar("_E", bound=StrEnum)


def _choice(choices: type[_E], what: str) -> Callable[[str], _E]:
    """Return a parser whose error lists the allowed values in plain words."""

    def parse(value: str) -> _E:
        try:
            return choices(value.lower())
        except ValueError:
            allowed = ", ".join(choice.value for choice in choices)
            msg = f"{value!r} is not {what}; use one of: {allowed}"
            raise typer.BadParameter(msg) from None

    return parse


# The counts worth a column for each mode; a count outside them is shown when not zero.
_MODE_COUNTS = {
    "add": ("created", "already_member", "skipped", "failed"),
    "remove": ("removed", "skipped", "failed"),
    "mirror": ("created", "removed", "already_member", "skipped", "failed"),
    "status": ("updated", "already_member", "skipped", "failed"),
}


JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")]

jobs_app = typer.Typer(help="Assignment jobs: list, show and resume them.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `sfseg` app."""
    app.command("assign")(assign_command)
    app.add_typer(jobs_app, name="jobs")


def assign_command(
    segment: Annotated[str, typer.Argument(help="Segment id, name, key or Campaign id.")],
    customer_ids: Annotated[
        list[str] | None, typer.Argument(help="Customer ids: Salesforce ids, emails or external id values.")
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Read customer ids from this file, one per line.")
    ] = None,
    column: Annotated[
        str | None, typer.Option("--column", help="With --file: read this column of a CSV file (by header name).")
    ] = None,
    from_criteria: Annotated[
        bool, typer.Option("--criteria", help="Take the customers from the segment's own criteria.")
    ] = False,
    id_field: Annotated[
        str, typer.Option("--id-field", help="auto (ids and emails by shape), Id, Email, or an external id field.")
    ] = "auto",
    status: Annotated[
        str | None, typer.Option("--status", help="Member status to write; default: the campaign's default status.")
    ] = None,
    mode: Annotated[
        ModeChoice,
        typer.Option("--mode", parser=_choice(ModeChoice, "a mode"),
                     help="add, remove, mirror, or status (update existing members)."),
    ] = ModeChoice.add,
    route: Annotated[
        RouteChoice,
        typer.Option("--route", parser=_choice(RouteChoice, "a route"),
                     help="auto chooses Bulk API 2.0 for large jobs or a low budget."),
    ] = RouteChoice.auto,
    tie_break: Annotated[
        TieBreakChoice | None,
        typer.Option("--tie-break", parser=_choice(TieBreakChoice, "a tie-break"), help="Pick the newest or oldest record when a customer matches several; default: report them as ambiguous."),
    ] = None,
    remove_responded: Annotated[
        bool, typer.Option("--remove-responded", help="In mirror mode, also remove members who responded.")
    ] = False,
    allow_empty: Annotated[
        bool,
        typer.Option("--allow-empty", help="In mirror mode, accept an input without customer ids and "
                     "remove every member (members who responded stay unless --remove-responded)."),
    ] = False,
    create_status: Annotated[
        bool, typer.Option("--create-status", help="Create --status on the campaign when it is missing.")
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan and its API cost; write nothing.")] = False,
    bulk_threshold: Annotated[
        int, typer.Option("--bulk-threshold", min=1, help="Rows from which --route auto uses Bulk API 2.0.")
    ] = DEFAULT_BULK_THRESHOLD,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, help="Composite write requests in flight at once for the campaign.")
    ] = DEFAULT_CONCURRENCY,
    as_json: JsonOption = False,
    profile: ProfileOption = None,
) -> None:
    """Assign customers to a segment as CampaignMembers, with an outcome for each one.

    Exit status: 0 when every row succeeded or was skipped (or a dry run planned it), 1 for an error, 2 when some or all rows failed, 3 when the daily API limit stopped the job (continue it later with `sfseg jobs resume JOB`).

    An input without customer ids (an empty file, only blank lines, a CSV header without rows, criteria that match no record) creates no job: the command says so, naming the input, and exits 0. In mirror mode such an input would remove every member, so the command exits 1 unless --allow-empty (or --criteria) says that an empty segment is meant.
    """
    from sfseg.cli.progress import RichProgress
    from sfseg.salesforce.errors import SalesforceError
    from sfseg.segments import assign as assign_module
    from sfseg.segments.customers import InputError
    from sfseg.segments.lease import JobLeaseHeldError, JobLeaseLostError
    from sfseg.segments.store import SegmentNotFoundError, Store
    from sfseg.segments.write import WriteOptions

    sources = sum(1 for given in (customer_ids, file, from_criteria) if given)
    if sources != 1:
        fail("Give the customers one way: ids as arguments, --file PATH, or --criteria.",
             "for example: sfseg assign SEGMENT --file customers.txt")  # fmt: skip
    if column is not None and file is None:
        fail("--column only applies to --file.", "add --file PATH with a CSV file")

    store = Store()
    with open_client(profile) as client:
        try:
            values = _customer_values(client, store, segment, customer_ids, file, column, from_criteria)
            if values is None:
                values = _no_customers(_source_text(file, column, from_criteria), mode, allow_empty or from_criteria,
                                       as_json)  # fmt: skip
            with RichProgress() as progress:
                result = assign_module.assign_customers(
                    client, store, segment, values, id_field="Id" if from_criteria else id_field,
                    status=status, mode=mode.value, route=route.value, dry_run=dry_run,
                    create_status=create_status, progress=progress,
                    tie_break=tie_break.value if tie_break else None, remove_responded=remove_responded,
                    bulk_threshold=bulk_threshold, write_options=WriteOptions(concurrency=concurrency),
                )  # fmt: skip
        except SalesforceError as error:
            _fail_for_run(error)
        except (InputError, SegmentNotFoundError, ValueError, LookupError) as error:
            _fail_with_hint(error)
        except (JobLeaseHeldError, JobLeaseLostError) as error:
            _fail_with_hint(error)
    _show_result(result, as_json)


def _fail_for_run(error: SalesforceError) -> NoReturn:
    """Exit like `fail_for`, after the notes a run added (which job is aborted, how to resume it)."""
    for note in getattr(error, "__notes__", ()):
        err_console.print(escape(str(note)), highlight=False, soft_wrap=True)
    fail_for(error)


def _fail_with_hint(error: Exception) -> NoReturn:
    """Exit with the error's message, and its next step on the `Fix:` line."""
    hint = getattr(error, "hint", None)
    # A KeyError's str() is the repr of its message; show the message itself.
    text = str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)
    if hint is None:
        # The store's lookup errors put the next step after "; run `...`".
        text, separator, rest = text.partition("; run `")
        hint = f"run `{rest}" if separator else None
    fail(text, hint)


def _customer_values(
    client: Any,
    store: Store,
    segment: str,
    customer_ids: list[str] | None,
    file: Path | None,
    column: str | None,
    from_criteria: bool,
) -> Iterable[str] | None:
    """Return the customer ids of the one source given, or None when it contains none."""
    from sfseg.segments import assign as assign_module
    from sfseg.segments.customers import read_customer_file

    if customer_ids:
        return _peek(iter(customer_ids))
    if file is not None:
        values = read_customer_file(file, column=column)
        return _peek(values)
    found: Segment = store.get_segment(segment)
    return _peek(iter(assign_module.criteria_record_ids(client, found.soql_contact, found.soql_lead)))


def _peek(values: Iterator[str]) -> Iterator[str] | None:
    """Read up to the first non-blank value now; None when there is none.

    Reading ahead also makes a missing file or column fail before any work.
    """
    for value in values:
        if value.strip():
            return itertools.chain((value,), values)
    return None


def _source_text(file: Path | None, column: str | None, from_criteria: bool) -> str:
    if from_criteria:
        return "the segment's criteria (they match no record)"
    if file is None:
        return "the arguments (only blank values)"
    if column is not None:
        return f"column {column!r} of {str(file)!r}"
    return repr(str(file))


def _no_customers(source: str, mode: ModeChoice, allow_empty: bool, as_json: bool) -> list[str]:
    """Exit 0 with a message for an input without customer ids, or return [] for a mirror that empties."""
    if mode is ModeChoice.mirror:
        if allow_empty:
            return []
        fail(f"No customer ids in {source}; in mirror mode this would remove every member.",
             "pass --allow-empty to empty the segment on purpose, or check the input")  # fmt: skip
    message = f"No customer ids in {source}: nothing to assign, no job created."
    if as_json:
        print_json({"job_id": None, "state": "no_customers", "counts": {}, "items": [], "message": message})
    else:
        console.print(escape(message))
    raise typer.Exit(code=0)


@jobs_app.command("list")
def jobs_list(
    segment: Annotated[str | None, typer.Option("--segment", help="Only this segment's jobs (id, name, key or Campaign id).")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Show at most this many jobs, newest first.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """List assignment jobs, newest first."""
    from sfseg.segments import jobs
    from sfseg.segments.store import Store

    store = Store()
    try:
        segment_id = store.get_segment(segment).id if segment else None
    except LookupError as error:
        _fail_with_hint(error)
    summaries = jobs.list_jobs(store, segment_id=segment_id, limit=limit)
    if as_json:
        print_json([summary.to_json() for summary in summaries])
        return
    if not summaries:
        console.print("No jobs yet; start one with `sfseg assign SEGMENT ...`.")
        return
    table = Table()
    add_key_column(table, "job", min_width=len(summaries[0].id))
    add_key_column(table, "segment", min_width=len(summaries[0].segment_id))
    for header in ("kind", "mode", "state", "route", "outcomes", "API calls", "created at"):
        table.add_column(header)
    for summary in summaries:
        table.add_row(
            summary.id, summary.segment_id, summary.kind, summary.mode, _state_text(summary), summary.route,
            _mode_counts(summary.mode, summary.counts), str(summary.api_calls), _utc_text(summary.created_at),
        )  # fmt: skip
    console.print(table)


def _state_text(summary: JobSummary) -> str:
    """Return the state, with the process running the job when its lease is live."""
    lease = summary.lease
    if lease is None or not lease.is_live():
        return str(summary.state)
    return f"{summary.state} (process {lease.pid} on {escape(lease.host)})"


def _lease_line(summary: JobSummary) -> str | None:
    """Describe the job's lease for `jobs show`; None when no process holds it."""
    lease = summary.lease
    if lease is None:
        return None
    if lease.is_live():
        return (f"Running in {escape(lease.describe())}; its lease expires at "
                f"{_utc_text(lease.expires_at)} unless that process renews it.")  # fmt: skip
    return (f"Last run by {escape(lease.describe())}, which is gone or stopped renewing its "
            f"lease; `sfseg jobs resume {summary.id}` takes the job over.")  # fmt: skip


def _mode_counts(mode: str, counts: dict[str, int]) -> str:
    """Format the counts that matter for a job's mode, such as `removed 1, skipped 0, failed 0`."""
    from sfseg.segments import assign as assign_module

    names = list(_MODE_COUNTS.get(mode, assign_module.COUNT_KEYS))
    names += [name for name, count in counts.items() if count and name not in names]
    return ", ".join(f"{name.replace('_member', '')} {counts.get(name, 0)}" for name in names)


def _utc_text(value: dt.datetime) -> str:
    # The store keeps UTC; SQLite hands it back without a zone.
    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@jobs_app.command("show")
def jobs_show(
    job_id: Annotated[str, typer.Argument(help="Job id (job_...).")],
    as_json: JsonOption = False,
) -> None:
    """Show one job: state, counts and every item's outcome."""
    from sfseg.segments import assign as assign_module
    from sfseg.segments import jobs
    from sfseg.segments.store import Store

    store = Store()
    try:
        summary = jobs.get_job(store, job_id)
    except jobs.JobNotFoundError as error:
        _fail_with_hint(error)
    items = jobs.load_items(store, job_id)
    results = [assign_module.ItemResult.from_item(item) for item in items]
    if as_json:
        print_json({**summary.to_json(), "items": [result.to_json() for result in results]})
        return
    console.print(f"[bold]{summary.id}[/] {summary.kind} {summary.mode} on {summary.segment_id}: "
                  f"[bold]{summary.state}[/], route {summary.route}, {plural(summary.api_calls, 'API call')}")  # fmt: skip
    lease_line = _lease_line(summary)
    if lease_line is not None:
        console.print(lease_line)
    if summary.error:
        console.print(f"[yellow]{escape(summary.error)}[/]")
    console.print(_counts_line(summary.counts))
    console.print(_items_table(results))


@jobs_app.command("resume")
def jobs_resume(
    job_id: Annotated[str, typer.Argument(help="Job id (job_...).")],
    as_json: JsonOption = False,
    profile: ProfileOption = None,
) -> None:
    """Continue a job stopped by the daily limit or an error, or killed mid-run.

    Exit status as for `sfseg assign`: 0, 1 for an error, 2 when rows failed, 3 when the
    daily API limit stopped it again.
    """
    from sfseg.cli.progress import RichProgress
    from sfseg.salesforce.errors import SalesforceError
    from sfseg.segments import assign as assign_module
    from sfseg.segments import jobs
    from sfseg.segments.lease import JobLeaseHeldError, JobLeaseLostError, live_holder
    from sfseg.segments.store import Store

    store = Store()
    try:
        # Checked before connecting: an unknown, finished or running job needs no credentials.
        assign_module.check_resumable(jobs.get_job(store, job_id))
        holder = live_holder(store, job_id)
        if holder is not None:
            raise JobLeaseHeldError(job_id, holder)
    except (LookupError, ValueError, JobLeaseHeldError) as error:
        _fail_with_hint(error)
    with open_client(profile) as client:
        try:
            with RichProgress() as progress:
                result = assign_module.resume_job(client, store, job_id, progress=progress)
        except SalesforceError as error:
            _fail_for_run(error)
        except (LookupError, ValueError, JobLeaseHeldError, JobLeaseLostError) as error:
            _fail_with_hint(error)
    _show_result(result, as_json)


def _show_result(result: assign_module.AssignResult, as_json: bool) -> None:
    if as_json:
        print_json(result.to_json())
    else:
        print_result(result)
    if result.state in ("partial", "failed"):
        raise typer.Exit(code=EXIT_ROWS_FAILED)
    if result.state == "limit_reached":
        raise typer.Exit(code=EXIT_LIMIT_REACHED)


def plural(count: int, noun: str) -> str:
    """Return the count with the noun, adding an s unless the count is one (`1 API call`, `2 API calls`)."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def print_result(result: assign_module.AssignResult) -> None:
    """Print an assignment's or refresh's result for people: the plan of a dry run, or the job's outcome."""
    if result.plan is not None and result.dry_run:
        _print_plan(result.plan)
    else:
        console.print(f"Job [bold]{result.job_id}[/]: [bold]{result.state}[/] on campaign "
                      f"{result.campaign_id}, route {result.route}, {plural(result.api_calls, 'API call')}.")  # fmt: skip
    console.print(_counts_line(result.counts))
    if result.repeats:
        console.print(escape(_repeats_line(result.repeats)), highlight=False, soft_wrap=True)
    if result.converted_leads:
        contacts = "its contact" if result.converted_leads == 1 else "their contacts"
        console.print(f"{plural(result.converted_leads, 'converted lead')} replaced by {contacts} "
                      "(reason converted_lead).")  # fmt: skip
    console.print(_items_table(result.items))
    if result.error:
        err_console.print(f"[yellow]{escape(result.error)}[/]")


def _print_plan(plan: dict[str, Any]) -> None:
    console.print(
        f"[bold]Plan[/] (dry run, nothing written): {plan['add']:,} to add, {plan['update']:,} to update, "
        f"{plan['remove']:,} to remove, {plan.get('unchanged', 0):,} unchanged, {plan['skipped']:,} skipped; "
        f"route {plan['route']} ({plan['route_reason']})."
    )
    console.print(_cost_line(plan))
    responders = int(plan.get("kept_responded") or 0)
    if responders:
        subject, them = ("member who responded is", "it") if responders == 1 else ("members who responded are", "them")
        console.print(f"{responders:,} {subject} kept although no longer matching (counted as skipped, reason "
                      f"responded); --remove-responded removes {them} too.")  # fmt: skip
    if plan.get("status_to_create"):
        console.print(f"Status {escape(repr(plan['status_to_create']))} would be created on the campaign.")


def _cost_line(plan: dict[str, Any]) -> str:
    """State the API cost: calls spent on planning, calls estimated for writing, and their total."""
    write = int(plan["estimated_api_calls"])
    planning = plan.get("planning_api_calls")
    if planning is None:
        return f"About {plural(write, 'API call')} to write and reconcile."
    total = int(plan.get("total_api_calls", write + planning))
    return (f"API cost: about {plural(total, 'API call')} in all: {planning:,} spent on planning "
            f"(reading the records and the current members) and about {write:,} to write and reconcile.")  # fmt: skip


def _repeats_line(repeats: Sequence[Repeat]) -> str:
    """Name the first repeated values as given, with the count of the rest."""
    named = ", ".join(repr(repeat.given) for repeat in repeats[:REPEATS_NAMED])
    rest = len(repeats) - REPEATS_NAMED
    more = f" and {rest} more (--json lists them all)" if rest > 0 else ""
    if len(repeats) == 1:
        return f"1 repeated customer id folded into its first occurrence: {named}."
    return f"{len(repeats)} repeated customer ids folded into their first occurrence: {named}{more}."


def _counts_line(counts: dict[str, int]) -> str:
    from sfseg.segments import assign as assign_module

    shown = [f"{name} {counts.get(name, 0)}" for name in assign_module.COUNT_KEYS]
    if counts.get("pending"):
        shown.append(f"pending {counts['pending']}")
    return ", ".join(shown)


def _items_table(items: Sequence[assign_module.ItemResult]) -> Table:
    table = Table()
    add_key_column(table, "customer")
    add_key_column(table, "record")
    for header in ("object", "action", "outcome", "code", "message"):
        table.add_column(header, overflow="fold")
    for item in items[:TABLE_ITEMS]:
        # The action separates a dry run's pending rows to add from those to remove.
        action = "" if item.action == "none" else item.action
        table.add_row(
            escape(item.customer_id), item.resolved_id or "", item.object or "", action, item.outcome,
            item.error_code or "", escape(item.message or ""),
        )  # fmt: skip
    if len(items) > TABLE_ITEMS:
        table.caption = f"first {TABLE_ITEMS} of {len(items)} items; --json lists them all"
    return table
