"""Fields Salesforce computes on save, outside Campaign semantics: person names,
Opportunity stage flags, Case and Task closure, Event end times.

Each function takes the row as it will be stored (column → value, after the
changes of this write) and returns the derived columns to set.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sfseg.sandbox.clock import Clock
from sfseg.sandbox.standard_objects import (
    CLOSED_CASE_STATUSES,
    CLOSED_TASK_STATUSES,
    OPPORTUNITY_STAGES,
)
from sfseg.sandbox.values import format_datetime, parse_datetime

__all__ = ["derive"]

Row = dict[str, Any]


def full_name(row: Row) -> str | None:
    """Return `FirstName LastName` as Salesforce builds Contact/Lead/User.Name."""
    parts = [row.get("FirstName"), row.get("LastName")]
    text = " ".join(part for part in parts if part)
    return text or None


def _person(row: Row, old: Row | None, clock: Clock) -> Row:
    return {"Name": full_name(row)}


def _opportunity(row: Row, old: Row | None, clock: Clock) -> Row:
    stage = OPPORTUNITY_STAGES.get(row.get("StageName") or "")
    changes: Row = {
        "IsClosed": int(bool(stage and stage.closed)),
        "IsWon": int(bool(stage and stage.won)),
    }
    stage_changed = old is None or old.get("StageName") != row.get("StageName")
    if stage and stage_changed:
        # A stage change resets probability and forecast unless the write set them.
        if old is None and row.get("Probability") is None or old is not None and (
            row.get("Probability") == old.get("Probability")
        ):
            changes["Probability"] = float(stage.probability)
        if old is None and row.get("ForecastCategoryName") is None or old is not None and (
            row.get("ForecastCategoryName") == old.get("ForecastCategoryName")
        ):
            changes["ForecastCategoryName"] = stage.forecast
    if stage_changed:
        changes["LastStageChangeDate"] = format_datetime(clock.now())
    probability = changes.get("Probability", row.get("Probability"))
    amount = row.get("Amount")
    changes["ExpectedRevenue"] = (
        None if amount is None or probability is None else round(amount * probability / 100, 2)
    )
    close_date = row.get("CloseDate")
    if close_date:
        month = int(close_date[5:7])
        changes["FiscalYear"] = int(close_date[:4])
        changes["FiscalQuarter"] = (month - 1) // 3 + 1
    return changes


def _case(row: Row, old: Row | None, clock: Clock) -> Row:
    closed = (row.get("Status") or "") in CLOSED_CASE_STATUSES
    changes: Row = {"IsClosed": int(closed)}
    if closed and not (old and old.get("IsClosed")):
        changes["ClosedDate"] = format_datetime(clock.now())
    if not closed:
        changes["ClosedDate"] = None
    return changes


def _task(row: Row, old: Row | None, clock: Clock) -> Row:
    closed = (row.get("Status") or "") in CLOSED_TASK_STATUSES
    changes: Row = {
        "IsClosed": int(closed),
        "IsHighPriority": int(row.get("Priority") == "High"),
    }
    if closed and not (old and old.get("IsClosed")):
        changes["CompletedDateTime"] = format_datetime(clock.now())
    if not closed:
        changes["CompletedDateTime"] = None
    return changes


def _event(row: Row, old: Row | None, clock: Clock) -> Row:
    start_text = row.get("StartDateTime") or row.get("ActivityDateTime")
    changes: Row = {}
    if start_text is None:
        return changes
    start = parse_datetime(start_text)
    end_text = row.get("EndDateTime")
    duration = row.get("DurationInMinutes")
    duration_changed = old is not None and duration != old.get("DurationInMinutes")
    if duration is not None and (end_text is None or duration_changed):
        end = start + timedelta(minutes=int(duration))
    elif end_text is not None:
        end = parse_datetime(end_text)
        duration = int((end - start).total_seconds() // 60)
    else:
        end = start
        duration = 0
    changes.update(
        StartDateTime=format_datetime(start),
        ActivityDateTime=format_datetime(start),
        ActivityDate=start.date().isoformat(),
        EndDateTime=format_datetime(end),
        EndDate=end.date().isoformat(),
        DurationInMinutes=duration,
    )
    return changes


_DERIVERS: dict[str, Callable[[Row, Row | None, Clock], Row]] = {
    "Contact": _person,
    "Lead": _person,
    "User": _person,
    "Opportunity": _opportunity,
    "Case": _case,
    "Task": _task,
    "Event": _event,
}


def derive(sobject: str, row: Row, old: Row | None, clock: Clock) -> Row:
    """Return the columns Salesforce computes for `row` of `sobject` (empty if none).

    `old` is the stored row before an update, None on insert.
    """
    deriver = _DERIVERS.get(sobject)
    return deriver(row, old, clock) if deriver else {}
