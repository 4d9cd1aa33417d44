"""Composite calls that batch the analysis queries, and the query limits they keep to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sfseg.salesforce.errors import SalesforceError

__all__ = [
    "MAX_GROUPS",
    "QUERIES_PER_CALL",
    "SUBREQUESTS_PER_CALL",
    "Handler",
    "ErrorHandler",
]


# One aggregate query returns at most 2,000 groups (more raises EXCEEDED_ID_LIMIT).
MAX_GROUPS = 2000
# Composite: at most five query subrequests and 25 subrequests in all per call.
QUERIES_PER_CALL = 5
SUBREQUESTS_PER_CALL = 25

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
