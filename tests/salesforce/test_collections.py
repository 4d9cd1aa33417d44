"""sObject Collections on a mock transport: order, per-record errors, whole-call failures, retries."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from sfseg.salesforce import (
    InvalidRecordError,
    MultipleMatchesError,
    RecordErrorDetail,
    RecordResult,
    SalesforceClient,
    ValidationError,
    WriteOutcomeUnknownError,
)

from .conftest import Sleeps, json_response

OK = {"success": True, "errors": []}


def _fail(code: str, message: str, fields: list[str]) -> dict[str, Any]:
    return {"statusCode": code, "message": message, "fields": fields}


def test_update_two_failures_in_order(make_client: Callable[..., SalesforceClient]) -> None:
    """Four updates with failures on the second and fourth return two successes and two failures, in order."""
    bodies: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return json_response(200, [
            {"id": "003A", **OK},
            {"id": "003B", "success": False, "errors": [_fail("REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName]", ["LastName"])]},
            {"id": "003C", **OK},
            {"id": "003D", "success": False, "errors": [_fail("INVALID_EMAIL_ADDRESS", "Email: invalid email address: nope", ["Email"])]},
        ])

    client = make_client(handler)
    records = [{"Id": "003A", "LastName": "A"}, {"Id": "003B", "LastName": None}, {"Id": "003C"}, {"Id": "003D", "Email": "nope"}]
    results = client.collections.update(records, sobject="Contact")
    assert [r.success for r in results] == [True, False, True, False]
    assert results[1].errors == [RecordErrorDetail("REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName]", ["LastName"])]
    assert results[3].errors[0].status_code == "INVALID_EMAIL_ADDRESS"
    assert bodies[0]["allOrNone"] is False
    assert bodies[0]["records"][0] == {"Id": "003A", "LastName": "A", "attributes": {"type": "Contact"}}


def test_record_keeps_every_error(make_client: Callable[..., SalesforceClient]) -> None:
    """A record rejected with two errors reports both."""
    two = [_fail("REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName]", ["LastName"]),
           _fail("INVALID_EMAIL_ADDRESS", "Email: invalid email address: x", ["Email"])]
    client = make_client(lambda request: json_response(200, [{"success": False, "errors": two}]))
    [result] = client.collections.create([{"Email": "x"}], sobject="Contact")
    assert result == RecordResult(None, False, None, [
        RecordErrorDetail("REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName]", ["LastName"]),
        RecordErrorDetail("INVALID_EMAIL_ADDRESS", "Email: invalid email address: x", ["Email"]),
    ])


def test_single_create_reports_both_errors(make_client: Callable[..., SalesforceClient]) -> None:
    """A single-record create rejected with two errors raises one exception carrying both."""
    body = [{"message": "Required fields are missing: [LastName]", "errorCode": "REQUIRED_FIELD_MISSING", "fields": ["LastName"]},
            {"message": "Email: invalid email address: x", "errorCode": "INVALID_EMAIL_ADDRESS", "fields": ["Email"]}]
    client = make_client(lambda request: json_response(400, body))
    with pytest.raises(ValidationError) as raised:
        client.create("Contact", {"Email": "x"})
    assert [(e.error_code, e.fields) for e in raised.value.errors] == [
        ("REQUIRED_FIELD_MISSING", ("LastName",)), ("INVALID_EMAIL_ADDRESS", ("Email",))
    ]


def test_chunks_of_200(make_client: Callable[..., SalesforceClient]) -> None:
    """450 records go out in calls of 200, 200 and 50, and 450 results come back in input order."""
    sizes: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        records = json.loads(request.content)["records"]
        sizes.append(len(records))
        return json_response(200, [{"id": r["Name"], **OK} for r in records])

    client = make_client(handler)
    results = client.collections.create([{"Name": f"N{i}"} for i in range(450)], sobject="Account")
    assert sizes == [200, 200, 50]
    assert [r.id for r in results] == [f"N{i}" for i in range(450)]


def test_whole_call_failure_marks_records(make_client: Callable[..., SalesforceClient]) -> None:
    """A call rejected as a whole marks each of its records failed with that error; other calls go on."""
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            return json_response(400, [{"message": "Json Deserialization failed", "errorCode": "JSON_PARSER_ERROR"}])
        return json_response(200, [OK for _ in json.loads(request.content)["records"]])

    client = make_client(handler)
    results = client.collections.create([{"Name": f"N{i}"} for i in range(250)], sobject="Account")
    assert len(results) == 250
    assert all(r.errors == [RecordErrorDetail("JSON_PARSER_ERROR", "Json Deserialization failed", [])] for r in results[:200])
    assert all(r.success for r in results[200:])


@pytest.mark.parametrize("bad", [float("nan"), math.inf, -math.inf, Decimal("NaN"), Decimal("Infinity")])
def test_non_finite_rejected_before_sending(make_client: Callable[..., SalesforceClient], bad: Any) -> None:
    """NaN and infinity are rejected before sending, naming the record index and the field."""
    sent: list[httpx.Request] = []
    client = make_client(lambda request: sent.append(request) or json_response(200, []))
    with pytest.raises(InvalidRecordError, match="record 1 field Amount is"):
        client.collections.create([{"Name": "ok"}, {"Name": "bad", "Amount": bad}], sobject="Opportunity")
    assert sent == []


def test_lock_retry_only_locked(make_client: Callable[..., SalesforceClient], sleeps: Sleeps) -> None:
    """Records that failed with UNABLE_TO_LOCK_ROW alone are sent again after a wait."""
    sent: list[list[str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        names = [r["Name"] for r in json.loads(request.content)["records"]]
        sent.append(names)
        if len(sent) == 1:
            locked = _fail("UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record", [])
            return json_response(200, [{"success": False, "errors": [locked]} if n in ("B", "D") else {"id": n, **OK} for n in names])
        return json_response(200, [{"id": n, **OK} for n in names])

    client = make_client(handler)
    results = client.collections.create([{"Name": n} for n in "ABCDE"], sobject="Account")
    assert sent == [["A", "B", "C", "D", "E"], ["B", "D"]]
    assert [r.id for r in results] == ["A", "B", "C", "D", "E"]
    assert sleeps == [1.0]


def test_create_drop_stops_with_results(make_client: Callable[..., SalesforceClient]) -> None:
    """A create call whose response is lost stops the write and carries the results known so far."""
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise httpx.ReadError("connection reset", request=request)
        return json_response(200, [OK for _ in json.loads(request.content)["records"]])

    client = make_client(handler)
    with pytest.raises(WriteOutcomeUnknownError) as raised:
        client.collections.create([{"Name": f"N{i}"} for i in range(300)], sobject="Account")
    known = raised.value.record_results
    assert known is not None
    assert [r is not None for r in known].count(True) == 200
    assert calls == 2


def test_delete_ids_in_query(make_client: Callable[..., SalesforceClient]) -> None:
    """Deletes send ids and allOrNone=false in the query string."""
    urls: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        urls.append(request.url)
        return json_response(200, [{"id": i, **OK} for i in request.url.params["ids"].split(",")])

    client = make_client(handler)
    results = client.collections.delete(["001A", "001B"])
    assert [r.id for r in results] == ["001A", "001B"]
    assert urls[0].params["allOrNone"] == "false"


def test_upsert_300_lists_matches(make_client: Callable[..., SalesforceClient]) -> None:
    """An upsert that gets HTTP 300 raises MultipleMatchesError listing the matching ids."""
    body = ["/services/data/v66.0/sobjects/Campaign/701000000000001AAA", "/services/data/v66.0/sobjects/Campaign/701000000000002AAA"]
    client = make_client(lambda request: json_response(300, body))
    with pytest.raises(MultipleMatchesError) as raised:
        client.upsert("Campaign", "sfseg_Segment_Key__c", "seg-1", {"Name": "Spring"})
    assert raised.value.matches == ["701000000000001AAA", "701000000000002AAA"]
    assert str(raised.value) == (
        "300: 2 Campaign records have sfseg_Segment_Key__c = 'seg-1': 701000000000001AAA, 701000000000002AAA "
        "(PATCH /services/data/v66.0/sobjects/Campaign/sfseg_Segment_Key__c/seg-1); make the external id unique, then upsert again"
    )


def test_upsert_created_flag(make_client: Callable[..., SalesforceClient]) -> None:
    """An upsert that creates returns the id and created=True."""
    client = make_client(lambda request: json_response(201, {"id": "701X", "success": True, "errors": [], "created": True}))
    assert client.upsert("Campaign", "sfseg_Segment_Key__c", "seg-1", {"Name": "Spring"}) == ("701X", True)


def test_quota_stops_with_results(make_client: Callable[..., SalesforceClient]) -> None:
    """The daily limit in the second call stops the write, carrying the first call's results."""
    from sfseg.salesforce import QuotaExceededError

    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 2:
            return json_response(403, [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}])
        return json_response(200, [OK for _ in json.loads(request.content)["records"]])

    client = make_client(handler)
    with pytest.raises(QuotaExceededError) as raised:
        client.collections.update([{"Id": f"003{i:015d}"} for i in range(300)], sobject="Contact")
    known = raised.value.record_results
    assert known is not None
    assert [r is not None for r in known] == [True] * 200 + [False] * 100


def test_lost_retry_marks_unknown(make_client: Callable[..., SalesforceClient], sleeps: Sleeps) -> None:
    """When the re-send of locked records loses its response, those records are reported as unknown (None)."""
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise httpx.ReadTimeout("timed out", request=request)
        locked = _fail("UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record", [])
        return json_response(200, [{"id": "001A", **OK}, {"success": False, "errors": [locked]}])

    client = make_client(handler)
    with pytest.raises(WriteOutcomeUnknownError) as raised:
        client.collections.create([{"Name": "A"}, {"Name": "B"}], sobject="Account")
    known = raised.value.record_results
    assert known is not None
    assert known[0] == RecordResult("001A", True, None, [])
    assert known[1] is None
    assert sleeps == [1.0]


def test_naive_datetime_rejected(make_client: Callable[..., SalesforceClient]) -> None:
    """A datetime without a time zone is rejected before sending, naming the record and field."""
    import datetime as dt

    client = make_client(lambda request: pytest.fail("nothing may be sent"))
    with pytest.raises(InvalidRecordError, match="record 0 field EmailBouncedDate is the datetime 2021-08-11T12:52:08 without a time zone"):
        client.collections.update([{"Id": "003A", "EmailBouncedDate": dt.datetime(2021, 8, 11, 12, 52, 8)}], sobject="Contact")
