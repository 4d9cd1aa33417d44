"""Other requests during Bulk API work: polls reuse idle connections and respond fast."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from http.client import HTTPSConnection
from urllib.parse import urlsplit

import httpx
import pytest

from sfseg.sandbox.bulk import bulk_service
from sfseg.sandbox.bulk.csvdata import write_csv
from sfseg.sandbox.server import SandboxInfo, run_sandbox

# simple-salesforce waits 5 s plus a few milliseconds between Bulk API polls.
_CLIENT_POLL_SECONDS = 5.3
# A poll or a query during processing must respond within this many seconds (two shared cores).
_LATENCY_BOUND_SECONDS = 1.5


@pytest.fixture(scope="module")
def tls_sandbox() -> Iterator[SandboxInfo]:
    with run_sandbox(seed="empty", tls=True, wait_on_exit=False) as info:
        yield info


def _start_member_job(
    info: SandboxInfo, http: httpx.Client, rows: int, rows_per_second: float
) -> str:
    """Upload a CampaignMember insert of `rows` rows, processed at `rows_per_second`."""
    settings = bulk_service(info.state).settings
    settings.rows_per_second = rows_per_second
    settings.chunk_size = 20
    org = info.state.org
    campaign = org.create("Campaign", {"Name": f"Keep-alive {time.monotonic_ns()}"})
    contacts = [org.create("Contact", {"LastName": f"Member {n}"}) for n in range(rows)]
    data = "CampaignId,ContactId\n" + "".join(f"{campaign},{contact}\n" for contact in contacts)
    job_id = str(
        http.post("/jobs/ingest", json={"object": "CampaignMember", "operation": "insert"}).json()[
            "id"
        ]
    )
    upload = http.put(
        f"/jobs/ingest/{job_id}/batches",
        content=data.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert upload.status_code == 201, upload.text
    closed = http.patch(f"/jobs/ingest/{job_id}", json={"state": "UploadComplete"})
    assert closed.status_code == 200, closed.text
    return job_id


def _client(info: SandboxInfo) -> httpx.Client:
    headers = {"Authorization": f"Bearer {info.access_token()}"}
    return httpx.Client(base_url=info.data_url, headers=headers, verify=info.verify, timeout=10)


def _get(connection: HTTPSConnection, path: str, token: str) -> tuple[int, bytes]:
    connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    response = connection.getresponse()
    return response.status, response.read()


@pytest.mark.slow
def test_poll_after_client_interval_reuses_connection(tls_sandbox: SandboxInfo) -> None:
    with _client(tls_sandbox) as http:
        job_id = _start_member_job(tls_sandbox, http, rows=400, rows_per_second=50)
        address = urlsplit(tls_sandbox.url)
        context = ssl.create_default_context(cafile=tls_sandbox.ca_file)
        connection = HTTPSConnection(
            address.hostname or "", address.port, context=context, timeout=10
        )
        token = tls_sandbox.access_token()
        path = f"/services/data/v{tls_sandbox.api_version}/jobs/ingest/{job_id}"
        try:
            assert _get(connection, path, token)[0] == 200
            socket_before = connection.sock
            time.sleep(_CLIENT_POLL_SECONDS)
            # A server that closed the idle connection makes this raise RemoteDisconnected.
            status, body = _get(connection, path, token)
            assert status == 200, body
            assert b'"InProgress"' in body
            assert connection.sock is socket_before
        finally:
            connection.close()
            http.patch(f"/jobs/ingest/{job_id}", json={"state": "Aborted"})
            assert bulk_service(tls_sandbox.state).wait_idle()


def test_polls_and_queries_respond_during_ingest(tls_sandbox: SandboxInfo) -> None:
    failures: list[str] = []
    query_seconds: list[float] = []
    stop = threading.Event()

    def query_until_stopped() -> None:
        with _client(tls_sandbox) as queries:
            while not stop.is_set():
                started = time.monotonic()
                try:
                    response = queries.get(
                        "/query", params={"q": "SELECT COUNT() FROM CampaignMember"}
                    )
                    query_seconds.append(time.monotonic() - started)
                    if response.status_code != 200:
                        failures.append(
                            f"query returned {response.status_code}: {response.text[:200]}"
                        )
                except httpx.HTTPError as exc:
                    failures.append(f"query failed: {type(exc).__name__}: {exc}")
                time.sleep(0.05)

    with _client(tls_sandbox) as http:
        job_id = _start_member_job(tls_sandbox, http, rows=3000, rows_per_second=1500)
        querier = threading.Thread(target=query_until_stopped)
        querier.start()
        poll_seconds: list[float] = []
        states: list[str] = []
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and "JobComplete" not in states:
                started = time.monotonic()
                poll = http.get(f"/jobs/ingest/{job_id}")
                poll_seconds.append(time.monotonic() - started)
                assert poll.status_code == 200, poll.text
                states.append(poll.json()["state"])
                time.sleep(0.1)
        finally:
            stop.set()
            querier.join()
    assert failures == []
    assert "InProgress" in states, "the polls did not overlap the job's processing"
    assert states[-1] == "JobComplete"
    assert query_seconds, "no query ran during the job"
    assert max(poll_seconds) < _LATENCY_BOUND_SECONDS
    assert max(query_seconds) < _LATENCY_BOUND_SECONDS


def test_poll_responds_while_results_written(
    tls_sandbox: SandboxInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    def slow_write_csv(
        header: Sequence[str], rows: Iterable[Sequence[str]], **options: str
    ) -> bytes:
        time.sleep(1.0)  # as long as writing a 100,000-row results file takes
        return write_csv(header, rows, **options)

    monkeypatch.setattr("sfseg.sandbox.routes.bulk.write_csv", slow_write_csv)
    with _client(tls_sandbox) as http, _client(tls_sandbox) as poller:
        job_id = _start_member_job(tls_sandbox, http, rows=5, rows_per_second=0)
        assert bulk_service(tls_sandbox.state).wait_idle()
        results: list[httpx.Response] = []
        reader = threading.Thread(
            target=lambda: results.append(http.get(f"/jobs/ingest/{job_id}/successfulResults"))
        )
        reader.start()
        time.sleep(0.2)
        started = time.monotonic()
        poll = poller.get(f"/jobs/ingest/{job_id}")
        poll_seconds = time.monotonic() - started
        reader.join()
    assert poll.status_code == 200
    assert poll_seconds < 0.5
    assert results[0].status_code == 200
    assert len(results[0].text.splitlines()) == 6
