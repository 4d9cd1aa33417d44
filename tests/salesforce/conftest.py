"""Fixtures for client tests: an in-memory keyring, isolated config dirs, mock-transport clients."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import keyring
import keyring.backend
import pytest

from sfseg.salesforce import ConnectionSettings, RetryPolicy, SalesforceClient

TOKEN_URL_PATH = "/services/oauth2/token"
BASE = "https://acme.my.salesforce.com"


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that keeps entries in a dict, so no test touches the system keyring."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.entries:
            raise keyring.errors.PasswordDeleteError(username)
        del self.entries[(service, username)]


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Every client test runs with an empty in-memory keyring."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """profiles.toml lives in a temporary directory, and no SFSEG_* variable leaks in."""
    import os

    for name in list(os.environ):
        if name.startswith("SFSEG_"):
            monkeypatch.delenv(name)
    config = tmp_path / "config"
    monkeypatch.setattr("platformdirs.user_config_dir", lambda *a, **k: str(config))
    return config


class Sleeps(list[float]):
    """Records the waits a retry would have slept."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def retry_policy(sleeps: Sleeps) -> RetryPolicy:
    """Jitter pinned to 1.0 (the full exponential wait) and sleep recorded, never slept."""
    return RetryPolicy(jitter=lambda: 1.0, sleep=sleeps)


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(body).encode(), headers={"Content-Type": "application/json", **(headers or {})})


def token_response(access_token: str = "00D000000000001!AQ.first", **extra: Any) -> httpx.Response:
    body = {"access_token": access_token, "instance_url": BASE, "token_type": "Bearer", "issued_at": "1700000000000", **extra}
    return json_response(200, body)


Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def make_client(retry_policy: RetryPolicy) -> Iterator[Callable[..., SalesforceClient]]:
    """Build a client-credentials client whose API calls go to `handler` (this fixture serves the token calls)."""
    clients: list[SalesforceClient] = []

    def build(handler: Handler, **settings: Any) -> SalesforceClient:
        def route(request: httpx.Request) -> httpx.Response:
            if request.url.path == TOKEN_URL_PATH:
                return token_response()
            return handler(request)

        values: dict[str, Any] = {
            "instance_url": BASE, "login_url": BASE, "client_id": "app-id", "client_secret": "app-secret",
            "flow": "client_credentials", **settings,
        }
        client = SalesforceClient(ConnectionSettings(**values), transport=httpx.MockTransport(route), retry_policy=retry_policy)
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


# --- live sandbox helpers --------------------------------------------------------


def sandbox_settings(info: Any, **overrides: Any) -> ConnectionSettings:
    """Client-credentials settings for a running sandbox."""
    values: dict[str, Any] = {
        "instance_url": info.url, "login_url": info.url, "api_version": info.api_version,
        "flow": "client_credentials", "client_id": info.client_id, "client_secret": info.client_secret,
        "ca_file": info.ca_file, **overrides,
    }
    return ConnectionSettings(**values)


@pytest.fixture
def connect(retry_policy: RetryPolicy) -> Iterator[Callable[..., SalesforceClient]]:
    """Build clients for a sandbox with pinned jitter and recorded (never slept) waits."""
    clients: list[SalesforceClient] = []

    def build(info: Any, **overrides: Any) -> SalesforceClient:
        client = SalesforceClient(sandbox_settings(info, **overrides), retry_policy=retry_policy)
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


def admin(info: Any, method: str, path: str, body: Any = None) -> Any:
    """Call the sandbox's admin API (`/__sandbox/...`) and return its JSON, if any."""
    response = httpx.request(method, f"{info.url}/__sandbox/{path}", json=body, verify=info.verify, timeout=30)
    response.raise_for_status()
    return response.json() if response.content else None


def set_faults(info: Any, *rules: dict[str, Any]) -> None:
    admin(info, "PUT", "faults", {"seed": 1, "rules": list(rules)})


class RecordingTransport(httpx.BaseTransport):
    """A real HTTP transport that also keeps every request it sends, for assertions on the wire."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self._inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


@pytest.fixture
def recording_connect(retry_policy: RetryPolicy) -> Iterator[Callable[..., tuple[SalesforceClient, RecordingTransport]]]:
    """Like `connect`, returning the client and the transport that recorded its requests."""
    clients: list[SalesforceClient] = []

    def build(info: Any, **overrides: Any) -> tuple[SalesforceClient, RecordingTransport]:
        transport = RecordingTransport()
        client = SalesforceClient(sandbox_settings(info, **overrides), transport=transport, retry_policy=retry_policy)
        clients.append(client)
        return client, transport

    yield build
    for client in clients:
        client.close()
