"""Assignment jobs through the service: 202 and wait, job items, resume, the error log."""

from __future__ import annotations

import time

from sfseg.sandbox.server import SandboxInfo
from tests.service.conftest import Api, problem_of

POLL_S = 0.05


def seed_contacts(info: SandboxInfo, count: int, country: str = "Norway") -> list[str]:
    org = info.state.org
    return [
        org.create("Contact", {"LastName": f"c{n}", "MailingCountry": country})
        for n in range(count)
    ]


def create_segment(api: Api, name: str = "Norway") -> str:
    response = api.write.post(
        "/v1/segments", json={"name": name, "criteria": "MailingCountry = 'Norway'"}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["segment"]["id"])


def wait_finished(api: Api, job_id: str, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = api.read.get(f"/v1/jobs/{job_id}").json()
        if not job["active"]:
            return dict(job)
        time.sleep(POLL_S)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


def members(info: SandboxInfo, campaign_id: str) -> set[str]:
    rows = info.state.org.store.connection.execute(
        "SELECT ContactId FROM CampaignMember WHERE CampaignId = ? AND IsDeleted = 0",
        (campaign_id,),
    )
    return {row[0] for row in rows}


def test_assign_answers_202_with_job(fresh_api: Api, fresh_sandbox: SandboxInfo) -> None:
    """Without `wait`, assign answers 202 with the job; the job ends with every member added."""
    contacts = seed_contacts(fresh_sandbox, 5)
    segment_id = create_segment(fresh_api)

    response = fresh_api.write.post(
        f"/v1/segments/{segment_id}/assign", json={"customer_ids": contacts}
    )

    assert response.status_code == 202
    job = response.json()
    assert job["id"].startswith("job_")
    assert job["segment_id"] == segment_id
    finished = wait_finished(fresh_api, job["id"])
    assert finished["state"] == "succeeded"
    assert finished["counts"]["created"] == 5
    campaign_id = fresh_api.read.get(f"/v1/segments/{segment_id}").json()["campaign_id"]
    assert members(fresh_sandbox, campaign_id) == set(contacts)


def test_assign_wait_returns_result(fresh_api: Api, fresh_sandbox: SandboxInfo) -> None:
    """With `wait=true` a small input gets 200 with every customer's outcome in input order."""
    contacts = seed_contacts(fresh_sandbox, 2)
    segment_id = create_segment(fresh_api)
    given = [contacts[0], "nobody@example.invalid", contacts[1]]

    response = fresh_api.write.post(
        f"/v1/segments/{segment_id}/assign?wait=true", json={"customer_ids": given}
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["job"]["state"] == "succeeded"
    assert [(i["customer_id"], i["outcome"]) for i in body["items"]] == [
        (contacts[0], "created"), ("nobody@example.invalid", "skipped"), (contacts[1], "created"),
    ]  # fmt: skip
    assert body["items"][1]["reason"] == "not_found"


def test_wait_ignored_for_large_input(fresh_api: Api, fresh_sandbox: SandboxInfo) -> None:
    """Past the wait limit, `wait=true` still answers 202 with the job."""
    config = fresh_api.service.state.config
    config.wait_max_customers = 2
    contacts = seed_contacts(fresh_sandbox, 3)
    segment_id = create_segment(fresh_api)

    response = fresh_api.write.post(
        f"/v1/segments/{segment_id}/assign?wait=true", json={"customer_ids": contacts}
    )

    assert response.status_code == 202
    assert wait_finished(fresh_api, response.json()["id"])["counts"]["created"] == 3


def test_items_page_and_filter(fresh_api: Api, fresh_sandbox: SandboxInfo) -> None:
    """Items come in input order, in pages, and filtered by outcome."""
    contacts = seed_contacts(fresh_sandbox, 4)
    segment_id = create_segment(fresh_api)
    given = [*contacts, "a@example.invalid", "b@example.invalid"]
    job_id = fresh_api.write.post(
        f"/v1/segments/{segment_id}/assign?wait=true", json={"customer_ids": given}
    ).json()["job"]["id"]

    first = fresh_api.read.get(f"/v1/jobs/{job_id}/items", params={"limit": 4}).json()
    second = fresh_api.read.get(
        f"/v1/jobs/{job_id}/items", params={"limit": 4, "cursor": first["next_cursor"]}
    ).json()
    skipped = fresh_api.read.get(f"/v1/jobs/{job_id}/items", params={"outcome": "skipped"}).json()

    assert [i["customer_id"] for i in first["items"] + second["items"]] == given
    assert second["next_cursor"] is None
    assert [i["customer_id"] for i in skipped["items"]] == given[4:]


def test_list_jobs_filters(fresh_api: Api, fresh_sandbox: SandboxInfo) -> None:
    """Jobs are listed newest first and filtered by segment and state."""
    contacts = seed_contacts(fresh_sandbox, 1)
    first = create_segment(fresh_api, "first")
    second = create_segment(fresh_api, "second")
    jobs = [
        fresh_api.write.post(
            f"/v1/segments/{seg}/assign?wait=true", json={"customer_ids": contacts}
        ).json()["job"]["id"]
        for seg in (first, second)
    ]

    listed = fresh_api.read.get("/v1/jobs").json()["items"]
    of_first = fresh_api.read.get("/v1/jobs", params={"segment_id": first}).json()["items"]
    failed = fresh_api.read.get("/v1/jobs", params={"state": "failed"}).json()["items"]

    assert [job["id"] for job in listed] == jobs[::-1]
    assert [job["id"] for job in of_first] == [jobs[0]]
    assert failed == []


def test_finished_job_cannot_resume(fresh_api: Api, fresh_sandbox: SandboxInfo) -> None:
    """Resuming a succeeded job gets 409 `job-not-resumable` naming its state."""
    contacts = seed_contacts(fresh_sandbox, 1)
    segment_id = create_segment(fresh_api)
    job_id = fresh_api.write.post(
        f"/v1/segments/{segment_id}/assign?wait=true", json={"customer_ids": contacts}
    ).json()["job"]["id"]

    response = fresh_api.write.post(f"/v1/jobs/{job_id}/resume")

    assert response.status_code == 409
    problem = problem_of(response)
    assert problem["type"].endswith("/job-not-resumable")
    assert "succeeded" in problem["detail"]


def test_limit_reached_job_resumes(fresh_api: Api, fresh_sandbox: SandboxInfo) -> None:
    """A job stopped by the daily limit ends `limit_reached` and finishes after resume."""
    contacts = seed_contacts(fresh_sandbox, 3)
    segment_id = create_segment(fresh_api)
    fresh_sandbox.state.faults.configure(
        {"rules": [{"path": "^/composite", "fault": "DAILY_LIMIT", "after": 1, "times": 1}]}
    )
    job_id = fresh_api.write.post(
        f"/v1/segments/{segment_id}/assign", json={"customer_ids": contacts}
    ).json()["id"]
    assert wait_finished(fresh_api, job_id)["state"] == "limit_reached"

    response = fresh_api.write.post(
        f"/v1/jobs/{job_id}/resume", headers={"Idempotency-Key": "resume-1"}
    )
    wait_finished(fresh_api, job_id)
    again = fresh_api.write.post(
        f"/v1/jobs/{job_id}/resume", headers={"Idempotency-Key": "resume-1"}
    )

    assert response.status_code == again.status_code == 202
    assert again.json() == response.json()
    finished = wait_finished(fresh_api, job_id)
    assert finished["state"] == "succeeded"
    assert finished["counts"]["created"] == 3
    errors = fresh_api.read.get("/v1/errors", params={"job_id": job_id}).json()["items"]
    assert [e["error_code"] for e in errors] == ["REQUEST_LIMIT_EXCEEDED"]


def test_error_log_filters(fresh_api: Api, fresh_sandbox: SandboxInfo) -> None:
    """The error log filters by segment, operation and time, and pages."""
    from sfseg.segments.errorlog import record_error

    store = fresh_api.store
    for number in range(3):
        record_error(
            store, operation="assign", error=ValueError(f"boom {number}"), segment_id="seg_a"
        )
    record_error(store, operation="analyze", error=ValueError("other"), segment_id="seg_b")

    of_a = fresh_api.read.get("/v1/errors", params={"segment_id": "seg_a", "limit": 2}).json()
    rest = fresh_api.read.get(
        "/v1/errors", params={"segment_id": "seg_a", "cursor": of_a["next_cursor"]}
    ).json()
    analyze = fresh_api.read.get("/v1/errors", params={"operation": "analyze"}).json()["items"]
    future = fresh_api.read.get("/v1/errors", params={"since": "2999-01-01T00:00:00Z"}).json()[
        "items"
    ]

    assert [e["message"] for e in of_a["items"] + rest["items"]] == ["boom 0", "boom 1", "boom 2"]
    assert [e["segment_id"] for e in analyze] == ["seg_b"]
    assert future == []


def test_unknown_job_is_404(fresh_api: Api) -> None:
    """An unknown job id gets 404 `job-not-found` naming it."""
    for path in ("/v1/jobs/job_nope", "/v1/jobs/job_nope/items"):
        response = fresh_api.read.get(path)
        assert response.status_code == 404
        assert "job_nope" in problem_of(response)["detail"]


def test_full_runner_refuses_new_jobs(fresh_sandbox: SandboxInfo, store) -> None:
    """With `max_jobs` jobs queued or running, another assignment gets 429 and writes no job."""
    import httpx

    from sfseg.service.keys import create_key
    from sfseg.service.server import run_service
    from tests.service.conftest import service_config

    contacts = seed_contacts(fresh_sandbox, 2)
    _info, key = create_key(store, "writer")
    with (
        run_service(service_config(fresh_sandbox, max_jobs=1), store=store) as service,
        httpx.Client(
            base_url=service.url, headers={"Authorization": f"Bearer {key}"}, timeout=60
        ) as api,
    ):
        segment_id = api.post(
            "/v1/segments", json={"name": "n", "criteria": "MailingCountry = 'Norway'"}
        ).json()["segment"]["id"]
        fresh_sandbox.state.latency_ms = 300
        first = api.post(f"/v1/segments/{segment_id}/assign", json={"customer_ids": contacts})
        second = api.post(f"/v1/segments/{segment_id}/assign", json={"customer_ids": contacts})
        fresh_sandbox.state.latency_ms = 0

        assert first.status_code == 202
        assert second.status_code == 429
        assert problem_of(second)["type"].endswith("/too-many-jobs")
        assert [job["id"] for job in api.get("/v1/jobs").json()["items"]] == [first.json()["id"]]
