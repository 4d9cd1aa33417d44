"""Job leases: one owner at a time, taken atomically, taken over when dead, released."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from sfseg.segments import jobs
from sfseg.segments.customers import parse_customers
from sfseg.segments.lease import (
    JobLease,
    JobLeaseHeldError,
    JobLeaseLostError,
    LeaseHolder,
    live_holder,
    process_exists,
    read_holder,
)
from sfseg.segments.store import MIGRATIONS, Store
from sfseg.segments.store.models import Job, Segment, utcnow

SEGMENT_ID = "seg_000000000007"
RACERS = 8


@pytest.fixture
def store(any_store: Store) -> Store:
    """A store on each backend (SQLite, and PostgreSQL when configured) with one segment."""
    with any_store.session() as session:
        session.add(Segment(id=SEGMENT_ID, key="lease", name="Lease", target="contact",
                            criteria_kind="where", criteria_text="Email != null",
                            campaign_id="701000000000007AAA"))  # fmt: skip
    return any_store


@pytest.fixture
def job_id(store: Store) -> str:
    created, _items = jobs.create_job(
        store, segment_id=SEGMENT_ID, kind="assign", mode="add", route="rest",
        status_label=None, id_field="auto", params={}, customers=parse_customers(["a@x.io"]),
    )  # fmt: skip
    return created


@pytest.fixture
def held(store: Store, job_id: str) -> Iterator[JobLease]:
    """The job's lease, held by this process (so it is live) for the test's length."""
    lease = JobLease(store, job_id, heartbeat_seconds=0)
    lease.acquire()
    yield lease
    lease.release()


def _set_lease(store: Store, job_id: str, *, host: str, pid: int, expires_in: dt.timedelta) -> None:
    """Write another owner's lease straight into the row, as that owner's process would."""
    now = utcnow()
    with store.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        job.lease_host, job.lease_pid, job.lease_token = host, pid, "f" * 32
        job.leased_at, job.lease_expires_at = now - dt.timedelta(minutes=5), now + expires_in


def _gone_pid() -> int:
    """Return the id of a process that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not process_exists(child.pid)
    return child.pid


def test_second_owner_rejected_with_owner(store: Store, job_id: str, held: JobLease) -> None:
    """A live lease makes a second acquire fail, naming the job, host, pid and times."""
    with pytest.raises(JobLeaseHeldError) as raised:
        JobLease(store, job_id, heartbeat_seconds=0).acquire()

    message, hint = str(raised.value), raised.value.hint
    assert job_id in message
    assert f"process {os.getpid()} on {socket.gethostname()} since " in message
    holder = raised.value.holder
    assert (holder.host, holder.pid) == (socket.gethostname(), os.getpid())
    assert hint.startswith("wait for that run to finish; if you are sure its process is gone, ")
    assert holder.expires_at.strftime("%Y-%m-%d %H:%M:%S UTC") in hint
    # The loser changed nothing: the first owner still holds the lease.
    assert held.renew()


def test_dead_local_pid_taken_over(store: Store, job_id: str) -> None:
    """A lease of a process on this host that no longer exists is taken over before it expires."""
    _set_lease(store, job_id, host=socket.gethostname(), pid=_gone_pid(), expires_in=dt.timedelta(hours=1))
    assert live_holder(store, job_id) is None

    with JobLease(store, job_id, heartbeat_seconds=0):
        holder = read_holder(store, job_id)
        assert holder is not None
        assert (holder.host, holder.pid) == (socket.gethostname(), os.getpid())


def test_other_host_lease_respected(store: Store, job_id: str) -> None:
    """A lease of another host is live until it expires, whatever its pid."""
    _set_lease(store, job_id, host="other-host.invalid", pid=_gone_pid(), expires_in=dt.timedelta(hours=1))

    with pytest.raises(JobLeaseHeldError, match="on other-host.invalid since "):
        JobLease(store, job_id, heartbeat_seconds=0).acquire()


def test_expired_lease_taken_over(store: Store, job_id: str) -> None:
    """An expired lease of another host is taken over."""
    _set_lease(store, job_id, host="other-host.invalid", pid=1234, expires_in=-dt.timedelta(seconds=1))

    with JobLease(store, job_id, heartbeat_seconds=0):
        holder = read_holder(store, job_id)
        assert holder is not None
        assert holder.host == socket.gethostname()


def test_release_clears_lease(store: Store, job_id: str) -> None:
    """Release empties the lease, and a later run takes it at once."""
    with JobLease(store, job_id, heartbeat_seconds=0):
        assert live_holder(store, job_id) is not None
    assert read_holder(store, job_id) is None
    with JobLease(store, job_id, heartbeat_seconds=0):
        assert live_holder(store, job_id) is not None


def test_release_after_exception(store: Store, job_id: str) -> None:
    """A run that raises still releases its lease."""
    with pytest.raises(RuntimeError, match="boom"), JobLease(store, job_id, heartbeat_seconds=0):
        raise RuntimeError("boom")
    assert read_holder(store, job_id) is None


def test_taken_over_lease_is_lost(store: Store, job_id: str) -> None:
    """After another owner takes an expired lease, renewal fails, check raises and release leaves theirs."""
    past = utcnow() - dt.timedelta(minutes=10)
    first = JobLease(store, job_id, heartbeat_seconds=0, clock=lambda: past)
    first.acquire()
    second = JobLease(store, job_id, heartbeat_seconds=0)
    second.acquire()

    assert not first.renew()
    with pytest.raises(JobLeaseLostError, match=job_id):
        first.check()
    first.release()
    assert live_holder(store, job_id) is not None
    second.release()


def test_heartbeat_moves_expiry(store: Store, job_id: str) -> None:
    """The heartbeat thread renews the lease while the run lives."""
    lease = JobLease(store, job_id, seconds=60, heartbeat_seconds=0.01)
    lease.acquire()
    first = read_holder(store, job_id)
    assert first is not None
    try:
        deadline = utcnow() + dt.timedelta(seconds=10)
        while (current := read_holder(store, job_id)) is not None and current.expires_at == first.expires_at:
            assert utcnow() < deadline, "the heartbeat never renewed the lease"
            threading.Event().wait(0.01)
    finally:
        lease.release()
    assert current is not None
    assert current.expires_at > first.expires_at


def _race(leases: list[JobLease]) -> list[JobLease]:
    """Start one thread per lease at the same moment; return the leases that were taken."""
    barrier = threading.Barrier(len(leases))
    won: list[JobLease] = []
    lock = threading.Lock()

    def take(lease: JobLease) -> None:
        barrier.wait()
        try:
            lease.acquire()
        except JobLeaseHeldError:
            return
        with lock:
            won.append(lease)

    threads = [threading.Thread(target=take, args=(lease,)) for lease in leases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return won


def test_racing_threads_one_winner(store: Store, job_id: str) -> None:
    """Threads that take one job's lease at the same moment: exactly one wins, every round."""
    for _round in range(3):
        leases = [JobLease(store, job_id, heartbeat_seconds=0) for _ in range(RACERS)]

        won = _race(leases)

        assert len(won) == 1
        holder = read_holder(store, job_id)
        assert holder is not None
        assert holder.is_live()
        for lease in leases:
            lease.release()
        assert read_holder(store, job_id) is None


def test_racing_over_dead_owner_one_winner(store: Store, job_id: str) -> None:
    """Threads that all find a dead owner's lease: exactly one takes it over."""
    _set_lease(store, job_id, host=socket.gethostname(), pid=_gone_pid(), expires_in=dt.timedelta(hours=1))

    won = _race([JobLease(store, job_id, heartbeat_seconds=0) for _ in range(RACERS)])

    assert len(won) == 1
    holder = read_holder(store, job_id)
    assert holder is not None
    assert holder.pid == os.getpid()
    won[0].release()


def test_holder_shown_in_summary(store: Store, job_id: str, held: JobLease) -> None:
    """get_job reports the lease holder; its JSON has no token."""
    summary = jobs.get_job(store, job_id)
    assert isinstance(summary.lease, LeaseHolder)
    shown = summary.to_json()["lease"]
    assert shown["host"] == socket.gethostname()
    assert shown["pid"] == os.getpid()
    assert shown["live"] is True
    assert set(shown) == {"host", "pid", "since", "expires_at", "live"}
    assert "token" not in repr(summary.lease)


def test_unknown_job_lease(store: Store) -> None:
    """Taking the lease of a job that does not exist names it."""
    with pytest.raises(LookupError, match="job_missing"):
        JobLease(store, "job_missing", heartbeat_seconds=0).acquire()


def test_upgrade_from_0002_keeps_jobs(store_url: str) -> None:
    """A store made at revision 0002 upgrades to the lease columns; its jobs have no lease."""
    old = Store(store_url, migrate=False)
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    with old.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002_service")
    with old.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO segments (id, key, name, target, criteria_kind, criteria_text, statuses, "
            "created_at, updated_at) VALUES ('seg_old000000001', 'old', 'Old', 'contact', 'where', "
            "'Email != null', '[]', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        ))
        connection.execute(text(
            "INSERT INTO jobs (id, segment_id, kind, mode, state, route, id_field, params, api_calls, "
            "created_at) VALUES ('job_old000000001', 'seg_old000000001', 'assign', 'add', 'running', "
            "'rest', 'auto', '{}', 4, '2026-01-01 00:00:00')"
        ))
    old.close()

    with Store(store_url) as upgraded:
        assert upgraded.current_revision() == upgraded.head_revision() == "0003_job_lease"
        summary = jobs.get_job(upgraded, "job_old000000001")
        assert (summary.state, summary.api_calls, summary.lease) == ("running", 4, None)
        with JobLease(upgraded, "job_old000000001", heartbeat_seconds=0):
            assert live_holder(upgraded, "job_old000000001") is not None


def test_failed_release_logged_not_raised(
    store: Store, job_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A release the database rejects is logged, so the caller gets the run's own outcome."""
    lease = JobLease(store, job_id, heartbeat_seconds=0)
    lease.acquire()
    with store.engine.begin() as connection:
        connection.execute(text("ALTER TABLE jobs RENAME TO jobs_moved"))
    try:
        lease.release()
    finally:
        with store.engine.begin() as connection:
            connection.execute(text("ALTER TABLE jobs_moved RENAME TO jobs"))

    assert f"job.lease_release_failed job={job_id}" in caplog.text
    holder = read_holder(store, job_id)
    assert holder is not None
    assert holder.pid == os.getpid()


def test_new_job_written_leased(store: Store) -> None:
    """A job created with a lease is held from its first row; its own run then takes it."""
    lease = JobLease(store, "job_0000000000aa", heartbeat_seconds=0)
    job_id, _items = jobs.create_job(
        store, segment_id=SEGMENT_ID, kind="assign", mode="add", route="rest", status_label=None,
        id_field="auto", params={}, customers=parse_customers(["a@x.io"]), lease=lease,
    )  # fmt: skip

    assert job_id == "job_0000000000aa"
    holder = live_holder(store, job_id)
    assert holder is not None
    assert holder.pid == os.getpid()
    with pytest.raises(JobLeaseHeldError):
        JobLease(store, job_id, heartbeat_seconds=0).acquire()
    with lease:
        assert live_holder(store, job_id) is not None
    assert read_holder(store, job_id) is None


@pytest.mark.parametrize("pid", [0, -1])
def test_non_process_ids_not_alive(pid: int) -> None:
    """Ids that name no single process (0 and negative ones address groups) read as gone."""
    assert process_exists(pid) is False


def test_own_process_alive() -> None:
    """This test's own process exists."""
    assert process_exists(os.getpid()) is True
