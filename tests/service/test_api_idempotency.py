"""`Idempotency-Key`: the same key and body give the same answer and no second job."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from sfseg.sandbox.server import SandboxInfo
from sfseg.segments.store.models import Job, Segment
from tests.service.conftest import Api, problem_of
from tests.service.test_api_jobs import create_segment, seed_contacts, wait_finished


def _job_count(api: Api) -> int:
    with api.store.session() as session:
        return int(session.scalar(select(func.count()).select_from(Job)) or 0)


def test_repeat_gives_same_job(fresh_api: Api, fresh_sandbox: SandboxInfo) -> None:
    """A repeated assign with the same key and body answers the same job and starts none."""
    contacts = seed_contacts(fresh_sandbox, 2)
    segment_id = create_segment(fresh_api)
    headers = {"Idempotency-Key": "assign-1"}
    path = f"/v1/segments/{segment_id}/assign"

    first = fresh_api.write.post(path, json={"customer_ids": contacts}, headers=headers)
    wait_finished(fresh_api, first.json()["id"])
    again = fresh_api.write.post(path, json={"customer_ids": contacts}, headers=headers)

    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert _job_count(fresh_api) == 1


def test_repeat_create_makes_one_segment(fresh_api: Api) -> None:
    """A repeated create with the same key stores one segment and answers 201 twice."""
    body = {"name": "once", "criteria": "LastName = 'x'"}
    headers = {"Idempotency-Key": "create-1"}

    answers = [fresh_api.write.post("/v1/segments", json=body, headers=headers) for _ in range(2)]

    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    with fresh_api.store.session() as session:
        assert session.scalar(select(func.count()).select_from(Segment)) == 1


def test_same_key_other_body_is_422(fresh_api: Api) -> None:
    """The same key with another body gets 422 `idempotency-key-reused` naming the key."""
    headers = {"Idempotency-Key": "create-2"}
    fresh_api.write.post(
        "/v1/segments", json={"name": "a", "criteria": "LastName = 'x'"}, headers=headers
    )

    response = fresh_api.write.post(
        "/v1/segments", json={"name": "b", "criteria": "LastName = 'x'"}, headers=headers
    )

    assert response.status_code == 422
    problem = problem_of(response)
    assert problem["type"].endswith("/idempotency-key-reused")
    assert "'create-2'" in problem["detail"]


def test_keys_are_per_api_key(fresh_api: Api) -> None:
    """Two API keys may use the same idempotency key for different requests."""
    headers = {"Idempotency-Key": "shared"}
    first = fresh_api.write.post(
        "/v1/preview", json={"criteria": "LastName = 'x'"}, headers=headers
    )
    second = fresh_api.read.post(
        "/v1/preview", json={"criteria": "LastName = 'y'"}, headers=headers
    )

    assert first.status_code == second.status_code == 200
    assert first.json()["soql"] != second.json()["soql"]


def test_failed_request_frees_its_key(fresh_api: Api) -> None:
    """A request that fails leaves its key free for a corrected retry with the same body."""
    headers = {"Idempotency-Key": "retry-me"}
    body = {"name": "x", "criteria": "MailingCountry = 'Norway'"}
    fresh_api.write.post("/v1/segments", json={"name": "x", "criteria": "LastName = 'x'"})

    taken = fresh_api.write.post("/v1/segments", json=body, headers=headers)
    fresh_api.write.delete("/v1/segments/x")
    retried = fresh_api.write.post("/v1/segments", json=body, headers=headers)

    assert taken.status_code == 409
    assert retried.status_code == 201


def test_concurrent_repeats_start_one_job(fresh_api: Api, fresh_sandbox: SandboxInfo) -> None:
    """Eight concurrent repeats of one assign start exactly one job; the others get it or 409."""
    contacts = seed_contacts(fresh_sandbox, 3)
    segment_id = create_segment(fresh_api)
    path = f"/v1/segments/{segment_id}/assign"

    def send(_: int) -> tuple[int, str | None]:
        response = fresh_api.write.post(
            path, json={"customer_ids": contacts}, headers={"Idempotency-Key": "race"}
        )
        return response.status_code, response.json().get("id")

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, range(8)))

    assert {status for status, _ in answers} <= {202, 409}
    assert len({job_id for status, job_id in answers if status == 202}) == 1
    assert _job_count(fresh_api) == 1


def test_malformed_key_is_400(fresh_api: Api) -> None:
    """An over-long key gets 400 naming the limit."""
    response = fresh_api.write.post(
        "/v1/preview", json={"criteria": "LastName = 'x'"}, headers={"Idempotency-Key": "k" * 300}
    )

    assert response.status_code == 400
    assert "1 to 255" in problem_of(response)["detail"]
