"""The Bulk API 2.0 of one sandbox: its jobs, daily limits and background processing.

Jobs run on a worker thread that starts when a job becomes ready and ends when no job
is waiting, so an idle sandbox has no worker thread. Processing is paced by
`BulkSettings.rows_per_second`, in chunks of `BulkSettings.chunk_size` rows.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from sfseg.sandbox.bulk import codes
from sfseg.sandbox.bulk.csvdata import parse_upload
from sfseg.sandbox.bulk.ingest import plan_columns, process_row
from sfseg.sandbox.bulk.jobs import (
    BulkApiError,
    BulkJob,
    IngestJob,
    JobState,
    QueryJob,
)
from sfseg.sandbox.bulk.query import QueryResults
from sfseg.sandbox.bulk.settings import BulkSettings

if TYPE_CHECKING:
    from sfseg.sandbox.state import SandboxState

__all__ = ["BulkService", "bulk_service"]

logger = logging.getLogger("sfseg.sandbox.bulk")
_NOT_FOUND_MESSAGE = "The requested resource does not exist"

# One service per org; keyed weakly so that a stopped sandbox's jobs go with its org.
_services: weakref.WeakKeyDictionary[Any, BulkService] = weakref.WeakKeyDictionary()
_services_lock = threading.Lock()


def bulk_service(state: SandboxState) -> BulkService:
    """Return the Bulk API service of a sandbox, creating it on first use."""
    with _services_lock:
        service = _services.get(state.org)
        if service is None:
            service = BulkService()
            _services[state.org] = service
        return service


class BulkService:
    """Jobs, limits and the worker of one sandbox's Bulk API."""

    def __init__(self, settings: BulkSettings | None = None) -> None:
        self.settings = settings or BulkSettings()
        self.jobs: dict[str, BulkJob] = {}
        self.records_uploaded = 0
        self.query_jobs_created = 0
        self._lock = threading.Lock()
        self._queue: collections.deque[str] = collections.deque()
        self._worker: threading.Thread | None = None
        self._state: SandboxState | None = None

    # -- jobs ----------------------------------------------------------------

    def add(self, job: BulkJob) -> None:
        with self._lock:
            self.jobs[job.id] = job

    def get(self, job_id: str, kind: type[BulkJob]) -> BulkJob:
        """Return a job of this kind, or raise NOT_FOUND (404) as Salesforce does."""
        job = self.jobs.get(job_id)
        if not isinstance(job, kind):
            raise BulkApiError(codes.NOT_FOUND, _NOT_FOUND_MESSAGE, 404)
        return job

    def remove(self, job_id: str) -> None:
        with self._lock:
            job = self.jobs.pop(job_id, None)
        if isinstance(job, QueryJob) and isinstance(job.results, QueryResults):
            job.results.close()

    def list_jobs(self, kind: type[BulkJob]) -> list[BulkJob]:
        with self._lock:
            return [job for job in self.jobs.values() if isinstance(job, kind)]

    # -- limits --------------------------------------------------------------

    def reserve_query_job(self) -> None:
        """Count one query job against the daily allowance, or raise EXCEEDEDQUOTA."""
        with self._lock:
            if self.query_jobs_created >= self.settings.daily_query_job_limit:
                message = (
                    f"ExceededQuota : the org has created {self.query_jobs_created} Bulk API query jobs "
                    f"in the last 24 hours, its limit is {self.settings.daily_query_job_limit}"
                )
                raise BulkApiError(codes.EXCEEDEDQUOTA, message)
            self.query_jobs_created += 1

    def reserve_records(self, count: int) -> bool:
        """Count uploaded records against the daily allowance; False when they do not fit."""
        with self._lock:
            if self.records_uploaded + count > self.settings.daily_record_limit:
                return False
            self.records_uploaded += count
            return True

    def limits(self) -> dict[str, dict[str, int]]:
        """Return the `/limits` entries this service draws down, in Salesforce's shape.

        Salesforce's documented `/limits` examples show no entry for the daily record
        allowance, so only the query-job count appears here.
        """
        maximum = self.settings.daily_query_job_limit
        remaining = max(maximum - self.query_jobs_created, 0)
        return {"DailyBulkV2QueryJobs": {"Max": maximum, "Remaining": remaining}}

    # -- processing ----------------------------------------------------------

    def submit(self, state: SandboxState, job: BulkJob) -> None:
        """Queue a job for background processing and make sure a worker runs."""
        with self._lock:
            self._queue.append(job.id)
            self._state = state
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name="sfseg-bulk-worker", daemon=True)
                self._worker.start()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until no job is queued or running; return False on timeout (for tests)."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)
            return not worker.is_alive()
        return True

    def _next(self) -> tuple[SandboxState, BulkJob] | None:
        with self._lock:
            while self._queue:
                job = self.jobs.get(self._queue.popleft())
                if job is not None and self._state is not None:
                    return self._state, job
            self._worker = None
            self._state = None
            return None

    def _run(self) -> None:
        while (item := self._next()) is not None:
            state, job = item
            try:
                if isinstance(job, IngestJob):
                    self._process_ingest(state, job)
                elif isinstance(job, QueryJob):
                    self._process_query(state, job)
            except Exception as exc:
                logger.exception("bulk job %s failed", job.id)
                with job.lock:
                    job.error_message = f"InternalServerError : {exc}"
                    job.set_state(JobState.FAILED, state.clock.now())

    def _pace(self, rows: int) -> None:
        rate = self.settings.rows_per_second
        if rate > 0 and rows > 0:
            time.sleep(rows / rate)

    def _start(self, state: SandboxState, job: BulkJob) -> bool:
        with job.lock:
            if job.state is not JobState.UPLOAD_COMPLETE:
                return False
            job.set_state(JobState.IN_PROGRESS, state.clock.now())
            return True

    def _finish(self, state: SandboxState, job: BulkJob, started: float) -> None:
        with job.lock:
            job.processing_ms += int((time.monotonic() - started) * 1000)
            if job.state is JobState.IN_PROGRESS:
                job.set_state(JobState.JOB_COMPLETE, state.clock.now())

    def _fail(self, state: SandboxState, job: BulkJob, message: str) -> None:
        with job.lock:
            job.error_message = message
            job.set_state(JobState.FAILED, state.clock.now())

    def _process_ingest(self, state: SandboxState, job: IngestJob) -> None:
        if not self._start(state, job):
            return
        started = time.monotonic()
        try:
            job.header, job.rows = parse_upload(bytes(job.upload), job.delimiter)
            plans = plan_columns(state.org, job)
        except (ValueError, BulkApiError) as exc:
            self._fail(state, job, f"InvalidBatch : {exc}" if isinstance(exc, ValueError) else str(exc))
            return
        if not self.reserve_records(len(job.rows)):
            message = (
                f"ExceededQuota : {len(job.rows)} records would pass the daily Bulk API limit of "
                f"{self.settings.daily_record_limit} records"
            )
            self._fail(state, job, message)
            return
        for chunk in _chunks(len(job.rows), self.settings.chunk_size):
            if job.state is not JobState.IN_PROGRESS:
                return  # aborted while running: the rest stays unprocessed
            for index in chunk:
                cells = job.rows[index]
                outcome = process_row(state.org, state.faults, job, plans, cells)
                with job.lock:
                    if outcome.error is None:
                        job.successes.append((outcome.record_id, "true" if outcome.created else "false", cells))
                    else:
                        job.failures.append((outcome.record_id, outcome.error, cells))
                        job.records_failed += 1
                    job.records_processed += 1
            self._pace(len(chunk))
        self._finish(state, job, started)

    def _process_query(self, state: SandboxState, job: QueryJob) -> None:
        from sfseg.sandbox.query import QueryError

        if not self._start(state, job):
            return
        started = time.monotonic()
        results = job.results
        assert isinstance(results, QueryResults)
        try:
            records = state.queries.iter_records(job.query, include_deleted=job.operation == "queryAll")
            for batch in _batches(records, self.settings.chunk_size):
                if job.state is not JobState.IN_PROGRESS:
                    return
                job.records_processed += results.append(batch)
                self._pace(len(batch))
        except QueryError as exc:
            self._fail(state, job, f"InvalidBatch : Failed to process query: {exc.error_code}: {exc.message}")
            return
        self._finish(state, job, started)


def _chunks(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(start + size, total))


def _batches(records: Iterator[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
