"""The service on loopback: uvicorn in a thread, a store in the test's directory, an org
from the sandbox fixtures, and one read-write and one read-only API key."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from sfseg.salesforce import ConnectionSettings
from sfseg.sandbox.server import SandboxInfo
from sfseg.segments.store import Store
from sfseg.segments.write import WriteOptions
from sfseg.service.config import ServiceConfig
from sfseg.service.keys import create_key
from sfseg.service.server import RunningService, run_service


def connection_for(info: SandboxInfo) -> ConnectionSettings:
    return ConnectionSettings(
        instance_url=info.url, login_url=info.url, api_version=info.api_version,
        flow="client_credentials", client_id=info.client_id, client_secret=info.client_secret,
        ca_file=info.ca_file,
    )  # fmt: skip


def service_config(info: SandboxInfo, **options: Any) -> ServiceConfig:
    """A loopback config on a free port with short waits, for tests."""
    defaults: dict[str, Any] = {
        "port": 0, "drain_seconds": 5.0, "wait_seconds": 20.0,
        "write_options": WriteOptions(retry_wait_s=0.01, sleep=lambda _s: None),
    }  # fmt: skip
    defaults.update(options)
    return ServiceConfig(connection=connection_for(info), **defaults)


@dataclass
class Api:
    """A running service and clients with its keys."""

    service: RunningService
    store: Store
    write: httpx.Client
    read: httpx.Client
    anonymous: httpx.Client
    write_key: str
    read_key: str

    @property
    def url(self) -> str:
        return self.service.url


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{tmp_path / 'service.db'}") as store:
        yield store


def _clients(service: RunningService, store: Store) -> Iterator[Api]:
    _info, write_key = create_key(store, "writer")
    _info, read_key = create_key(store, "reader", read_only=True)
    with (
        httpx.Client(
            base_url=service.url, headers={"Authorization": f"Bearer {write_key}"}, timeout=60
        ) as write,
        httpx.Client(
            base_url=service.url, headers={"Authorization": f"Bearer {read_key}"}, timeout=60
        ) as read,
        httpx.Client(base_url=service.url, timeout=60) as anonymous,
    ):
        yield Api(service, store, write, read, anonymous, write_key, read_key)


@pytest.fixture(scope="module")
def api(sandbox: SandboxInfo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The service on the shared sample-org sandbox, one per test module."""
    path = tmp_path_factory.mktemp("service") / "service.db"
    with (
        Store(f"sqlite:///{path}") as store,
        run_service(service_config(sandbox), store=store) as service,
    ):
        yield from _clients(service, store)


@pytest.fixture
def fresh_api(fresh_sandbox: SandboxInfo, store: Store) -> Iterator[Api]:
    """The service on an empty sandbox of its own."""
    with run_service(service_config(fresh_sandbox), store=store) as service:
        yield from _clients(service, store)


def problem_of(response: httpx.Response) -> dict[str, Any]:
    """The problem body of an error response, after checking its media type."""
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == response.status_code
    assert body["type"].startswith("https://sfseg.dev/problems/")
    return body
