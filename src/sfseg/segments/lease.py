"""Job leases, so that at most one process runs a job at a time.

A run takes its job's lease before it writes anything and releases it when it ends,
however it ends. The lease names its owner (host name, process id and a random token)
and has an expiry time, which a heartbeat thread moves forward while the run lives.

The run also renews its lease at every chunk it writes, and stops there once another
owner has taken it.

A lease is live until it expires. It is dead earlier when its owner ran on this host and
that process no longer exists (killed with SIGKILL, for example), so a resume right after
a crash need not wait for the expiry. A live lease of the same process but another token
belongs to another thread of this process, and is respected.

Taking a lease is one conditional UPDATE, and its row count shows whether it succeeded.
The condition is "no lease, an expired one or our own", or "the dead owner's token,
unchanged", so two runners that race on SQLite or PostgreSQL cannot both take it. A new
job can also be written with its lease already set (`owner_columns`), so that no other
process can take it between its creation and its run.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, or_, update
from sqlalchemy.exc import SQLAlchemyError

from sfseg.segments.store import Store
from sfseg.segments.store.models import Job, utcnow

__all__ = [
    "HEARTBEAT_SECONDS",
    "LEASE_SECONDS",
    "JobLease",
    "JobLeaseHeldError",
    "JobLeaseLostError",
    "LeaseHolder",
    "holder_of",
    "live_holder",
    "process_exists",
    "read_holder",
]

logger = logging.getLogger("sfseg.segments")

# A lease lasts this long past its last heartbeat. A run whose process is gone blocks
# other runs on other hosts for at most this long.
LEASE_SECONDS = 120.0
# The heartbeat renews the lease this often, so several renewals may fail (a busy
# database, a paused machine) before the lease expires.
HEARTBEAT_SECONDS = 30.0
# Rounds of "try to take, read the holder" before giving up on a lease that keeps
# changing hands under us.
_TAKE_ROUNDS = 3

_JOBS = cast(Table, Job.__table__)


def process_exists(pid: int) -> bool:
    """Return True when a process with this id exists on this host.

    NOTE: a process id that the system has reused for a new process reads as alive. Such
    a lease is respected until it expires, which costs a wait but never a second run.
    """
    if sys.platform == "win32":
        # os.kill on Windows terminates the process whatever the signal, so the lease
        # there counts as live until it expires.
        return True
    if pid <= 0:
        return False  # never an sfseg process; kill() would address a process group
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@dataclass(frozen=True, slots=True)
class LeaseHolder:
    """The owner of a job's lease as stored, with when it took the lease and when it expires."""

    host: str
    pid: int
    since: dt.datetime
    expires_at: dt.datetime
    # The owner's proof of ownership; kept out of the repr and of every output.
    token: str = field(repr=False)

    def is_live(self, now: dt.datetime | None = None) -> bool:
        """Return False once the lease has expired, or when its process on this host is gone."""
        if self.expires_at <= (now or utcnow()):
            return False
        return not (self.host == socket.gethostname() and not process_exists(self.pid))

    def describe(self) -> str:
        """Return `process PID on HOST since TIME`."""
        return f"process {self.pid} on {self.host} since {_stamp(self.since)}"

    def to_json(self) -> dict[str, Any]:
        def iso(value: dt.datetime) -> str:
            return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")

        return {
            "host": self.host,
            "pid": self.pid,
            "since": iso(self.since),
            "expires_at": iso(self.expires_at),
            "live": self.is_live(),
        }


def holder_of(job: Job) -> LeaseHolder | None:
    """Return the lease holder stored on a job row, or None when no process holds it."""
    if job.lease_token is None or job.lease_host is None or job.lease_pid is None:
        return None
    if job.leased_at is None or job.lease_expires_at is None:
        return None
    return LeaseHolder(job.lease_host, job.lease_pid, job.leased_at, job.lease_expires_at, job.lease_token)


def read_holder(store: Store, job_id: str) -> LeaseHolder | None:
    """Read a job's lease holder, live or not; None when no process holds it.

    Raises:
        LookupError: no job has this id.
    """
    with store.session() as session:
        job = session.get(Job, job_id)
        if job is None:
            msg = f"job {job_id!r} not found; run `sfseg jobs list` to see the jobs"
            raise LookupError(msg)
        return holder_of(job)


def live_holder(store: Store, job_id: str) -> LeaseHolder | None:
    """Return the job's lease holder when its lease is live, else None."""
    holder = read_holder(store, job_id)
    return holder if holder is not None and holder.is_live() else None


class JobLeaseHeldError(RuntimeError):
    """Another live process holds the job's lease, so this run would write the same rows."""

    # Not an API failure: the error log leaves it out.
    user_input = True

    def __init__(self, job_id: str, holder: LeaseHolder) -> None:
        super().__init__(f"job {job_id} is already running in {holder.describe()}")
        self.job_id = job_id
        self.holder = holder
        self.hint = (
            "wait for that run to finish; if you are sure its process is gone, "
            f"retry after its lease expires at {_stamp(holder.expires_at)}"
        )


class JobLeaseLostError(RuntimeError):
    """Another process took over the job's lease (ours had expired), so this run stops."""

    def __init__(self, job_id: str) -> None:
        super().__init__(
            f"job {job_id} was taken over by another process after this run's lease expired; "
            "this run stopped, and the other one continues the job"
        )
        self.job_id = job_id


class JobLease:
    """The lease on one job for one run: `acquire` (or `with`), a heartbeat, then `release`.

    Args:
        seconds: how long the lease lasts after each renewal.
        heartbeat_seconds: how often the heartbeat thread renews it; 0 turns the thread off.
        clock: the current time, for tests.
    """

    def __init__(
        self,
        store: Store,
        job_id: str,
        *,
        seconds: float = LEASE_SECONDS,
        heartbeat_seconds: float = HEARTBEAT_SECONDS,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.store = store
        self.job_id = job_id
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self._token = secrets.token_hex(16)
        self._duration = dt.timedelta(seconds=seconds)
        self._heartbeat_seconds = heartbeat_seconds
        self._clock = clock
        self._lost = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"JobLease(job_id={self.job_id!r}, host={self.host!r}, pid={self.pid})"

    def __enter__(self) -> JobLease:
        self.acquire()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()

    # --- taking and giving back ---------------------------------------------------

    def acquire(self) -> None:
        """Take the lease, or fail at once when another live process holds it.

        Raises:
            JobLeaseHeldError: a live lease of another owner; it names the owner.
            LookupError: no job has this id.
        """
        holder: LeaseHolder | None = None
        for _round in range(_TAKE_ROUNDS):
            now = self._clock()
            free = or_(
                _JOBS.c.lease_token.is_(None),
                _JOBS.c.lease_expires_at <= now,
                _JOBS.c.lease_token == self._token,
            )
            if self._take(free, now):
                return
            holder = read_holder(self.store, self.job_id)
            if holder is None:
                continue  # released between the two statements: try again
            if holder.is_live(now):
                raise JobLeaseHeldError(self.job_id, holder)
            # A dead owner on this host: take over only if its token is still there.
            if self._take(_JOBS.c.lease_token == holder.token, now):
                logger.info(
                    "job.lease_taken_over job=%s from_host=%s from_pid=%d",
                    self.job_id, holder.host, holder.pid,
                )  # fmt: skip
                return
        assert holder is not None
        raise JobLeaseHeldError(self.job_id, holder)

    def release(self) -> None:
        """Stop the heartbeat and clear the lease, if this run still holds it.

        A failed release is logged, not raised, so that it does not hide how the run
        ended. The lease then expires `seconds` after its last renewal.
        """
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        statement = (
            update(_JOBS)
            .where(_JOBS.c.id == self.job_id, _JOBS.c.lease_token == self._token)
            .values(lease_host=None, lease_pid=None, lease_token=None, leased_at=None, lease_expires_at=None)
        )
        try:
            with self.store.engine.begin() as connection:
                connection.execute(statement)
        except SQLAlchemyError as error:
            logger.warning("job.lease_release_failed job=%s error=%s", self.job_id, error)

    def owner_columns(self) -> dict[str, Any]:
        """Return this lease's column values, to write a new job already leased to this run."""
        now = self._clock()
        return {
            "lease_host": self.host, "lease_pid": self.pid, "lease_token": self._token,
            "leased_at": now, "lease_expires_at": now + self._duration,
        }  # fmt: skip

    # --- keeping it -----------------------------------------------------------------

    def renew(self) -> bool:
        """Move the expiry forward; False (and lost from then on) when another owner took it."""
        statement = (
            update(_JOBS)
            .where(_JOBS.c.id == self.job_id, _JOBS.c.lease_token == self._token)
            .values(lease_expires_at=self._clock() + self._duration)
        )
        with self.store.engine.begin() as connection:
            renewed = connection.execute(statement).rowcount == 1
        if not renewed:
            self._lost.set()
        return renewed

    def check(self) -> None:
        """Raise `JobLeaseLostError` once a renewal found the lease taken by another owner."""
        if self._lost.is_set():
            raise JobLeaseLostError(self.job_id)

    def beat(self) -> None:
        """Renew the lease now, between two writes of the run.

        Raises:
            JobLeaseLostError: another owner took the lease, so the run must stop writing.
        """
        self.check()
        if not self.renew():
            raise JobLeaseLostError(self.job_id)

    def _take(self, condition: ColumnElement[bool], now: dt.datetime) -> bool:
        statement = (
            update(_JOBS)
            .where(_JOBS.c.id == self.job_id, condition)
            .values(
                lease_host=self.host, lease_pid=self.pid, lease_token=self._token,
                leased_at=now, lease_expires_at=now + self._duration,
            )
        )  # fmt: skip
        with self.store.engine.begin() as connection:
            acquired = connection.execute(statement).rowcount == 1
        if acquired:
            self._start_heartbeat()
        return acquired

    def _start_heartbeat(self) -> None:
        if self._heartbeat_seconds <= 0:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._beat, name=f"sfseg-lease-{self.job_id}", daemon=True
        )
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(self._heartbeat_seconds):
            try:
                if not self.renew():
                    logger.warning("job.lease_lost job=%s", self.job_id)
                    return
            except SQLAlchemyError as error:
                # The next beat tries again; the lease lasts several beats.
                logger.warning("job.lease_renew_failed job=%s error=%s", self.job_id, error)
