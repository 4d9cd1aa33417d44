"""Bulk API 2.0 job states and polling.

A job moves `Open → UploadComplete → InProgress → JobComplete | Failed | Aborted`
(query jobs start at `UploadComplete`). Polling waits with a growing interval while the
job is not terminal, and raises `BulkJobError` carrying the job's `errorMessage` when it
ends `Failed` or `Aborted`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sfseg.salesforce import wire
from sfseg.salesforce.errors import FatalAPIError

if TYPE_CHECKING:
    from sfseg.salesforce.client import SalesforceClient

__all__ = [
    "BulkJobError",
    "JobKind",
    "JobState",
    "PollPolicy",
    "wait_for_job",
]


class JobState(StrEnum):
    OPEN = "Open"
    UPLOAD_COMPLETE = "UploadComplete"
    IN_PROGRESS = "InProgress"
    JOB_COMPLETE = "JobComplete"
    FAILED = "Failed"
    ABORTED = "Aborted"


TERMINAL_STATES = frozenset({JobState.JOB_COMPLETE, JobState.FAILED, JobState.ABORTED})


class JobKind(StrEnum):
    INGEST = "ingest"
    QUERY = "query"


class BulkJobError(FatalAPIError):
    """A Bulk API job ended `Failed` or `Aborted`, or did not finish in time.

    `job_id`, `state` and `job_info` describe the job; `result` contains what an ingest
    had written before the job stopped (rows of a Failed job are not rolled back).
    """

    def __init__(self, message: str, *, job_id: str, state: str, job_info: dict[str, Any] | None = None) -> None:
        super().__init__(message, error_code=f"BULK_JOB_{state.upper()}", hint="check the job in Setup > Bulk Data Load Jobs")
        self.job_id = job_id
        self.state = state
        self.job_info = job_info or {}
        self.result: Any = None


@dataclass(frozen=True)
class PollPolicy:
    """How often to ask for a job's state, in seconds.

    The interval starts at `initial`, grows by `factor` after each poll and stops at
    `maximum`; polling gives up after `timeout`. `sleep` is injectable for tests.
    """

    # Each poll is one API call. A short first wait suits small jobs, and the cap keeps
    # a job that runs for ten minutes at about 60 polls.
    initial: float = 0.25
    factor: float = 2.0
    maximum: float = 10.0
    timeout: float = 3600.0
    sleep: Callable[[float], None] = time.sleep

    def delays(self) -> list[float]:
        """Return the first ten waits, for logs and tests."""
        delays, delay = [], self.initial
        for _ in range(10):
            delays.append(delay)
            delay = min(delay * self.factor, self.maximum)
        return delays


def job_path(client: SalesforceClient, kind: JobKind, job_id: str = "", suffix: str = "") -> str:
    """`/services/data/vXX.X/jobs/{kind}[/{id}[/{suffix}]]`."""
    path = f"jobs/{kind.value}"
    if job_id:
        path += f"/{job_id}"
    if suffix:
        path += f"/{suffix}"
    return client.data_path(path)


def get_job(client: SalesforceClient, kind: JobKind, job_id: str) -> dict[str, Any]:
    info: dict[str, Any] = wire.loads(client.request("GET", job_path(client, kind, job_id), replay_safe=True).content)
    return info


def wait_for_job(client: SalesforceClient, kind: JobKind, job_id: str, policy: PollPolicy) -> dict[str, Any]:
    """Poll until the job is terminal; return its info when it is `JobComplete`.

    Raises:
        BulkJobError: the job ended Failed or Aborted (message includes `errorMessage`),
            or was still running after `policy.timeout` seconds.
    """
    waited = 0.0
    delay = policy.initial
    while True:
        info = get_job(client, kind, job_id)
        state = JobState(str(info.get("state")))
        if state is JobState.JOB_COMPLETE:
            return info
        if state in TERMINAL_STATES:
            reason = info.get("errorMessage") or "no errorMessage given"
            message = f"Bulk {kind.value} job {job_id} ended {state.value}: {reason}"
            raise BulkJobError(message, job_id=job_id, state=state.value, job_info=info)
        if waited >= policy.timeout:
            message = f"Bulk {kind.value} job {job_id} is still {state.value} after {waited:.0f} s"
            raise BulkJobError(message, job_id=job_id, state=state.value, job_info=info)
        policy.sleep(delay)
        waited += delay
        delay = min(delay * policy.factor, policy.maximum)
