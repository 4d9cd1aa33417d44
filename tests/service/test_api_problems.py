"""Error answers: problem+json with a stable type, a detail naming the value, Salesforce's code."""

from __future__ import annotations

import dataclasses
import json

from sfseg.sandbox.server import SandboxInfo
from tests.service.conftest import Api, problem_of


def test_validation_error_names_field_and_value(fresh_api: Api) -> None:
    """A body that fails validation gets 422 naming the field."""
    response = fresh_api.write.post("/v1/segments", json={"name": "", "criteria": "LastName = 'x'"})

    problem = problem_of(response)
    assert response.status_code == 422
    assert problem["type"].endswith("/invalid-request")
    assert problem["detail"].startswith("body.name:")
    assert problem["errors"][0]["loc"] == ["body", "name"]


def test_unknown_body_field_rejected(fresh_api: Api) -> None:
    """An unknown body field is rejected rather than ignored."""
    response = fresh_api.write.post(
        "/v1/preview", json={"criteria": "LastName = 'x'", "targett": "lead"}
    )

    assert response.status_code == 422
    assert "targett" in problem_of(response)["detail"]


def test_bad_cursor_names_it(fresh_api: Api) -> None:
    """A cursor the service did not give out gets 422 naming it."""
    response = fresh_api.read.get("/v1/segments", params={"cursor": "not-a-cursor"})

    assert response.status_code == 422
    assert "'not-a-cursor'" in problem_of(response)["detail"]


def test_unknown_path_and_method(fresh_api: Api) -> None:
    """Unknown paths get 404 and wrong methods 405, both as problems."""
    assert problem_of(fresh_api.read.get("/v1/nothing"))["status"] == 404
    assert problem_of(fresh_api.write.put("/v1/segments"))["status"] == 405


def test_declared_oversize_body_is_413(fresh_api: Api) -> None:
    """A Content-Length over the limit gets 413 before the body is read."""
    limit = fresh_api.service.state.config.max_body_bytes
    body = json.dumps({"customer_ids": ["a@example.com"] * (limit // 10)}).encode()

    response = fresh_api.write.post(
        "/v1/segments/x/assign", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 413
    assert f"{limit:,} bytes" in problem_of(response)["detail"]


def test_chunked_oversize_body_is_413(fresh_api: Api) -> None:
    """A body sent without Content-Length is cut off with 413 once it passes the limit."""
    limit = fresh_api.service.state.config.max_body_bytes
    chunk = b"x" * 65536

    def stream():
        yield b'{"customer_ids": ["'
        for _ in range(limit // len(chunk) + 2):
            yield chunk
        yield b'"]}'

    response = fresh_api.write.post(
        "/v1/segments/x/assign", content=stream(), headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 413, response.text
    problem_of(response)


def test_salesforce_error_carries_error_code(fresh_api: Api, fresh_sandbox: SandboxInfo) -> None:
    """A Salesforce error response carries its errorCode: the daily limit is 429."""
    fresh_sandbox.state.faults.configure(
        {"rules": [{"path": "^/composite", "fault": "DAILY_LIMIT"}]}
    )

    response = fresh_api.read.post("/v1/preview", json={"criteria": "LastName = 'x'"})

    assert response.status_code == 429
    problem = problem_of(response)
    assert problem["type"].endswith("/salesforce-quota")
    assert problem["errorCode"] == "REQUEST_LIMIT_EXCEEDED"


def test_unavailable_org_is_503(fresh_api: Api, fresh_sandbox: SandboxInfo) -> None:
    """An org answering 503 after the client's retries gives 503 with the errorCode."""
    fresh_sandbox.state.faults.configure(
        {"rules": [{"path": "^/composite", "fault": "SERVER_UNAVAILABLE"}]}
    )
    client = fresh_api.service.state.client
    client.retry_policy = dataclasses.replace(client.retry_policy, sleep=lambda _s: None)

    response = fresh_api.read.post("/v1/preview", json={"criteria": "LastName = 'x'"})

    assert response.status_code == 503
    assert problem_of(response)["errorCode"] == "SERVER_UNAVAILABLE"


def test_problem_media_type_in_openapi(fresh_api: Api) -> None:
    """The OpenAPI document declares error responses as problem+json with the Problem schema."""
    document = fresh_api.read.get("/openapi.json").json()

    answer = document["paths"]["/v1/segments"]["post"]["responses"]["422"]
    assert list(answer["content"]) == ["application/problem+json"]
    assert answer["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/ProblemOut"
    }


def test_no_pages_that_load_from_a_cdn(fresh_api: Api) -> None:
    """FastAPI's /docs and /redoc pages, which load scripts from a CDN, are not served."""
    assert fresh_api.anonymous.get("/docs").status_code == 404
    assert fresh_api.anonymous.get("/redoc").status_code == 404
    assert fresh_api.read.get("/openapi.json").status_code == 200


def test_readiness_failure_documented_as_json(fresh_api: Api, fresh_sandbox) -> None:
    """/readyz returns 503 with its JSON checks when the org is down, as documented."""
    document = fresh_api.read.get("/openapi.json").json()
    documented = document["paths"]["/readyz"]["get"]["responses"]["503"]["content"]
    fresh_sandbox.state.faults.configure({"rules": [{"path": "^/limits", "fault": "DAILY_LIMIT"}]})

    response = fresh_api.anonymous.get("/readyz")

    assert list(documented) == ["application/json"]
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["status"] == "not_ready"
    assert body["checks"]["store"] == "ok"
    assert "REQUEST_LIMIT_EXCEEDED" in body["checks"]["salesforce"]


def test_openapi_needs_key(fresh_api: Api) -> None:
    """The OpenAPI document, like every endpoint but the health checks, needs an API key."""
    response = fresh_api.anonymous.get("/openapi.json")

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
