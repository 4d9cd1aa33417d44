"""`sfseg jobs` with job leases and aborted jobs: the running process shown, resumes rejected."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sfseg.cli.main import app
from sfseg.segments import jobs
from sfseg.segments.customers import parse_customers
from sfseg.segments.jobs import JobState
from sfseg.segments.store import Store
from sfseg.segments.store.models import Job, Segment, utcnow

SEGMENT = "seg_cli000000002"
WIDE = {"COLUMNS": "250"}


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """A store with one segment that the CLI uses; no Salesforce credentials are set."""
    for name in [name for name in os.environ if name.startswith("SFSEG_")]:
        monkeypatch.delenv(name)
    database = tmp_path / "store.db"
    monkeypatch.setenv("SFSEG_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("SFSEG_DATA_DIR", str(tmp_path))
    with Store(f"sqlite:///{database}") as opened:
        with opened.session() as session:
            session.add(Segment(id=SEGMENT, key="leases", name="Leases", target="contact",
                                criteria_kind="where", criteria_text="Email != null",
                                campaign_id="701000000000009AAA"))  # fmt: skip
        yield opened


@pytest.fixture
def other_process() -> Iterator[subprocess.Popen[bytes]]:
    """A live process on this host, in the place of another sfseg run."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield process
    process.kill()
    process.wait()


def _job(store: Store, state: JobState, *, pid: int, error: str | None = None) -> str:
    """Write a job in `state` whose lease is held by process `pid` on this host."""
    job_id, _items = jobs.create_job(
        store, segment_id=SEGMENT, kind="assign", mode="add", route="rest", status_label=None,
        id_field="auto", params={}, customers=parse_customers(["a@example.org", "b@example.org"]),
    )  # fmt: skip
    jobs.set_job_state(store, job_id, state, error=error)
    now = utcnow()
    with store.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        job.lease_host, job.lease_pid, job.lease_token = socket.gethostname(), pid, "c" * 32
        job.leased_at, job.lease_expires_at = now, now + dt.timedelta(hours=1)
    return job_id


def _gone_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_resume_leased_job_names_owner(store: Store, other_process: subprocess.Popen[bytes]) -> None:
    """Resuming a job another live process runs fails at once, naming it, without logging in."""
    job_id = _job(store, JobState.RUNNING, pid=other_process.pid)

    result = CliRunner(env=WIDE).invoke(app, ["jobs", "resume", job_id])

    assert result.exit_code == 1
    owner = f"process {other_process.pid} on {socket.gethostname()} since "
    assert f"Error: job {job_id} is already running in {owner}" in result.stderr
    assert "Fix: wait for that run to finish; if you are sure its process is gone, retry after" in result.stderr
    assert "client_id" not in result.stderr
    assert jobs.get_job(store, job_id).state == "running"


def test_jobs_list_names_running_process(store: Store, other_process: subprocess.Popen[bytes]) -> None:
    """`jobs list` shows which process runs a job while its lease is live."""
    _job(store, JobState.RUNNING, pid=other_process.pid)

    result = CliRunner(env=WIDE).invoke(app, ["jobs", "list"])

    assert result.exit_code == 0, result.output
    assert f"running (process {other_process.pid} on {socket.gethostname()})" in result.stdout


def test_jobs_show_live_lease(store: Store, other_process: subprocess.Popen[bytes]) -> None:
    """`jobs show` names the running process and its lease expiry, in text and JSON."""
    job_id = _job(store, JobState.RUNNING, pid=other_process.pid)

    text = CliRunner(env=WIDE).invoke(app, ["jobs", "show", job_id])
    shown = CliRunner().invoke(app, ["jobs", "show", job_id, "--json"])

    assert text.exit_code == 0, text.output
    assert f"Running in process {other_process.pid} on {socket.gethostname()} since " in text.stdout
    assert "its lease expires at " in text.stdout
    lease = json.loads(shown.stdout)["lease"]
    assert (lease["pid"], lease["host"], lease["live"]) == (other_process.pid, socket.gethostname(), True)


def test_jobs_show_aborted_dead_owner(store: Store) -> None:
    """`jobs show` of an aborted job prints its error, and reports that its last process is gone."""
    error = "Stopped by an error: 500 UNKNOWN_EXCEPTION. Resume with `sfseg jobs resume JOB`."
    job_id = _job(store, JobState.ABORTED, pid=_gone_pid(), error=error)

    result = CliRunner(env=WIDE).invoke(app, ["jobs", "show", job_id])
    listed = CliRunner(env=WIDE).invoke(app, ["jobs", "list", "--json"])

    assert result.exit_code == 0, result.output
    assert f"{job_id} assign add on {SEGMENT}: aborted" in result.stdout
    assert "which is gone or stopped renewing its lease" in result.stdout
    assert f"`sfseg jobs resume {job_id}` takes the job over" in result.stdout
    assert error in result.stdout
    assert json.loads(listed.stdout)[0]["lease"]["live"] is False
