"""API keys at the door: every endpoint but the health checks needs one; read-only keys read."""

from __future__ import annotations

import httpx
import pytest

from sfseg.service.keys import create_key, revoke_key
from tests.service.conftest import Api, problem_of

READ_PATHS = [
    "/v1/segments",
    "/v1/jobs",
    "/v1/errors",
    "/metrics",
    "/v1/segments/x",
    "/v1/jobs/job_x",
]


def _unauthorized_body(response: httpx.Response) -> dict:
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    return problem_of(response)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer sfseg_wrong"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
        {"Authorization": "sfseg_no_scheme"},
    ],
    ids=["missing", "wrong", "basic", "empty", "no-scheme"],
)
def test_bad_keys_get_the_same_401(api: Api, headers: dict[str, str]) -> None:
    """Missing, wrong and malformed keys all get one identical 401 answer."""
    reference = _unauthorized_body(api.anonymous.get("/v1/segments"))

    body = _unauthorized_body(api.anonymous.get("/v1/segments", headers=headers))

    assert body == reference


def test_revoked_key_gets_401(api: Api) -> None:
    """A revoked key gets the same 401 as a wrong one."""
    _info, key = create_key(api.store, "short-lived")
    headers = {"Authorization": f"Bearer {key}"}
    assert api.anonymous.get("/v1/segments", headers=headers).status_code == 200

    revoke_key(api.store, "short-lived")

    body = _unauthorized_body(api.anonymous.get("/v1/segments", headers=headers))
    assert body == _unauthorized_body(api.anonymous.get("/v1/segments"))


@pytest.mark.parametrize("path", READ_PATHS)
def test_every_endpoint_needs_a_key(api: Api, path: str) -> None:
    """Reads without a key get 401 before anything else is checked."""
    _unauthorized_body(api.anonymous.get(path))


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/segments"),
        ("POST", "/v1/preview"),
        ("DELETE", "/v1/segments/x"),
        ("POST", "/v1/segments/x/assign"),
        ("POST", "/v1/jobs/job_x/resume"),
    ],
)
def test_writes_need_a_key(api: Api, method: str, path: str) -> None:
    """Writes without a key get 401, even with an invalid body."""
    _unauthorized_body(api.anonymous.request(method, path, json={}))


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/segments", {"name": "ro", "criteria": "LastName = 'x'"}),
        ("DELETE", "/v1/segments/anything", None),
        ("POST", "/v1/segments/anything/assign", {"customer_ids": ["a@example.com"]}),
        ("POST", "/v1/jobs/job_x/resume", None),
    ],
)
def test_read_only_key_cannot_write(api: Api, method: str, path: str, body: object) -> None:
    """A read-only key gets 403 naming the key on every write."""
    response = api.read.request(method, path, json=body)

    assert response.status_code == 403
    problem = problem_of(response)
    assert "'reader' is read-only" in problem["detail"]


def test_read_only_key_reads_and_previews(api: Api) -> None:
    """A read-only key lists segments and previews criteria (preview writes nothing)."""
    assert api.read.get("/v1/segments").status_code == 200
    assert api.read.post("/v1/preview", json={"criteria": "LastName = 'Nobody'"}).status_code == 200


def test_health_checks_need_no_key(api: Api) -> None:
    """`/healthz` and `/readyz` answer without a key."""
    assert api.anonymous.get("/healthz").json() == {"status": "ok"}
    ready = api.anonymous.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"store": "ok", "salesforce": "ok"}}
