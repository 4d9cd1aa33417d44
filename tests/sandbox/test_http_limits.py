"""Sessions and API limits on a live sandbox: 401s, the daily allowance, concurrency."""

from __future__ import annotations

import threading
from datetime import timedelta

import httpx
import pytest

from sfseg.sandbox.server import SandboxInfo, run_sandbox


def test_every_api_response_has_limit_info(fresh_http: httpx.Client) -> None:
    """Success and error responses alike carry Sforce-Limit-Info: api-usage=used/max."""
    ok = fresh_http.get("/sobjects")
    missing = fresh_http.get("/sobjects/Nope__c")
    assert ok.headers["Sforce-Limit-Info"] == "api-usage=1/100000"
    assert missing.headers["Sforce-Limit-Info"] == "api-usage=2/100000"


def test_missing_header_is_invalid_auth_header(fresh_sandbox: SandboxInfo) -> None:
    """No Authorization header returns 401 INVALID_AUTH_HEADER, uncounted."""
    response = httpx.get(f"{fresh_sandbox.data_url}/limits")
    assert response.status_code == 401
    assert response.json() == [
        {"message": "INVALID_HEADER_TYPE", "errorCode": "INVALID_AUTH_HEADER"}
    ]
    assert response.headers["Sforce-Limit-Info"] == "api-usage=0/100000"
    assert fresh_sandbox.state.limits.used == 0


def test_unknown_token_is_invalid_session(fresh_sandbox: SandboxInfo) -> None:
    """An unknown bearer token returns 401 INVALID_SESSION_ID with the array body."""
    response = httpx.get(
        f"{fresh_sandbox.data_url}/limits", headers={"Authorization": "Bearer nope"}
    )
    assert response.status_code == 401
    assert response.json() == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]


def test_token_expires_after_ttl() -> None:
    """A session unused for --token-ttl seconds expires: 401 INVALID_SESSION_ID."""
    with run_sandbox(seed="empty", token_ttl=60) as info:
        token = info.access_token()
        headers = {"Authorization": f"Bearer {token}"}
        clock = info.state.clock
        clock.set(clock.now() + timedelta(seconds=59))
        still_valid = httpx.get(f"{info.data_url}/limits", headers=headers)
        clock.set(clock.now() + timedelta(seconds=61))
        expired = httpx.get(f"{info.data_url}/limits", headers=headers)
    assert still_valid.status_code == 200
    assert expired.status_code == 401
    assert expired.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_clock_admin_expires_tokens(fresh_sandbox: SandboxInfo) -> None:
    """PUT /__sandbox/clock moves the sandbox time that sessions expire by."""
    headers = {"Authorization": f"Bearer {fresh_sandbox.access_token()}"}
    far = (fresh_sandbox.state.clock.now() + timedelta(days=1)).isoformat()
    put = httpx.put(f"{fresh_sandbox.url}/__sandbox/clock", json={"now": far})
    response = httpx.get(f"{fresh_sandbox.data_url}/limits", headers=headers)
    assert put.status_code == 200
    assert response.status_code == 401


def test_daily_limit_exhausted() -> None:
    """Past the allowance calls get 403 REQUEST_LIMIT_EXCEEDED TotalRequests, uncounted."""
    with run_sandbox(seed="empty", api_limit=2) as info:
        headers = {"Authorization": f"Bearer {info.access_token()}"}
        statuses = [
            httpx.get(f"{info.data_url}/limits", headers=headers).status_code for _ in range(2)
        ]
        refused = httpx.get(f"{info.data_url}/limits", headers=headers)
        versions = httpx.get(f"{info.url}/services/data")
        used = info.state.limits.used
    assert statuses == [200, 200]
    assert refused.status_code == 403
    assert refused.json() == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]
    assert refused.headers["Sforce-Limit-Info"] == "api-usage=2/2"
    assert versions.status_code == 200
    assert used == 2


def test_concurrent_limit() -> None:
    """A request beyond max_concurrent in flight returns 403 ConcurrentPerOrgLongTxn."""
    with run_sandbox(seed="empty", max_concurrent=2, latency_ms=1000) as info:
        headers = {"Authorization": f"Bearer {info.access_token()}"}
        barrier = threading.Barrier(3)
        responses: list[httpx.Response] = []

        def call() -> None:
            barrier.wait()
            responses.append(httpx.get(f"{info.data_url}/limits", headers=headers, timeout=10))

        threads = [threading.Thread(target=call) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    statuses = sorted(response.status_code for response in responses)
    refused = next(response for response in responses if response.status_code == 403)
    assert statuses == [200, 200, 403]
    assert refused.json() == [
        {
            "message": "ConcurrentPerOrgLongTxn Limit exceeded.",
            "errorCode": "REQUEST_LIMIT_EXCEEDED",
        }
    ]


def test_latency_admin_delays_responses(
    fresh_sandbox: SandboxInfo, fresh_http: httpx.Client
) -> None:
    """PUT /__sandbox/latency adds a fixed delay to every API response."""
    put = httpx.put(f"{fresh_sandbox.url}/__sandbox/latency", json={"ms": 150})
    response = fresh_http.get("/limits")
    assert put.json() == {"ms": 150}
    assert response.elapsed.total_seconds() >= 0.15


@pytest.mark.parametrize("body", [{"ms": -1}, {"ms": "x"}, [1]])
def test_latency_admin_rejects_bad_input(fresh_sandbox: SandboxInfo, body: object) -> None:
    """A latency that is not a whole number of 0 or more returns 400."""
    response = httpx.put(f"{fresh_sandbox.url}/__sandbox/latency", json=body)
    assert response.status_code == 400


def test_stats_by_route_and_reset(fresh_sandbox: SandboxInfo, fresh_http: httpx.Client) -> None:
    """Stats count calls by route template and records by object; DELETE resets them."""
    fresh_http.post("/sobjects/Account", json={"Name": "A"})
    fresh_http.get("/limits")
    fresh_http.get("/limits")
    stats = httpx.get(f"{fresh_sandbox.url}/__sandbox/stats").json()
    reset = httpx.delete(f"{fresh_sandbox.url}/__sandbox/stats")
    after = httpx.get(f"{fresh_sandbox.url}/__sandbox/stats").json()
    assert stats["api_calls"] == 3
    assert stats["api_calls_by_route"] == {"GET /limits": 2, "POST /sobjects/{sobject}": 1}
    assert stats["records_written"]["Account"] == 1
    assert reset.status_code == 204
    assert after["api_calls"] == 0
    assert after["records_written"] == {}


def test_admin_only_for_loopback(fresh_sandbox: SandboxInfo) -> None:
    """The admin API returns 404 to a client that is not on loopback."""
    import asyncio

    from sfseg.sandbox.app import create_app

    app = create_app(fresh_sandbox.state.config, state=fresh_sandbox.state)

    async def call(client_host: str) -> int:
        transport = httpx.ASGITransport(app=app, client=(client_host, 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test") as client:
            return (await client.get("/__sandbox/stats")).status_code

    assert asyncio.run(call("198.51.100.7")) == 404
    assert asyncio.run(call("127.0.0.1")) == 200


def test_limits_admin_sets_usage(fresh_sandbox: SandboxInfo, fresh_http: httpx.Client) -> None:
    """PUT /__sandbox/limits sets the calls used and the allowance, for quota tests."""
    put = httpx.put(f"{fresh_sandbox.url}/__sandbox/limits", json={"used": 9, "max": 10})
    last = fresh_http.get("/limits")
    refused = fresh_http.get("/limits")
    shown = httpx.get(f"{fresh_sandbox.url}/__sandbox/limits").json()
    assert put.json() == {"used": 9, "max": 10}
    assert last.headers["Sforce-Limit-Info"] == "api-usage=10/10"
    assert last.json()["DailyApiRequests"] == {"Max": 10, "Remaining": 0}
    assert refused.status_code == 403
    assert shown == {"used": 10, "max": 10, "in_flight": 0}


def test_clock_admin_round_trip(fresh_sandbox: SandboxInfo) -> None:
    """PUT fixes the clock, GET shows it, DELETE returns to the system clock."""
    url = f"{fresh_sandbox.url}/__sandbox/clock"
    put = httpx.put(url, json={"now": "2026-01-31T12:00:00Z"})
    fixed = httpx.get(url).json()
    naive = httpx.put(url, json={"now": "2026-01-31T12:00:00"})
    deleted = httpx.delete(url)
    free = httpx.get(url).json()
    assert put.status_code == 200
    assert fixed == {"now": "2026-01-31T12:00:00+00:00", "fixed": True}
    assert naive.status_code == 400
    assert "has no UTC offset" in naive.json()["error"]
    assert deleted.status_code == 204
    assert free["fixed"] is False


def test_limits_show_bulk_and_report_use(
    fresh_sandbox: SandboxInfo, fresh_http: httpx.Client
) -> None:
    """A Bulk query job and a report run draw down their own /limits entries."""
    before = fresh_http.get("/limits").json()
    created = fresh_http.post(
        "/jobs/query", json={"operation": "query", "query": "SELECT Id FROM Contact"}
    )
    report = fresh_http.post(
        "/analytics/reports",
        json={
            "reportMetadata": {
                "name": "Members",
                "reportFormat": "TABULAR",
                "reportType": {"type": "CampaignWithCampaignMembers"},
                "detailColumns": ["MEMBER_ID"],
            }
        },
    )
    run = fresh_http.get(f"/analytics/reports/{report.json()['reportMetadata']['id']}")
    after = fresh_http.get("/limits").json()
    assert created.status_code == 200, created.text
    assert report.status_code in (200, 201), report.text
    assert run.status_code == 200, run.text
    query_jobs = before["DailyBulkV2QueryJobs"]
    assert after["DailyBulkV2QueryJobs"] == {
        "Max": query_jobs["Max"],
        "Remaining": query_jobs["Remaining"] - 1,
    }
    sync_runs = before["HourlySyncReportRuns"]
    assert after["HourlySyncReportRuns"] == {
        "Max": sync_runs["Max"],
        "Remaining": sync_runs["Remaining"] - 1,
    }
