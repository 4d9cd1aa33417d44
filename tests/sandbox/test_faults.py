"""Fault injection on a live sandbox: every kind, rule selection, determinism, drops."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from sfseg.sandbox.faults import FaultInjector
from sfseg.sandbox.server import SandboxInfo, run_sandbox


def _set_faults(info: SandboxInfo, *rules: dict[str, Any], seed: int = 7) -> httpx.Response:
    response = httpx.put(f"{info.url}/__sandbox/faults", json={"seed": seed, "rules": list(rules)})
    assert response.status_code == 200, response.text
    return response


def _count(http: httpx.Client, sobject: str) -> int:
    total: int = http.get("/query", params={"q": f"SELECT Id FROM {sobject}"}).json()["totalSize"]
    return total


@pytest.mark.parametrize(
    ("fault", "status", "code", "message"),
    [
        ("REQUEST_LIMIT_EXCEEDED", 403, "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded."),
        ("DAILY_LIMIT", 403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
        ("SERVER_UNAVAILABLE", 503, "SERVER_UNAVAILABLE", None),
        ("INTERNAL_ERROR", 500, "UNKNOWN_EXCEPTION", None),
        ("UNABLE_TO_LOCK_ROW", 400, "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record"),
        ("QUERY_TIMEOUT", 400, "QUERY_TIMEOUT", "Your query request was running for too long."),
    ],
)
def test_request_fault_responses(
    fresh_sandbox: SandboxInfo,
    fresh_http: httpx.Client,
    fault: str,
    status: int,
    code: str,
    message: str | None,
) -> None:
    """Each request-level kind returns its status and errorCode in place of the org's response."""
    _set_faults(fresh_sandbox, {"method": "POST", "path": "^/sobjects/Account$", "fault": fault, "times": 1})
    faulted = fresh_http.post("/sobjects/Account", json={"Name": "A"})
    retried = fresh_http.post("/sobjects/Account", json={"Name": "A"})
    assert faulted.status_code == status
    assert faulted.json()[0]["errorCode"] == code
    if message is not None:
        assert faulted.json()[0]["message"] == message
    assert retried.status_code == 201
    assert _count(fresh_http, "Account") == 1


def test_invalid_session_fault_expires_token(fresh_sandbox: SandboxInfo, fresh_http: httpx.Client) -> None:
    """INVALID_SESSION_ID returns 401 and the token stays expired afterwards."""
    _set_faults(fresh_sandbox, {"path": "^/limits", "fault": "INVALID_SESSION_ID", "times": 1})
    first = fresh_http.get("/limits")
    second = fresh_http.get("/sobjects")
    assert first.status_code == 401
    assert first.json()[0]["errorCode"] == "INVALID_SESSION_ID"
    assert second.status_code == 401


def test_delay_fault(fresh_sandbox: SandboxInfo, fresh_http: httpx.Client) -> None:
    """DELAY:ms delays the response that long, then returns normally."""
    _set_faults(fresh_sandbox, {"path": "^/limits", "fault": "DELAY:200", "times": 1})
    started = time.perf_counter()
    response = fresh_http.get("/limits")
    assert response.status_code == 200
    assert time.perf_counter() - started >= 0.2


def test_drop_before_closes_without_writing(fresh_sandbox: SandboxInfo, fresh_http: httpx.Client) -> None:
    """DROP_BEFORE closes the connection with no response and writes nothing."""
    _set_faults(fresh_sandbox, {"method": "POST", "path": "^/sobjects/Account$", "fault": "DROP_BEFORE", "times": 1})
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        fresh_http.post("/sobjects/Account", json={"Name": "Dropped"})
    assert _count(fresh_http, "Account") == 0


def test_drop_after_commits_then_closes(fresh_sandbox: SandboxInfo, fresh_http: httpx.Client) -> None:
    """DROP_AFTER commits the write, then closes the connection with no response."""
    _set_faults(fresh_sandbox, {"method": "POST", "path": "^/sobjects/Account$", "fault": "DROP_AFTER", "times": 1})
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        fresh_http.post("/sobjects/Account", json={"Name": "Written"})
    assert _count(fresh_http, "Account") == 1


def test_commit_then_503(fresh_sandbox: SandboxInfo, fresh_http: httpx.Client) -> None:
    """COMMIT_THEN_503 writes, then returns 503 SERVER_UNAVAILABLE."""
    _set_faults(fresh_sandbox, {"method": "POST", "path": "^/sobjects/Account$", "fault": "COMMIT_THEN_503", "times": 1})
    response = fresh_http.post("/sobjects/Account", json={"Name": "Committed"})
    assert response.status_code == 503
    assert response.json()[0]["errorCode"] == "SERVER_UNAVAILABLE"
    assert _count(fresh_http, "Account") == 1


def test_record_faults_hit_a_share(fresh_sandbox: SandboxInfo, fresh_http: httpx.Client) -> None:
    """UNABLE_TO_LOCK_ROW with records hits about that share of rows, the rest succeed."""
    _set_faults(fresh_sandbox, {"path": "^/composite/sobjects", "fault": "UNABLE_TO_LOCK_ROW", "records": 0.25})
    records = [{"attributes": {"type": "Contact"}, "LastName": f"C{n}"} for n in range(200)]
    results = fresh_http.post("/composite/sobjects", json={"records": records}).json()
    failed = [result for result in results if not result["success"]]
    assert 25 <= len(failed) <= 75
    assert failed[0]["errors"] == [
        {"statusCode": "UNABLE_TO_LOCK_ROW", "message": "unable to obtain exclusive access to this record", "fields": []}
    ]
    assert all("id" not in result for result in failed)
    assert _count(fresh_http, "Contact") == 200 - len(failed)


def test_same_seed_same_faults() -> None:
    """The same seed makes the same rows fail."""

    def failures(seed: int) -> list[int]:
        with run_sandbox(seed="empty") as info:
            _set_faults(info, {"path": "^/composite/sobjects", "fault": "UNABLE_TO_LOCK_ROW", "records": 0.3}, seed=seed)
            headers = {"Authorization": f"Bearer {info.access_token()}"}
            records = [{"attributes": {"type": "Contact"}, "LastName": f"C{n}"} for n in range(50)]
            results = httpx.post(
                f"{info.data_url}/composite/sobjects", json={"records": records}, headers=headers
            ).json()
        return [n for n, result in enumerate(results) if not result["success"]]

    assert failures(7) == failures(7)
    assert failures(7) != failures(8)


def test_after_and_times(fresh_sandbox: SandboxInfo, fresh_http: httpx.Client) -> None:
    """after skips the first n matching requests; times caps how often the rule fires."""
    _set_faults(fresh_sandbox, {"path": "^/limits", "fault": "SERVER_UNAVAILABLE", "after": 1, "times": 2})
    statuses = [fresh_http.get("/limits").status_code for _ in range(5)]
    assert statuses == [200, 503, 503, 200, 200]


def test_method_and_path_filter(fresh_sandbox: SandboxInfo, fresh_http: httpx.Client) -> None:
    """A rule fires only on its method and path."""
    _set_faults(fresh_sandbox, {"method": "POST", "path": "^/sobjects/Account$", "fault": "SERVER_UNAVAILABLE"})
    assert fresh_http.get("/sobjects/Account").status_code == 200
    assert fresh_http.post("/sobjects/Contact", json={"LastName": "X"}).status_code == 201
    assert fresh_http.post("/sobjects/Account", json={"Name": "X"}).status_code == 503


def test_rate_zero_and_one(fresh_sandbox: SandboxInfo, fresh_http: httpx.Client) -> None:
    """rate 0 never fires and rate 1 always does."""
    _set_faults(fresh_sandbox, {"path": "^/limits", "fault": "SERVER_UNAVAILABLE", "rate": 0})
    never = [fresh_http.get("/limits").status_code for _ in range(3)]
    _set_faults(fresh_sandbox, {"path": "^/limits", "fault": "SERVER_UNAVAILABLE", "rate": 1})
    always = [fresh_http.get("/limits").status_code for _ in range(3)]
    assert never == [200, 200, 200]
    assert always == [503, 503, 503]


def test_get_shows_fired_counts_and_delete_clears(fresh_sandbox: SandboxInfo, fresh_http: httpx.Client) -> None:
    """GET lists the rules with how often each fired; DELETE removes them."""
    _set_faults(fresh_sandbox, {"path": "^/limits", "fault": "SERVER_UNAVAILABLE", "times": 1})
    fresh_http.get("/limits")
    fresh_http.get("/limits")
    listed = httpx.get(f"{fresh_sandbox.url}/__sandbox/faults").json()
    stats = httpx.get(f"{fresh_sandbox.url}/__sandbox/stats").json()
    cleared = httpx.delete(f"{fresh_sandbox.url}/__sandbox/faults")
    after = fresh_http.get("/limits")
    assert listed["seed"] == 7
    assert listed["rules"][0]["fired"] == 1
    assert listed["rules"][0]["matched"] == 2
    assert stats["faults_fired"] == {"SERVER_UNAVAILABLE": 1}
    assert cleared.status_code == 204
    assert after.status_code == 200


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ({"fault": "NOPE"}, "is not a fault kind"),
        ({"fault": "DELAY:soon"}, "whole milliseconds"),
        ({"fault": "SERVER_UNAVAILABLE", "rate": 2}, "from 0 to 1"),
        ({"fault": "SERVER_UNAVAILABLE", "path": "("}, "not a valid regular expression"),
        ({"fault": "SERVER_UNAVAILABLE", "records": 0.5}, "record-level"),
        ({"fault": "SERVER_UNAVAILABLE", "times": -1}, "whole number"),
        ({"fault": "SERVER_UNAVAILABLE", "when": 1}, "unknown"),
    ],
)
def test_bad_rule_rejected(fresh_sandbox: SandboxInfo, rule: dict[str, Any], fragment: str) -> None:
    """A rule that cannot work returns 400 naming the bad value."""
    response = httpx.put(f"{fresh_sandbox.url}/__sandbox/faults", json={"rules": [rule]})
    assert response.status_code == 400
    assert fragment in response.json()["error"]


def test_faults_file_loaded_at_start(tmp_path: Path) -> None:
    """--faults FILE loads the same JSON at start."""
    path = tmp_path / "faults.json"
    path.write_text(json.dumps({"seed": 3, "rules": [{"path": "^/limits", "fault": "SERVER_UNAVAILABLE"}]}))
    with run_sandbox(seed="empty", faults=path) as info:
        headers = {"Authorization": f"Bearer {info.access_token()}"}
        response = httpx.get(f"{info.data_url}/limits", headers=headers)
    assert response.status_code == 503


def test_record_fault_api_for_bulk() -> None:
    """record_fault returns the errorCode for hit rows and None for the others."""
    injector = FaultInjector()
    injector.configure(
        {"seed": 1, "rules": [{"path": "^/jobs/ingest", "fault": "UNABLE_TO_LOCK_ROW", "records": 1.0, "times": 2}]}
    )
    hits = [injector.record_fault("PUT", "/jobs/ingest/750x/batches") for _ in range(3)]
    other = injector.record_fault("PUT", "/sobjects/Account")
    assert hits == ["UNABLE_TO_LOCK_ROW", "UNABLE_TO_LOCK_ROW", None]
    assert other is None


def test_faults_counted_only_with_work(fresh_sandbox: SandboxInfo, fresh_http: httpx.Client) -> None:
    """A fault that replaces the org's response is not an API call; COMMIT_THEN_503 is."""
    _set_faults(
        fresh_sandbox,
        {"method": "GET", "path": "^/limits", "fault": "SERVER_UNAVAILABLE", "times": 1},
        {"method": "POST", "path": "^/sobjects/Account$", "fault": "COMMIT_THEN_503", "times": 1},
    )
    fresh_http.get("/limits")
    fresh_http.post("/sobjects/Account", json={"Name": "Counted"})
    assert fresh_sandbox.state.limits.used == 1
