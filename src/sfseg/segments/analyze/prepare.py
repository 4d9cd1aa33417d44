"""Analysis set-up done while a segment is created, so the first analysis costs no more
than a later one.

`create_segment` sends one Composite call with room for more queries, so it reads the
planning statistics of the default fields there when the store has none for the org.
It also makes the analysis report once per store (one Reports API call). Both are
optional: a failure goes to the error log and the analysis does the work later.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sfseg.salesforce.errors import SalesforceError
from sfseg.segments.analyze.report import _report_metadata, report_state_key
from sfseg.segments.analyze.statistics import (
    StatisticsQuery,
    default_statistics_query,
    load_statistics,
    save_statistics,
    statistics_key,
)
from sfseg.segments.store import Store

__all__ = ["PlannedStatistics", "ensure_report", "plan_statistics", "save_planned_statistics"]

logger = logging.getLogger("sfseg.segments")


@dataclass(frozen=True, slots=True)
class PlannedStatistics:
    """A statistics query to send in a Composite call, and where its result is stored."""

    query: StatisticsQuery
    key: str
    reference_id: str

    def subrequest(self, client: Any) -> dict[str, Any]:
        url = client.data_path("query/") + "?q=" + quote(self.query.soql, safe="")
        return {"method": "GET", "url": url, "referenceId": self.reference_id}


def plan_statistics(
    client: Any, store: Store, objects: Sequence[str], room: int
) -> list[PlannedStatistics]:
    """Return up to `room` statistics queries, one per object with none stored."""
    planned: list[PlannedStatistics] = []
    for sobject in objects:
        query, spec = default_statistics_query(sobject)
        key = statistics_key(client.instance_url, sobject, spec)
        if len(planned) < room and load_statistics(store, key) is None:
            planned.append(PlannedStatistics(query, key, f"statistics{sobject}"))
    return planned


def save_planned_statistics(
    store: Store, planned: Sequence[PlannedStatistics], answers: Mapping[str, Any], segment_id: str
) -> None:
    """Store each statistics result. A failed one goes to the error log, and the first
    analysis reads the statistics itself."""
    from sfseg.segments.errorlog import record_error

    for item in planned:
        answer = answers[item.reference_id]
        error = answer.error("GET", f"query {item.query.soql[:80]}")
        if error is not None:
            record_error(store, operation="create.statistics", error=error, segment_id=segment_id)
            continue
        records = [dict(r) for r in (answer.body or {}).get("records") or ()]
        save_statistics(store, item.key, item.query.read(records))


def ensure_report(client: Any, store: Store, campaign_id: str, segment_id: str) -> str | None:
    """Make the analysis report unless the store has one; return a note when that failed."""
    state_key = report_state_key(client.instance_url)
    if store.get_state(state_key) is not None:
        return None
    try:
        report_id = client.reports.create(_report_metadata(campaign_id))
    except SalesforceError as exc:
        from sfseg.segments.errorlog import record_error

        record_error(store, operation="create.report", error=exc, segment_id=segment_id)
        return f"analysis report not created ({exc}); `sfseg analyze` tries again"
    store.set_state(state_key, report_id)
    logger.info("analysis report %s created", report_id)
    return None
