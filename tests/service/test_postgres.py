"""The service on a PostgreSQL store: keys, idempotent POSTs under concurrency, and a job."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from sfseg.sandbox.server import SandboxInfo
from sfseg.segments.store import Store
from sfseg.service.keys import create_key
from sfseg.service.server import run_service
from tests.segments.conftest import POSTGRES_ENV, _postgres_schema_url, postgres_url
from tests.service.conftest import problem_of, service_config
from tests.service.test_api_jobs import seed_contacts

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_store() -> Iterator[Store]:
    server_url = postgres_url()
    if server_url is None:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    for url in _postgres_schema_url(server_url):
        with Store(url) as store:
            yield store


def test_service_on_postgres(fresh_sandbox: SandboxInfo, pg_store: Store) -> None:
    """On PostgreSQL, concurrent repeats of one assign start one job, which finishes."""
    contacts = seed_contacts(fresh_sandbox, 3)
    _info, key = create_key(pg_store, "writer")
    with (
        run_service(service_config(fresh_sandbox), store=pg_store) as service,
        httpx.Client(
            base_url=service.url, headers={"Authorization": f"Bearer {key}"}, timeout=60
        ) as api,
    ):
        assert api.get("/v1/segments").status_code == 200
        assert (
            problem_of(api.get("/v1/segments", headers={"Authorization": "Bearer x"}))["status"]
            == 401
        )
        segment_id = api.post(
            "/v1/segments", json={"name": "n", "criteria": "MailingCountry = 'Norway'"}
        ).json()["segment"]["id"]
        path = f"/v1/segments/{segment_id}/assign"

        def send(_: int) -> tuple[int, str | None]:
            response = api.post(
                path, json={"customer_ids": contacts}, headers={"Idempotency-Key": "race"}
            )
            return response.status_code, response.json().get("id")

        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(send, range(6)))
        job_ids = {job_id for status, job_id in answers if status == 202}

        assert {status for status, _ in answers} <= {202, 409}
        assert len(job_ids) == 1
        job_id = job_ids.pop()
        deadline = time.monotonic() + 30
        while api.get(f"/v1/jobs/{job_id}").json()["active"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert api.get(f"/v1/jobs/{job_id}").json()["counts"]["created"] == 3
        assert len(api.get("/v1/jobs").json()["items"]) == 1
