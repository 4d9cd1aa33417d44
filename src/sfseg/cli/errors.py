"""`sfseg errors`: list the error log, filtered by segment, job and time."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from sfseg.cli.common import JsonOption, add_key_column, console, fail, print_json
from sfseg.cli.failures import open_store, reported

if TYPE_CHECKING:
    from sfseg.segments.errorlog import ErrorRecord
    from sfseg.segments.store import Store

__all__ = ["errors_command", "parse_since", "register"]


def register(app: typer.Typer) -> None:
    """Add the `errors` command to the `sfseg` app."""
    app.command("errors")(errors_command)


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
        str | None, typer.Option("--segment", help="Only errors of this segment: id, name, key or Campaign id; a deleted segment by its id.")
    ] = None,
    job: Annotated[str | None, typer.Option("--job", help="Only errors of this job.")] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", help="Only errors from this time on: 2026-01-31, ...T08:00Z, 2h, 7d."
        ),
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Show at most this many errors (1 or more).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List the error log: every error sfseg caught, with its segment, job and customer."""
    from sfseg.segments.errorlog import list_errors

    store = open_store()
    try:
        start = parse_since(since) if since else None
    except ValueError as exc:
        fail(str(exc))
    segment_id = None if segment is None else _segment_id(store, segment)
    if job is not None:
        _check_job(store, job)
    records = list_errors(store, segment_id=segment_id, job_id=job, since=start, limit=limit)
    if as_json:
        print_json([record.to_json() for record in records])
        return
    if not records:
        console.print("No errors logged.")
        return
    console.print(_errors_table(records))


def _segment_id(store: Store, segment: str) -> str:
    """Resolve `--segment` to a segment id, or exit naming the reference when none matches.

    A deleted segment is gone from the store but its errors stay in the log, so an id
    found in log entries is accepted as it is.
    """
    from sfseg.segments.errorlog import list_errors
    from sfseg.segments.store import SegmentNotFoundError

    with reported(None, "errors"):
        try:
            return store.get_segment(segment).id
        except SegmentNotFoundError:
            if list_errors(store, segment_id=segment, limit=1):
                return segment
    fail(
        f"segment {segment!r} not found, and no logged error names it",
        "run `sfseg segments list` to see the segments, or give a deleted segment's id (seg_...)",
    )


def _check_job(store: Store, job: str) -> None:
    """Exit naming `--job` when neither the store nor the error log contains the job.

    Deleting a segment deletes its jobs, but their logged errors stay.
    """
    from sfseg.segments import jobs
    from sfseg.segments.errorlog import list_errors

    try:
        jobs.get_job(store, job)
    except jobs.JobNotFoundError:
        if not list_errors(store, job_id=job, limit=1):
            fail(f"job {job!r} not found, and no logged error names it", "run `sfseg jobs list` to see the jobs")


def _errors_table(records: list[ErrorRecord]) -> Table:
    table = Table(title="Error log")
    table.add_column("Time", overflow="fold")
    table.add_column("Operation", overflow="fold")
    add_key_column(table, "Segment", min_width=16)
    add_key_column(table, "Job", min_width=16)
    add_key_column(table, "Customer")
    for column in ("HTTP", "Code", "Attempt"):
        table.add_column(column, overflow="fold")
    # The message is the part people read, so it gets the room the other columns leave.
    table.add_column("Message", overflow="fold", ratio=1, min_width=30)
    for record in records:
        table.add_row(
            record.at.strftime("%Y-%m-%d %H:%M:%S"), record.operation, record.segment_id or "",
            record.job_id or "", escape(record.customer_id or ""),
            "" if record.http_status is None else str(record.http_status), record.error_code or "",
            str(record.attempt), escape(record.message),
        )  # fmt: skip
    return table
