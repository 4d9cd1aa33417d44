"""Retries, quota and write safety against the live sandbox with injected faults."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sfseg.salesforce import (
    QuotaExceededError,
    SalesforceClient,
    WriteOutcomeUnknownError,
)

from .conftest import Sleeps, admin, set_faults


def test_503_twice_then_success(fresh_sandbox, connect: Callable[..., SalesforceClient], sleeps: Sleeps) -> None:
    """Two SERVER_UNAVAILABLE responses are retried and the third call returns the rows."""
    client = connect(fresh_sandbox)
    client.create("Account", {"Name": "Acme"})
    set_faults(fresh_sandbox, {"method": "GET", "path": "^/query", "fault": "SERVER_UNAVAILABLE", "times": 2})
    rows = list(client.query("SELECT Name FROM Account"))
    assert [r["Name"] for r in rows] == ["Acme"]
    assert sleeps == [1.0, 2.0]


def test_concurrency_limit_growing_waits(fresh_sandbox, connect: Callable[..., SalesforceClient], sleeps: Sleeps) -> None:
    """Two concurrency-limit responses are retried after growing waits."""
    client = connect(fresh_sandbox)
    set_faults(fresh_sandbox, {"path": "^/limits", "fault": "REQUEST_LIMIT_EXCEEDED", "times": 2})
    assert client.limits()["DailyApiRequests"]["Max"] == 100_000
    assert sleeps == [1.0, 2.0]
    assert sleeps[1] > sleeps[0]


def test_daily_limit_raises_at_once(fresh_sandbox, connect: Callable[..., SalesforceClient], sleeps: Sleeps) -> None:
    """The daily limit raises QuotaExceededError on the first response: no retry and no token refresh."""
    client = connect(fresh_sandbox)
    client.limits()
    set_faults(fresh_sandbox, {"path": "^/limits", "fault": "DAILY_LIMIT"})
    with pytest.raises(QuotaExceededError, match="403 REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded."):
        client.limits()
    assert sleeps == []
    assert client.token_refreshes == 0
    assert client.api_calls == 2


def test_reserve_stops_client(fresh_sandbox, connect: Callable[..., SalesforceClient]) -> None:
    """With 10% reserved, the client stops before the call that would use the reserve."""
    admin(fresh_sandbox, "PUT", "limits", {"used": 85, "max": 100})
    client = connect(fresh_sandbox, reserve_fraction=0.1)
    for _ in range(5):
        client.describe_global()
    assert client.api_usage is not None
    assert (client.api_usage.used, client.api_usage.max) == (90, 100)
    with pytest.raises(QuotaExceededError, match="not sent: daily API usage 90/100"):
        client.describe_global()
    assert admin(fresh_sandbox, "GET", "limits")["used"] == 90


def test_lock_errors_retry_two_records(fresh_sandbox, connect: Callable[..., SalesforceClient], sleeps: Sleeps) -> None:
    """UNABLE_TO_LOCK_ROW on two records of 600 re-sends only those two, after one wait."""
    client = connect(fresh_sandbox)
    set_faults(
        fresh_sandbox,
        {"path": "^/composite/sobjects", "fault": "UNABLE_TO_LOCK_ROW", "records": 1.0, "after": 250, "times": 2},
    )
    records = [{"LastName": f"Lock{i:03d}"} for i in range(600)]
    results = client.collections.create(records, sobject="Contact")
    assert len(results) == 600
    assert all(r.success for r in results)
    assert sleeps == [1.0]
    assert client.api_calls == 4  # three batches of 200, then one call with the two locked records
    names = [r["LastName"] for r in client.query("SELECT LastName FROM Contact ORDER BY LastName")]
    assert names == [f"Lock{i:03d}" for i in range(600)]


def test_dropped_create_not_replayed(fresh_sandbox, connect: Callable[..., SalesforceClient], sleeps: Sleeps) -> None:
    """A create whose response is dropped after the write raises WriteOutcomeUnknownError and is sent once."""
    client = connect(fresh_sandbox)
    set_faults(fresh_sandbox, {"method": "POST", "path": "^/sobjects/Account", "fault": "DROP_AFTER", "times": 1})
    with pytest.raises(WriteOutcomeUnknownError, match="the write may have been applied"):
        client.create("Account", {"Name": "Dropped"})
    assert sleeps == []
    set_faults(fresh_sandbox)
    assert client.count("SELECT Id FROM Account WHERE Name = 'Dropped'") == 1


def test_dropped_update_replayed(fresh_sandbox, connect: Callable[..., SalesforceClient], sleeps: Sleeps) -> None:
    """An update whose response is dropped is sent again, and the record gets the new value."""
    client = connect(fresh_sandbox)
    record_id = client.create("Account", {"Name": "Before"})
    set_faults(fresh_sandbox, {"method": "PATCH", "path": "^/sobjects/Account", "fault": "DROP_AFTER", "times": 1})
    client.update("Account", record_id, {"Name": "After"})
    assert sleeps == [1.0]
    assert client.get("Account", record_id, ["Name"])["Name"] == "After"


def test_create_503_after_commit_not_replayed(fresh_sandbox, connect: Callable[..., SalesforceClient], sleeps: Sleeps) -> None:
    """A create that gets 503 after the org committed it raises WriteOutcomeUnknownError and is not sent again."""
    client = connect(fresh_sandbox)
    set_faults(fresh_sandbox, {"method": "POST", "path": "^/sobjects/Account", "fault": "COMMIT_THEN_503", "times": 1})
    with pytest.raises(WriteOutcomeUnknownError) as raised:
        client.create("Account", {"Name": "Committed"})
    assert str(raised.value) == (
        "503 SERVER_UNAVAILABLE: got HTTP 503 after sending, so the write may have been applied "
        "(POST /services/data/v66.0/sobjects/Account/); "
        "look the record up before sending it again, or write with upsert by external id"
    )
    assert sleeps == []
    assert client.count("SELECT Id FROM Account WHERE Name = 'Committed'") == 1


def test_query_timeout_retried_once(fresh_sandbox, connect: Callable[..., SalesforceClient], sleeps: Sleeps) -> None:
    """QUERY_TIMEOUT is retried once; a second timeout is raised."""
    from sfseg.salesforce import QueryTimeoutError

    client = connect(fresh_sandbox)
    set_faults(fresh_sandbox, {"method": "GET", "path": "^/query", "fault": "QUERY_TIMEOUT", "times": 2})
    with pytest.raises(QueryTimeoutError, match="400 QUERY_TIMEOUT"):
        list(client.query("SELECT Id FROM Account"))
    assert sleeps == [1.0]


def test_internal_error_retried_for_read(fresh_sandbox, connect: Callable[..., SalesforceClient], sleeps: Sleeps) -> None:
    """An HTTP 500 on a read is retried like a 503."""
    client = connect(fresh_sandbox)
    set_faults(fresh_sandbox, {"method": "GET", "path": "^/limits", "fault": "INTERNAL_ERROR", "times": 1})
    assert "DailyApiRequests" in client.limits()
    assert sleeps == [1.0]


def test_api_calls_match_org_count(fresh_sandbox, connect: Callable[..., SalesforceClient]) -> None:
    """The client's api_calls equals the calls the org counted."""
    client = connect(fresh_sandbox)
    client.limits()
    client.count("SELECT Id FROM Account")
    client.collections.create([{"Name": f"A{i}"} for i in range(250)], sobject="Account")
    stats = admin(fresh_sandbox, "GET", "stats")
    assert client.api_calls == 4
    assert stats["api_calls"] == 4
