"""Bulk API 2.0 job polling: every state understood, growing waits, errorMessage kept."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from sfseg.salesforce.bulk2_jobs import BulkJobError, JobKind, PollPolicy, wait_for_job


class _FakeClient:
    """Returns job info with a fixed sequence of states, one per request."""

    def __init__(self, infos: list[dict[str, Any]]) -> None:
        self.infos = infos
        self.paths: list[str] = []

    def data_path(self, suffix: str) -> str:
        return f"/services/data/v66.0/{suffix}"

    def request(self, method: str, path: str, **_: Any) -> httpx.Response:
        self.paths.append(path)
        return httpx.Response(200, content=json.dumps(self.infos.pop(0)).encode())


def _policy(sleeps: list[float], **options: Any) -> PollPolicy:
    return PollPolicy(initial=0.5, factor=2.0, maximum=3.0, sleep=sleeps.append, **options)


def test_waits_through_states_until_complete() -> None:
    client = _FakeClient([{"state": s} for s in ("Open", "UploadComplete", "InProgress", "InProgress", "InProgress", "JobComplete")])
    sleeps: list[float] = []
    info = wait_for_job(client, JobKind.INGEST, "750X", _policy(sleeps))  # type: ignore[arg-type]
    assert info == {"state": "JobComplete"}
    assert sleeps == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert client.paths[0] == "/services/data/v66.0/jobs/ingest/750X"


@pytest.mark.parametrize("state", ["Failed", "Aborted"])
def test_failed_or_aborted_raises_with_error_message(state: str) -> None:
    client = _FakeClient([{"state": "InProgress"}, {"state": state, "errorMessage": "InvalidBatch : bad column"}])
    with pytest.raises(BulkJobError, match=f"ended {state}: InvalidBatch : bad column") as caught:
        wait_for_job(client, JobKind.QUERY, "750Y", _policy([]))  # type: ignore[arg-type]
    assert caught.value.state == state
    assert caught.value.job_id == "750Y"
    assert caught.value.error_code == f"BULK_JOB_{state.upper()}"


def test_timeout_raises_with_state() -> None:
    client = _FakeClient([{"state": "InProgress"}] * 5)
    with pytest.raises(BulkJobError, match="still InProgress"):
        wait_for_job(client, JobKind.INGEST, "750Z", _policy([], timeout=1.0))  # type: ignore[arg-type]


def test_unknown_state_rejected() -> None:
    client = _FakeClient([{"state": "Sleeping"}])
    with pytest.raises(ValueError, match="Sleeping"):
        wait_for_job(client, JobKind.INGEST, "750Z", _policy([]))  # type: ignore[arg-type]


def test_policy_delays_capped() -> None:
    assert PollPolicy(initial=1, factor=3, maximum=5).delays()[:4] == [1, 3, 5, 5]
