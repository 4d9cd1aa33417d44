"""Runs of one job against a live sandbox: one runner at a time, and errors that abort a run."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from sfseg.salesforce import ConnectionSettings, SalesforceClient
from sfseg.salesforce.errors import ServerUnavailableError
from sfseg.salesforce.retry import RetryPolicy
from sfseg.sandbox.server import SandboxInfo
from sfseg.segments import jobs
from sfseg.segments.assign import assign_customers, resume_job
from sfseg.segments.customers import parse_customers
from sfseg.segments.errorlog import list_errors
from sfseg.segments.lease import JobLeaseHeldError, JobLeaseLostError, read_holder
from sfseg.segments.plan import Outcome
from sfseg.segments.store import Store
from sfseg.segments.store.models import Job, Segment, utcnow
from sfseg.segments.write import Progress, WriteOptions

FAST = WriteOptions(concurrency=1, retry_wait_s=0.0, sleep=lambda _seconds: None)
# Resolving this many ids takes one Composite call, and writing them three (1,000 rows each).
CONTACTS = 2_500
# The Composite calls let through before the fault: the resolution, the member lookup and
# the first write.
CALLS_BEFORE_FAULT = 3


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{tmp_path / 'runs.db'}") as opened:
        yield opened


@pytest.fixture
def client(fresh_sandbox: SandboxInfo) -> Iterator[SalesforceClient]:
    """A client for `fresh_sandbox` whose retries do not sleep."""
    info = fresh_sandbox
    settings = ConnectionSettings(
        instance_url=info.url, login_url=info.url, api_version=info.api_version,
        flow="client_credentials", client_id=info.client_id, client_secret=info.client_secret,
        ca_file=info.ca_file,
    )  # fmt: skip
    with SalesforceClient(settings, retry_policy=RetryPolicy(sleep=lambda _seconds: None)) as opened:
        yield opened


@pytest.fixture
def other_process() -> Iterator[subprocess.Popen[bytes]]:
    """A live process on this host, in the place of another sfseg run."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield process
    process.kill()
    process.wait()


def _segment(info: SandboxInfo, store: Store) -> tuple[str, str]:
    campaign_id = info.state.org.create("Campaign", {"Name": "Runs"})
    segment_id = "seg_" + campaign_id[-12:].lower()
    with store.session() as session:
        session.add(Segment(id=segment_id, key=f"key-{segment_id}", name="Runs", target="contact",
                            criteria_kind="where", criteria_text="Email != null",
                            campaign_id=campaign_id))  # fmt: skip
    return segment_id, campaign_id


def _contacts(info: SandboxInfo, count: int) -> list[str]:
    org = info.state.org
    with org.transaction():
        return [org.create("Contact", {"LastName": f"r{i}"}) for i in range(count)]


def _members(info: SandboxInfo, campaign_id: str) -> list[str]:
    org = info.state.org
    with org.store.lock:
        rows = org.store.connection.execute(
            "SELECT ContactId FROM CampaignMember WHERE CampaignId = ? AND IsDeleted = 0", (campaign_id,)
        ).fetchall()
    return [row[0] for row in rows]


def _planned_job(store: Store, segment_id: str, contacts: list[str]) -> str:
    """Write a planned job as the service does before a worker runs it."""
    job_id, _items = jobs.create_job(
        store, segment_id=segment_id, kind="assign", mode="add", route="rest", status_label=None,
        id_field="auto", params={"route_requested": "rest"}, customers=parse_customers(contacts),
    )  # fmt: skip
    return job_id


def _lease_to(store: Store, job_id: str, pid: int) -> None:
    """Give the job's lease to another process on this host, as that process's run would."""
    now = utcnow()
    with store.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        job.lease_host, job.lease_pid, job.lease_token = socket.gethostname(), pid, "e" * 32
        job.leased_at = now
        job.lease_expires_at = now.replace(year=now.year + 1)


def test_resume_while_leased_writes_nothing(
    fresh_sandbox: SandboxInfo, client: SalesforceClient, store: Store,
    other_process: subprocess.Popen[bytes],
) -> None:  # fmt: skip
    """A resume while another live process holds the lease fails naming it, and writes nothing."""
    segment_id, campaign_id = _segment(fresh_sandbox, store)
    contacts = _contacts(fresh_sandbox, 30)
    job_id = _planned_job(store, segment_id, contacts)
    _lease_to(store, job_id, other_process.pid)
    calls_before = client.api_calls

    with pytest.raises(JobLeaseHeldError) as raised:
        resume_job(client, store, job_id, write_options=FAST)

    message = str(raised.value)
    assert job_id in message
    assert f"process {other_process.pid} on {socket.gethostname()} since " in message
    assert "retry after its lease expires at " in raised.value.hint
    assert client.api_calls == calls_before
    assert _members(fresh_sandbox, campaign_id) == []
    summary = jobs.get_job(store, job_id)
    assert summary.state == "planned"
    assert summary.counts["pending"] == 30
    assert all(item.attempts == 0 for item in jobs.load_items(store, job_id))
    assert list_errors(store, job_id=job_id) == []
    holder = read_holder(store, job_id)
    assert holder is not None
    assert holder.pid == other_process.pid


class _PauseBeforeWrite(Progress):
    """Holds the run at the start of its write step until `resume` is set."""

    def __init__(self) -> None:
        self.writing = threading.Event()
        self.resume = threading.Event()

    def start(self, step: str, total: int | None) -> None:
        if step == "write":
            self.writing.set()
            assert self.resume.wait(30), "the test never let the first run go on"


def test_second_run_rejected_while_first_runs(
    fresh_sandbox: SandboxInfo, client: SalesforceClient, store: Store
) -> None:
    """A resume while another run of the job is writing fails naming that run; the first one finishes."""
    segment_id, campaign_id = _segment(fresh_sandbox, store)
    contacts = _contacts(fresh_sandbox, 30)
    job_id = _planned_job(store, segment_id, contacts)
    pause = _PauseBeforeWrite()

    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(resume_job, client, store, job_id, progress=pause, write_options=FAST)
        assert pause.writing.wait(30)
        try:
            with pytest.raises(JobLeaseHeldError, match=f"process {os.getpid()} on "):
                resume_job(client, store, job_id, write_options=FAST)
        finally:
            pause.resume.set()
        result = first.result(timeout=60)

    assert result.state == "succeeded"
    assert result.counts["created"] == 30
    assert sorted(_members(fresh_sandbox, campaign_id)) == sorted(contacts)
    assert read_holder(store, job_id) is None


class _TakeOverAtWrite(Progress):
    """Gives the job's lease to another process when the write step starts."""

    def __init__(self, store: Store, job_id: str, pid: int) -> None:
        self.store, self.job_id, self.pid = store, job_id, pid

    def start(self, step: str, total: int | None) -> None:
        if step == "write":
            _lease_to(self.store, self.job_id, self.pid)


def test_run_stops_when_lease_taken(
    fresh_sandbox: SandboxInfo, client: SalesforceClient, store: Store,
    other_process: subprocess.Popen[bytes],
) -> None:  # fmt: skip
    """A run whose lease another process took stops after its current chunk and leaves the job to it."""
    segment_id, campaign_id = _segment(fresh_sandbox, store)
    contacts = _contacts(fresh_sandbox, CONTACTS)
    job_id = _planned_job(store, segment_id, contacts)
    progress = _TakeOverAtWrite(store, job_id, other_process.pid)

    with pytest.raises(JobLeaseLostError, match=f"job {job_id} was taken over by another process"):
        resume_job(client, store, job_id, progress=progress, write_options=FAST)

    summary = jobs.get_job(store, job_id)
    assert summary.state == "running"
    assert summary.error is None
    assert summary.counts["created"] == 1000
    assert summary.counts["pending"] == CONTACTS - 1000
    assert len(_members(fresh_sandbox, campaign_id)) == 1000
    holder = read_holder(store, job_id)
    assert holder is not None
    assert holder.pid == other_process.pid
    assert list_errors(store, job_id=job_id) == []


def test_killed_owner_taken_over(
    fresh_sandbox: SandboxInfo, client: SalesforceClient, store: Store,
    other_process: subprocess.Popen[bytes],
) -> None:  # fmt: skip
    """Once the owning process is gone, a resume takes the lease over at once and finishes."""
    segment_id, campaign_id = _segment(fresh_sandbox, store)
    contacts = _contacts(fresh_sandbox, 30)
    job_id = _planned_job(store, segment_id, contacts)
    _lease_to(store, job_id, other_process.pid)
    other_process.kill()
    other_process.wait()

    result = resume_job(client, store, job_id, write_options=FAST)

    assert result.state == "succeeded"
    assert result.counts["created"] == 30
    assert sorted(_members(fresh_sandbox, campaign_id)) == sorted(contacts)
    assert read_holder(store, job_id) is None


def test_server_error_aborts_then_resumes(
    fresh_sandbox: SandboxInfo, client: SalesforceClient, store: Store
) -> None:
    """A server error that outlasts the retries aborts the job and logs the error.
    Once the fault clears, a resume finishes it with exact membership."""
    segment_id, campaign_id = _segment(fresh_sandbox, store)
    contacts = _contacts(fresh_sandbox, CONTACTS)
    fresh_sandbox.state.faults.configure({"seed": 1, "rules": [
        {"method": "POST", "path": "^/composite$", "fault": "INTERNAL_ERROR", "after": CALLS_BEFORE_FAULT},
    ]})  # fmt: skip

    with pytest.raises(ServerUnavailableError, match="UNKNOWN_EXCEPTION"):
        assign_customers(client, store, segment_id, contacts, write_options=FAST)

    (summary,) = jobs.list_jobs(store)
    assert summary.state == "aborted"
    assert summary.checkpoint == {"phase": "write", "stopped_by": "error"}
    assert summary.error is not None
    assert summary.error.startswith("Stopped by an error: 500 UNKNOWN_EXCEPTION")
    assert summary.error.endswith(f"Resume with `sfseg jobs resume {summary.id}`.")
    assert summary.finished_at is None
    assert summary.counts["created"] == 1000
    assert summary.counts["pending"] == CONTACTS - 1000
    assert read_holder(store, summary.id) is None
    logged = [(entry.operation, entry.http_status) for entry in list_errors(store, job_id=summary.id)]
    assert ("assign", 500) in logged
    assert len(_members(fresh_sandbox, campaign_id)) == 1000

    fresh_sandbox.state.faults.clear()
    resumed = resume_job(client, store, summary.id, write_options=FAST)

    assert resumed.state == "succeeded"
    assert resumed.counts["created"] + resumed.counts["already_member"] == CONTACTS
    assert resumed.counts["pending"] == 0
    assert resumed.counts["failed"] == 0
    members = _members(fresh_sandbox, campaign_id)
    assert len(members) == CONTACTS
    assert sorted(members) == sorted(contacts)
    assert jobs.get_job(store, summary.id).error is None


def test_aborted_items_keep_journal(
    fresh_sandbox: SandboxInfo, client: SalesforceClient, store: Store
) -> None:
    """An error during resolution aborts the job with every item still pending and unsent."""
    segment_id, _campaign_id = _segment(fresh_sandbox, store)
    contacts = _contacts(fresh_sandbox, 5)
    fresh_sandbox.state.faults.configure({"seed": 1, "rules": [
        {"method": "POST", "path": "^/composite$", "fault": "INTERNAL_ERROR"},
    ]})  # fmt: skip

    with pytest.raises(ServerUnavailableError):
        assign_customers(client, store, segment_id, contacts, write_options=FAST)

    (summary,) = jobs.list_jobs(store)
    assert summary.state == "aborted"
    assert summary.checkpoint == {"phase": "resolve", "stopped_by": "error"}
    items = jobs.load_items(store, summary.id)
    assert [item.outcome for item in items] == [Outcome.PENDING] * 5
    assert all(item.attempts == 0 for item in items)
