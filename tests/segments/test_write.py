"""The member writer against a scripted Composite endpoint: chunks, retries, lost responses."""

from __future__ import annotations

import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from sfseg import soql
from sfseg.salesforce import CompositeSubresponse, SalesforceClient
from sfseg.salesforce.errors import QuotaExceededError, SalesforceError, WriteOutcomeUnknownError
from sfseg.segments import jobs
from sfseg.segments.customers import parse_customers
from sfseg.segments.jobs import ItemState
from sfseg.segments.plan import Action, Outcome
from sfseg.segments.store import Store
from sfseg.segments.store.models import Segment
from sfseg.segments.write import LimitReachedError, WriteOptions, Writer
from sfseg.soql import ast

CAMPAIGN = "701000000000001AAA"


class FakeOrg:
    """A campaign's members behind a Composite endpoint; `fail` can break chosen calls."""

    def __init__(self) -> None:
        self.members: dict[str, str] = {}
        self.calls: list[list[dict[str, Any]]] = []
        self.lock = threading.Lock()
        self.row_errors: dict[str, list[str]] = {}
        self.fail: Callable[[int, list[dict[str, Any]]], SalesforceError | None] = lambda _n, _s: None
        self.api_calls = 0

    def data_path(self, suffix: str) -> str:
        return f"/services/data/v66.0/{suffix}"

    def composite(self, subrequests: Sequence[dict[str, Any]], *, all_or_none: bool = False) -> list[CompositeSubresponse]:
        with self.lock:
            self.api_calls += 1
            self.calls.append(list(subrequests))
            number = len(self.calls)
            answers = [self._answer(s) for s in subrequests]
        error = self.fail(number, list(subrequests))
        if error is not None:
            raise error
        return answers

    def _answer(self, subrequest: dict[str, Any]) -> CompositeSubresponse:
        if subrequest["method"] == "GET":
            return CompositeSubresponse(subrequest["referenceId"], 200, self._query(subrequest["url"]))
        results = [self._insert(record) for record in subrequest["body"]["records"]]
        return CompositeSubresponse(subrequest["referenceId"], 200, results)

    def _insert(self, record: dict[str, Any]) -> dict[str, Any]:
        record_id = record.get("ContactId") or record["LeadId"]
        queued = self.row_errors.get(record_id)
        if queued:
            code = queued.pop(0)
            return {"success": False, "errors": [{"statusCode": code, "message": "locked", "fields": []}]}
        if record_id in self.members:
            return {"success": False, "errors": [{"statusCode": "DUPLICATE_VALUE", "message": "Already a campaign member.", "fields": []}]}
        member_id = f"00v{len(self.members):015d}"
        self.members[record_id] = member_id
        return {"success": True, "id": member_id, "errors": []}

    def _query(self, url: str) -> dict[str, Any]:
        text = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["q"][0]
        where = soql.parse(text).where
        assert isinstance(where, ast.And)
        in_list = where.items[1]
        assert isinstance(in_list, ast.Comparison) and isinstance(in_list.right, ast.ListValue)
        wanted = {item.value for item in in_list.right.items if isinstance(item, ast.StringLiteral)}
        records = [{"Id": member_id, "ContactId": record_id, "LeadId": None, "Status": "Sent", "HasResponded": False}
                   for record_id, member_id in self.members.items() if record_id in wanted]  # fmt: skip
        return {"totalSize": len(records), "done": True, "records": records}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{tmp_path / 'write.db'}") as opened:
        with opened.session() as session:
            session.add(Segment(id="seg_000000000001", key="k", name="W", target="contact",
                                criteria_kind="where", criteria_text="x", campaign_id=CAMPAIGN))  # fmt: skip
        yield opened


def _items(store: Store, count: int) -> list[ItemState]:
    record_ids = [f"003{i:012d}" for i in range(count)]
    _, items = jobs.create_job(store, segment_id="seg_000000000001", kind="assign", mode="add", route="rest",
                               status_label=None, id_field="Id", params={},
                               customers=parse_customers(record_ids, id_field="external"))  # fmt: skip
    for item in items:
        item.resolved_id, item.sobject, item.action = item.customer_id, "Contact", Action.ADD
    return items


def _writer(org: FakeOrg, store: Store, sleeps: list[float] | None = None, concurrency: int = 2) -> Writer:
    sink = sleeps if sleeps is not None else []
    options = WriteOptions(concurrency=concurrency, retry_wait_s=1.5, sleep=sink.append)
    client: SalesforceClient = org  # type: ignore[assignment]
    return Writer(client, store, CAMPAIGN, status=None, options=options)


def _record_counts(org: FakeOrg) -> list[list[int]]:
    return [[len(s["body"]["records"]) for s in call if s["method"] == "POST"] for call in org.calls]


def test_chunks_of_five_collections(store: Store) -> None:
    """2,500 rows go out as 3 Composite calls of at most five 200-record collections."""
    org = FakeOrg()
    items = _items(store, 2500)
    _writer(org, store).write_rest(items)
    assert sorted(_record_counts(org)) == [[200, 200, 100], [200] * 5, [200] * 5]
    assert {item.outcome for item in items} == {Outcome.CREATED}
    assert {i.outcome for i in jobs.load_items(store, _job_id(store))} == {Outcome.CREATED}


def _job_id(store: Store) -> str:
    (summary,) = jobs.list_jobs(store)
    return summary.id


def test_lock_rows_retried_alone(store: Store) -> None:
    """Rows that hit UNABLE_TO_LOCK_ROW are sent again alone, after one wait."""
    org = FakeOrg()
    items = _items(store, 450)
    org.row_errors = {items[10].customer_id: ["UNABLE_TO_LOCK_ROW"], items[300].customer_id: ["UNABLE_TO_LOCK_ROW"]}
    sleeps: list[float] = []
    _writer(org, store, sleeps, concurrency=1).write_rest(items)
    assert _record_counts(org) == [[200, 200, 50], [2]]
    assert sleeps == [1.5]
    assert len(org.members) == 450
    assert {item.outcome for item in items} == {Outcome.CREATED}


def test_lock_rows_give_up(store: Store) -> None:
    """A row still locked after the retries is failed with UNABLE_TO_LOCK_ROW."""
    org = FakeOrg()
    items = _items(store, 3)
    org.row_errors = {items[0].customer_id: ["UNABLE_TO_LOCK_ROW"] * 10}
    sleeps: list[float] = []
    _writer(org, store, sleeps).write_rest(items)
    assert items[0].outcome is Outcome.FAILED
    assert items[0].error_code == "UNABLE_TO_LOCK_ROW"
    assert sleeps == [1.5, 3.0, 4.5]


def test_duplicate_is_already_member(store: Store) -> None:
    """DUPLICATE_VALUE on insert records already_member."""
    org = FakeOrg()
    items = _items(store, 2)
    org.members[items[0].customer_id] = "00v000000000000009"
    _writer(org, store).write_rest(items)
    assert [item.outcome for item in items] == [Outcome.ALREADY_MEMBER, Outcome.CREATED]


def test_lost_answer_looked_up_not_resent(store: Store) -> None:
    """A chunk applied whose response was lost is looked up, not written twice."""
    org = FakeOrg()
    items = _items(store, 1200)
    org.fail = lambda number, _subs: WriteOutcomeUnknownError("dropped") if number == 1 else None
    _writer(org, store, concurrency=1).write_rest(items)
    posted = sum(sum(counts) for counts in _record_counts(org))
    assert posted == 1200
    assert len(org.members) == 1200
    assert {item.outcome for item in items} == {Outcome.CREATED}
    assert any(s["method"] == "GET" for call in org.calls for s in call)


def test_daily_limit_stops_with_journal(store: Store) -> None:
    """The daily limit raises LimitReachedError; unsent rows stay pending with no attempt."""
    org = FakeOrg()
    items = _items(store, 3000)
    org.fail = lambda number, _subs: QuotaExceededError("TotalRequests Limit exceeded.") if number == 2 else None
    with pytest.raises(LimitReachedError):
        _writer(org, store, concurrency=1).write_rest(items)
    saved = jobs.load_items(store, _job_id(store))
    assert sum(1 for i in saved if i.outcome is Outcome.CREATED) == 1000
    assert sum(1 for i in saved if i.outcome_unknown) == 1000
    assert sum(1 for i in saved if i.outcome is Outcome.PENDING and i.attempts == 0) == 1000


class SlowOrg(FakeOrg):
    """A FakeOrg whose Composite calls take 50 ms, counting how many overlap."""

    def __init__(self) -> None:
        super().__init__()
        self.in_flight = 0
        self.max_in_flight = 0

    def composite(self, subrequests: Sequence[dict[str, Any]], *, all_or_none: bool = False) -> list[CompositeSubresponse]:
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            time.sleep(0.05)  # long enough for the writer to start the next request
            return super().composite(subrequests, all_or_none=all_or_none)
        finally:
            with self.lock:
                self.in_flight -= 1


@pytest.mark.parametrize("concurrency", [1, 2, 3])
def test_concurrency_bound(store: Store, concurrency: int) -> None:
    """No more Composite writes are in flight for the campaign than the concurrency allows."""
    org = SlowOrg()
    items = _items(store, 6000)
    _writer(org, store, concurrency=concurrency).write_rest(items)
    assert org.max_in_flight <= concurrency
    assert org.max_in_flight >= min(concurrency, 2)
    assert len(org.members) == 6000
