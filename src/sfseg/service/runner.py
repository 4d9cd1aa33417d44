"""The service's job runner: a bounded pool of worker threads over the store's jobs.

Every assignment the service accepts is first written to the store as a `planned` job,
then run by a worker through `resume_job`, so a job started by a request and a job
picked up after a restart go through the same code. At start-up the runner submits
every job left `planned` or `running` by an earlier process. A job that an error
stopped is `aborted`, and waits for a person to resume it. At shutdown the runner waits
for running jobs up to a drain time, then asks them to stop at their next chunk
boundary; their journal is the checkpoint, and they stay `running` for the next start.

A job whose lease another live process holds (the CLI, or another service on the same
store) is skipped: that process finishes it.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures

from sqlalchemy import select

from sfseg.salesforce import SalesforceClient
from sfseg.segments.assign import AssignResult, JobNotResumableError, resume_job
from sfseg.segments.jobs import JobState
from sfseg.segments.lease import JobLeaseHeldError, JobLeaseLostError
from sfseg.segments.store import Store
from sfseg.segments.store.models import Job
from sfseg.segments.write import Progress, StopRequestedError, WriteOptions

__all__ = ["JobInterruptedError", "JobRunner", "RunnerBusyError", "RunnerStoppedError"]

logger = logging.getLogger("sfseg.service")

# Jobs another process left behind: started (killed mid-run) or never started.
RESUMED_AT_START = (JobState.RUNNING.value, JobState.PLANNED.value)
# After the drain time, interrupted jobs get this long to reach a chunk boundary.
STOP_GRACE_SECONDS = 30.0


class JobInterruptedError(StopRequestedError):
    """The service is shutting down; the job stops here and resumes at the next start."""


class RunnerStoppedError(RuntimeError):
    """The runner no longer accepts jobs because the service is shutting down."""


class RunnerBusyError(RuntimeError):
    """As many jobs as the runner may hold are queued or running already."""


class _StopAware(Progress):
    """Raises at the next progress report once the runner is stopping."""

    def __init__(self, stopping: threading.Event) -> None:
        self._stopping = stopping

    def _check(self) -> None:
        if self._stopping.is_set():
            msg = "the service is shutting down; the job resumes when it starts again"
            raise JobInterruptedError(msg)

    def start(self, step: str, total: int | None) -> None:
        self._check()

    def advance(self, step: str, amount: int) -> None:
        self._check()


class JobRunner:
    """Runs jobs on at most `workers` threads; one run per job at a time."""

    def __init__(
        self,
        client: SalesforceClient,
        store: Store,
        *,
        workers: int,
        max_jobs: int,
        write_options: WriteOptions | None = None,
    ) -> None:
        self.client = client
        self.store = store
        self.write_options = write_options
        self.max_jobs = max_jobs
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sfseg-job")
        self._futures: dict[str, Future[AssignResult | None]] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._closed = False

    def submit(self, job_id: str) -> Future[AssignResult | None]:
        """Queue a job; a job queued or running already keeps its one run.

        Raises:
            RunnerStoppedError: the service is shutting down.
        """
        with self._lock:
            if self._closed:
                msg = "the service is shutting down and takes no new jobs; retry after it restarts"
                raise RunnerStoppedError(msg)
            existing = self._futures.get(job_id)
            if existing is not None and not existing.done():
                return existing
            future = self._pool.submit(self._run, job_id)
            self._futures[job_id] = future
        # Outside the lock: a future that is done already (a job skipped at once) runs
        # the callback in this thread, and `_forget` takes the lock.
        future.add_done_callback(lambda _f: self._forget(job_id, _f))
        return future

    def is_active(self, job_id: str) -> bool:
        with self._lock:
            future = self._futures.get(job_id)
            return future is not None and not future.done()

    def active_count(self) -> int:
        with self._lock:
            return sum(1 for future in self._futures.values() if not future.done())

    def check_capacity(self) -> None:
        """Raise `RunnerBusyError` when `max_jobs` jobs are queued or running."""
        active = self.active_count()
        if active >= self.max_jobs:
            msg = (
                f"{active} jobs are queued or running, the most this service takes; "
                "retry when some have finished"
            )
            raise RunnerBusyError(msg)

    def resume_left_over(self) -> list[str]:
        """Submit the jobs an earlier process left `planned` or `running`; return their ids."""
        query = select(Job.id).where(Job.state.in_(RESUMED_AT_START)).order_by(Job.created_at)
        with self.store.session() as session:
            job_ids = list(session.scalars(query))
        for job_id in job_ids:
            logger.info("service.job_resumed_at_start job=%s", job_id)
            self.submit(job_id)
        return job_ids

    def shutdown(self, drain_seconds: float) -> None:
        """Stop taking jobs, let running ones finish for `drain_seconds`, then interrupt them."""
        with self._lock:
            self._closed = True
            pending = [future for future in self._futures.values() if not future.done()]
        done, not_done = wait_futures(pending, timeout=max(drain_seconds, 0.0))
        if not_done:
            logger.warning("service.jobs_interrupted count=%d", len(not_done))
            self._stopping.set()
            for future in not_done:
                future.cancel()  # queued jobs stay `planned` in the store
            wait_futures(not_done, timeout=STOP_GRACE_SECONDS)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _forget(self, job_id: str, future: Future[AssignResult | None]) -> None:
        with self._lock:
            if self._futures.get(job_id) is future:
                del self._futures[job_id]

    def _run(self, job_id: str) -> AssignResult | None:
        if self._stopping.is_set():
            return None
        try:
            return resume_job(
                self.client, self.store, job_id,
                progress=_StopAware(self._stopping), write_options=self.write_options,
            )  # fmt: skip
        except JobInterruptedError:
            logger.info("service.job_checkpointed job=%s", job_id)
            return None
        except JobNotResumableError:
            return None  # finished by another run in the meantime
        except JobLeaseHeldError as error:
            holder = error.holder
            logger.info(
                "service.job_skipped job=%s reason=leased host=%s pid=%d",
                job_id, holder.host, holder.pid,
            )  # fmt: skip
            return None
        except JobLeaseLostError:
            logger.warning("service.job_taken_over job=%s", job_id)
            return None
        except Exception:
            # assign_customers has recorded the error and left the job resumable.
            logger.exception("service.job_failed job=%s", job_id)
            raise
