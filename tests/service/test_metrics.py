"""Prometheus metrics: requests by route and status, latencies, jobs by state, API calls, retries."""

from __future__ import annotations

import dataclasses
import re

from sfseg.sandbox.server import SandboxInfo
from tests.service.conftest import Api
from tests.service.test_api_jobs import create_segment, seed_contacts


def _value(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    pattern = rf"^{re.escape(name)}{re.escape('{' + wanted + '}') if labels else ''} (\S+)$"
    match = re.search(pattern, text, re.M)
    assert match, f"{name} {labels} not in metrics"
    return float(match.group(1))


def test_requests_jobs_and_calls_counted(fresh_api: Api, fresh_sandbox: SandboxInfo) -> None:
    """Requests are counted by route template, jobs by state, and the client's API calls."""
    contacts = seed_contacts(fresh_sandbox, 2)
    segment_id = create_segment(fresh_api)
    fresh_api.write.post(
        f"/v1/segments/{segment_id}/assign?wait=true", json={"customer_ids": contacts}
    )
    fresh_api.read.get(f"/v1/segments/{segment_id}")
    fresh_api.read.get("/v1/segments/nope")

    text = fresh_api.read.get("/metrics").text

    route = "/v1/segments/{segment_id}"
    assert _value(text, "sfseg_http_requests_total", method="GET", route=route, status="200") == 1
    assert _value(text, "sfseg_http_requests_total", method="GET", route=route, status="404") == 1
    assert _value(text, "sfseg_http_request_duration_seconds_count", method="GET", route=route) == 2
    assert _value(text, "sfseg_jobs", state="succeeded") == 1
    assert _value(text, "sfseg_jobs", state="running") == 0
    client = fresh_api.service.state.client
    assert _value(text, "sfseg_salesforce_api_calls_total") == client.api_calls > 0


def test_retries_counted(fresh_api: Api, fresh_sandbox: SandboxInfo) -> None:
    """A request that Salesforce answers 503 once and then serves counts one retry."""
    client = fresh_api.service.state.client
    client.retry_policy = dataclasses.replace(client.retry_policy, sleep=lambda _s: None)
    fresh_sandbox.state.faults.configure(
        {"rules": [{"path": "^/composite", "fault": "SERVER_UNAVAILABLE", "times": 1}]}
    )

    assert (
        fresh_api.read.post("/v1/preview", json={"criteria": "LastName = 'x'"}).status_code == 200
    )

    assert _value(fresh_api.read.get("/metrics").text, "sfseg_salesforce_retries_total") == 1
