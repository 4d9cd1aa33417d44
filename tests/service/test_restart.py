"""A service stopped in the middle of a job resumes it at its next start, with exact membership."""

from __future__ import annotations

import time

import httpx
import pytest

from sfseg.sandbox.server import SandboxInfo
from sfseg.segments.jobs import get_job
from sfseg.segments.store import Store
from sfseg.segments.write import WriteOptions
from sfseg.service.keys import create_key
from sfseg.service.server import run_service
from tests.service.conftest import service_config
from tests.service.test_api_jobs import members, seed_contacts

# Three Composite write calls of 1,000 members each, the last one partly filled.
CONTACTS = 2_500
LATENCY_MS = 300


def _wait(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


@pytest.mark.slow
def test_restart_mid_job_ends_with_exact_membership(
    fresh_sandbox: SandboxInfo, store: Store
) -> None:
    """Stopping the service after the first write call, then starting it again, ends the job
    with every customer a member exactly once."""
    contacts = seed_contacts(fresh_sandbox, CONTACTS)
    _info, key = create_key(store, "writer")
    headers = {"Authorization": f"Bearer {key}"}
    config = service_config(
        fresh_sandbox, drain_seconds=0.0, write_options=WriteOptions(concurrency=1)
    )

    with (
        run_service(config, store=store) as first,
        httpx.Client(base_url=first.url, headers=headers, timeout=60) as api,
    ):
        created = api.post(
            "/v1/segments", json={"name": "Norway", "criteria": "MailingCountry = 'Norway'"}
        ).json()
        fresh_sandbox.state.latency_ms = LATENCY_MS
        job_id = api.post(
            f"/v1/segments/{created['segment']['id']}/assign", json={"customer_ids": contacts}
        ).json()["id"]
        _wait(lambda: api.get(f"/v1/jobs/{job_id}").json()["counts"]["created"] > 0)

    stopped = get_job(store, job_id)
    assert stopped.state == "running"
    assert stopped.counts["created"] > 0
    assert stopped.counts["pending"] > 0

    fresh_sandbox.state.latency_ms = 0
    with (
        run_service(service_config(fresh_sandbox), store=store) as second,
        httpx.Client(base_url=second.url, headers=headers, timeout=60) as api,
    ):
        _wait(lambda: not api.get(f"/v1/jobs/{job_id}").json()["active"])
        job = api.get(f"/v1/jobs/{job_id}").json()

    assert job["state"] == "succeeded"
    assert job["counts"]["created"] == CONTACTS
    assert members(fresh_sandbox, created["campaign_id"]) == set(contacts)
    rows = fresh_sandbox.state.org.store.connection.execute(
        "SELECT COUNT(*) FROM CampaignMember WHERE CampaignId = ? AND IsDeleted = 0",
        (created["campaign_id"],),
    ).fetchone()
    assert rows[0] == CONTACTS


@pytest.mark.slow
def test_shutdown_drains_running_job(fresh_sandbox: SandboxInfo, store: Store) -> None:
    """A job that finishes within the drain time is finished, not interrupted, at shutdown."""
    contacts = seed_contacts(fresh_sandbox, 20)
    _info, key = create_key(store, "writer")
    headers = {"Authorization": f"Bearer {key}"}
    config = service_config(fresh_sandbox, drain_seconds=30.0)

    with (
        run_service(config, store=store) as service,
        httpx.Client(base_url=service.url, headers=headers, timeout=60) as api,
    ):
        created = api.post(
            "/v1/segments", json={"name": "Norway", "criteria": "MailingCountry = 'Norway'"}
        ).json()
        fresh_sandbox.state.latency_ms = 100
        job_id = api.post(
            f"/v1/segments/{created['segment']['id']}/assign", json={"customer_ids": contacts}
        ).json()["id"]

    job = get_job(store, job_id)
    assert job.state == "succeeded"
    assert job.counts["created"] == 20
