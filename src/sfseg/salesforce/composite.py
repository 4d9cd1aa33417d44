"""Composite requests: up to 25 subrequests in one API call, and a builder that batches queries.

Salesforce limits one Composite call to 25 subrequests, of which at most 5 may
be queries or sObject Collections calls; the whole call counts as one API call.
`CompositeBuilder` splits a longer list over several calls.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import httpx

from sfseg.salesforce import wire
from sfseg.salesforce.describe import convert_record
from sfseg.salesforce.errors import (
    ConfigurationError,
    PagingLoopError,
    SalesforceError,
    error_from_response,
)
from sfseg.salesforce.query import soql_text

if TYPE_CHECKING:
    from sfseg.salesforce.client import SalesforceClient
    from sfseg.soql import ast

__all__ = ["MAX_HEAVY_SUBREQUESTS", "MAX_SUBREQUESTS", "CompositeBuilder", "CompositeSubresponse", "send_composite"]

MAX_SUBREQUESTS = 25
#: Queries (query, queryAll) and sObject Collections calls allowed in one Composite call.
MAX_HEAVY_SUBREQUESTS = 5


@dataclass(frozen=True, slots=True)
class CompositeSubresponse:
    """One subrequest's response: its `referenceId`, HTTP status, parsed body and headers."""

    reference_id: str
    http_status: int
    body: Any
    http_headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.http_status < 300

    def error(self, method: str = "", path: str = "") -> SalesforceError | None:
        """Build the exception for a failed subresponse; None when it succeeded."""
        if self.ok:
            return None
        response = httpx.Response(self.http_status, content=wire.dumps(self.body) if self.body is not None else b"")
        return error_from_response(response, method, path or f"composite:{self.reference_id}")


def _is_heavy(subrequest: Mapping[str, Any]) -> bool:
    url = str(subrequest.get("url", ""))
    return "/query" in url or "/composite/sobjects" in url


def check_subrequests(subrequests: Sequence[Mapping[str, Any]]) -> None:
    """Reject a list that one Composite call cannot carry."""
    if len(subrequests) > MAX_SUBREQUESTS:
        msg = f"{len(subrequests)} subrequests given; one Composite call takes at most {MAX_SUBREQUESTS}"
        raise ConfigurationError(msg, hint="use CompositeBuilder, which splits them over several calls")
    heavy = sum(1 for s in subrequests if _is_heavy(s))
    if heavy > MAX_HEAVY_SUBREQUESTS:
        msg = f"{heavy} query or collection subrequests given; one Composite call takes at most {MAX_HEAVY_SUBREQUESTS}"
        raise ConfigurationError(msg, hint="use CompositeBuilder, which splits them over several calls")


def send_composite(
    client: SalesforceClient, subrequests: Sequence[Mapping[str, Any]], *, all_or_none: bool = False
) -> list[CompositeSubresponse]:
    """POST `/composite` and return the subresponses in request order.

    Replayed after a lost response only when no subrequest is a POST, because a
    POST may create records that a second send would create again.
    """
    check_subrequests(subrequests)
    body = {"allOrNone": all_or_none, "compositeRequest": [dict(s) for s in subrequests]}
    replay_safe = all(str(s.get("method", "GET")).upper() != "POST" for s in subrequests)
    response = client.request("POST", client.data_path("composite"), json=body, replay_safe=replay_safe)
    data = wire.loads(response.content)
    return [
        CompositeSubresponse(
            reference_id=str(item.get("referenceId", "")),
            http_status=int(item.get("httpStatusCode", 0)),
            body=item.get("body"),
            http_headers=dict(item.get("httpHeaders") or {}),
        )
        for item in data.get("compositeResponse", [])
    ]


class CompositeBuilder:
    """Collects subrequests and sends them in as few Composite calls as the limits allow.

    Example::

        batch = CompositeBuilder(client)
        batch.add_query("contacts", "SELECT COUNT() FROM Contact")
        batch.add_query("leads", "SELECT COUNT() FROM Lead")
        responses = batch.execute()          # one API call
        responses["leads"].body["totalSize"]
    """

    def __init__(self, client: SalesforceClient) -> None:
        self._client = client
        self._subrequests: list[dict[str, Any]] = []

    def __len__(self) -> int:
        return len(self._subrequests)

    def add(self, method: str, url: str, reference_id: str, body: Any = None) -> None:
        """Add a subrequest; `url` starts with `/services/data/vXX.X/`."""
        if any(s["referenceId"] == reference_id for s in self._subrequests):
            msg = f"referenceId {reference_id!r} is used twice"
            raise ConfigurationError(msg, hint="give each subrequest its own referenceId")
        subrequest: dict[str, Any] = {"method": method, "url": url, "referenceId": reference_id}
        if body is not None:
            subrequest["body"] = body
        self._subrequests.append(subrequest)

    def add_query(self, reference_id: str, soql: str | ast.Query, *, include_deleted: bool = False) -> None:
        """Add a query (parsed first when given as text)."""
        resource = "queryAll/" if include_deleted else "query/"
        url = self._client.data_path(resource) + "?" + urlencode({"q": soql_text(soql)})
        self.add("GET", url, reference_id)

    def execute(self, *, all_or_none: bool = False) -> dict[str, CompositeSubresponse]:
        """Send every subrequest and return the subresponses by referenceId.

        Costs one API call per 25 subrequests, or per 5 queries and collections calls.
        """
        answers: dict[str, CompositeSubresponse] = {}
        for batch in self._batches():
            for answer in send_composite(self._client, batch, all_or_none=all_or_none):
                answers[answer.reference_id] = answer
        return answers

    def run_queries(self) -> dict[str, list[dict[str, Any]]]:
        """Execute, then return each query's typed records, following further pages.

        Raises:
            SalesforceError: the first failed subrequest's error.
        """
        results: dict[str, list[dict[str, Any]]] = {}
        for reference_id, answer in self.execute().items():
            error = answer.error("GET", f"composite:{reference_id}")
            if error is not None:
                raise error
            results[reference_id] = self._all_records(answer.body)
        return results

    def _all_records(self, page: dict[str, Any]) -> list[dict[str, Any]]:
        records = [convert_record(r, self._client.describe) for r in page.get("records") or ()]
        seen: set[str] = set()
        while not page.get("done", True) and page.get("nextRecordsUrl"):
            url = str(page["nextRecordsUrl"])
            if url in seen:
                msg = f"query page points back to {url}, which was already read; paging stopped"
                raise PagingLoopError(msg, method="GET", path=url, hint="run the query again")
            seen.add(url)
            page = self._client.get_json(url)
            records.extend(convert_record(r, self._client.describe) for r in page.get("records") or ())
        return records

    def _batches(self) -> list[list[dict[str, Any]]]:
        batches: list[list[dict[str, Any]]] = []
        current: list[dict[str, Any]] = []
        heavy = 0
        for subrequest in self._subrequests:
            weight = 1 if _is_heavy(subrequest) else 0
            if len(current) == MAX_SUBREQUESTS or heavy + weight > MAX_HEAVY_SUBREQUESTS:
                batches.append(current)
                current, heavy = [], 0
            current.append(subrequest)
            heavy += weight
        if current:
            batches.append(current)
        return batches
