"""Which jobs the service resumes at start, and resumes of a job another process runs."""

from __future__ import annotations

import datetime as dt
import logging
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from sfseg.salesforce import SalesforceClient
from sfseg.salesforce.errors import ServerUnavailableError
from sfseg.salesforce.retry import RetryPolicy
from sfseg.sandbox.server import SandboxInfo
from sfseg.segments import jobs
from sfseg.segments.assign import assign_customers
from sfseg.segments.customers import parse_customers
from sfseg.segments.lease import read_holder
from sfseg.segments.store import Store
from sfseg.segments.store.models import Job, Segment, utcnow
from sfseg.segments.write import WriteOptions
from sfseg.service.keys import create_key
from sfseg.service.server import run_service
from tests.service.conftest import connection_for, problem_of, service_config
from tests.service.test_api_jobs import members

FAST = WriteOptions(concurrency=1, retry_wait_s=0.0, sleep=lambda _seconds: None)
# Two Composite write calls; the fault lets the resolution and the first one through.
CONTACTS = 1_500


@pytest.fixture
def other_process() -> Iterator[subprocess.Popen[bytes]]:
    """A live process on this host, in the place of another sfseg run."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield process
    process.kill()
    process.wait()


def _gone_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _segment(info: SandboxInfo, store: Store) -> tuple[str, str]:
    campaign_id = info.state.org.create("Campaign", {"Name": "Recovery"})
    segment_id = "seg_" + campaign_id[-12:].lower()
    with store.session() as session:
        session.add(Segment(id=segment_id, key=f"key-{segment_id}", name=f"Recovery {segment_id}",
                            target="contact", criteria_kind="where", criteria_text="Email != null",
                            campaign_id=campaign_id))  # fmt: skip
    return segment_id, campaign_id


def _contacts(info: SandboxInfo, count: int) -> list[str]:
    org = info.state.org
    with org.transaction():
        return [org.create("Contact", {"LastName": f"v{i}"}) for i in range(count)]


def _planned_job(store: Store, segment_id: str, contacts: list[str]) -> str:
    job_id, _items = jobs.create_job(
        store, segment_id=segment_id, kind="assign", mode="add", route="rest", status_label=None,
        id_field="auto", params={"route_requested": "rest"}, customers=parse_customers(contacts),
    )  # fmt: skip
    return job_id


def _lease_to(store: Store, job_id: str, pid: int, *, state: str | None = None) -> None:
    """Give the job's lease to a process on this host, as that process's run would."""
    now = utcnow()
    with store.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        job.lease_host, job.lease_pid, job.lease_token = socket.gethostname(), pid, "d" * 32
        job.leased_at, job.lease_expires_at = now, now + dt.timedelta(hours=1)
        if state is not None:
            job.state = state


def _aborted_job(info: SandboxInfo, store: Store, segment_id: str, contacts: list[str]) -> str:
    """Run an assignment that a persistent server error aborts in its write step."""
    settings = connection_for(info)
    # Resolution, the membership lookup and the first write chunk go through.
    info.state.faults.configure({"seed": 1, "rules": [
        {"method": "POST", "path": "^/composite$", "fault": "INTERNAL_ERROR", "after": 3},
    ]})  # fmt: skip
    with (
        SalesforceClient(settings, retry_policy=RetryPolicy(sleep=lambda _seconds: None)) as client,
        pytest.raises(ServerUnavailableError),
    ):
        assign_customers(client, store, segment_id, contacts, write_options=FAST)
    info.state.faults.clear()
    (summary,) = [job for job in jobs.list_jobs(store) if job.segment_id == segment_id]
    assert summary.state == "aborted"
    return summary.id


def _wait_job(api: httpx.Client, job_id: str, state: str, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = api.get(f"/v1/jobs/{job_id}").json()
        if job["state"] == state and not job["active"]:
            return dict(job)
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} did not reach {state} in {timeout} s")


def test_start_skips_aborted_resumes_killed(fresh_sandbox: SandboxInfo, store: Store) -> None:
    """At start the service resumes a job whose process was killed, but not an aborted one.
    A resume request then finishes the aborted job with exact membership."""
    aborted_segment, aborted_campaign = _segment(fresh_sandbox, store)
    aborted_contacts = _contacts(fresh_sandbox, CONTACTS)
    aborted_id = _aborted_job(fresh_sandbox, store, aborted_segment, aborted_contacts)
    killed_segment, killed_campaign = _segment(fresh_sandbox, store)
    killed_contacts = _contacts(fresh_sandbox, 20)
    killed_id = _planned_job(store, killed_segment, killed_contacts)
    _lease_to(store, killed_id, _gone_pid(), state="running")
    _info, key = create_key(store, "writer")

    with (
        run_service(service_config(fresh_sandbox), store=store) as service,
        httpx.Client(base_url=service.url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as api,
    ):
        killed = _wait_job(api, killed_id, "succeeded")
        aborted = api.get(f"/v1/jobs/{aborted_id}").json()

        assert killed["counts"]["created"] == 20
        assert members(fresh_sandbox, killed_campaign) == set(killed_contacts)
        assert aborted["state"] == "aborted"
        assert aborted["active"] is False
        assert aborted["lease"] is None
        assert aborted["counts"]["pending"] == CONTACTS - 1000
        assert aborted["error"].startswith("Stopped by an error: 500 UNKNOWN_EXCEPTION")
        assert len(members(fresh_sandbox, aborted_campaign)) == 1000

        response = api.post(f"/v1/jobs/{aborted_id}/resume")
        assert response.status_code == 202, response.text
        resumed = _wait_job(api, aborted_id, "succeeded")

    assert resumed["counts"]["created"] + resumed["counts"]["already_member"] == CONTACTS
    assert resumed["counts"]["pending"] == 0
    assert members(fresh_sandbox, aborted_campaign) == set(aborted_contacts)
    assert len(fresh_sandbox.state.org.store.connection.execute(
        "SELECT Id FROM CampaignMember WHERE CampaignId = ? AND IsDeleted = 0", (aborted_campaign,)
    ).fetchall()) == CONTACTS


def _wait_logged(caplog: pytest.LogCaptureFixture, text: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not any(text in record.getMessage() for record in caplog.records):
        assert time.monotonic() < deadline, f"no log line with {text!r} in {timeout} s"
        time.sleep(0.02)


def test_start_skips_job_leased_elsewhere(
    fresh_sandbox: SandboxInfo, store: Store, other_process: subprocess.Popen[bytes],
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    """A planned job whose lease a live process holds is left to it: not run, lease kept."""
    caplog.set_level(logging.INFO, logger="sfseg.service")
    segment_id, campaign_id = _segment(fresh_sandbox, store)
    job_id = _planned_job(store, segment_id, _contacts(fresh_sandbox, 5))
    _lease_to(store, job_id, other_process.pid)
    _info, key = create_key(store, "writer")

    with (
        run_service(service_config(fresh_sandbox), store=store) as service,
        httpx.Client(base_url=service.url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as api,
    ):
        _wait_logged(caplog, f"service.job_skipped job={job_id} reason=leased")
        job = api.get(f"/v1/jobs/{job_id}").json()
        listed = api.get("/v1/jobs", params={"state": "planned"}).json()["items"]
        response = api.post(f"/v1/jobs/{job_id}/resume")

    assert job["state"] == "planned"
    assert job["counts"]["pending"] == 5
    lease = job["lease"]
    assert (lease["host"], lease["pid"], lease["live"]) == (socket.gethostname(), other_process.pid, True)
    assert [(row["id"], row["lease"]["pid"]) for row in listed] == [(job_id, other_process.pid)]
    assert members(fresh_sandbox, campaign_id) == set()
    holder = read_holder(store, job_id)
    assert holder is not None
    assert holder.pid == other_process.pid
    assert response.status_code == 409
    problem = problem_of(response)
    assert problem["type"].endswith("/job-leased")
    assert f"process {other_process.pid} on {socket.gethostname()}" in problem["detail"]
    assert "retry after its lease expires at " in problem["detail"]
    assert problem["pid"] == other_process.pid
    assert problem["host"] == socket.gethostname()

