"""Fixtures every test layer shares: sandbox orgs served by uvicorn on loopback.

`sandbox` is one server for the whole session, seeded with the sample org; tests that
use it must not depend on exact counts or leave faults behind. `fresh_sandbox` is a
new empty org per test, for faults, limits and exact statistics.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from sfseg.sandbox.server import SandboxInfo, run_sandbox

if TYPE_CHECKING:
    from sfseg.salesforce import SalesforceClient

# The CLI's console takes its width from COLUMNS when it is created, at import. A
# terminal's COLUMNS would make table output depend on where the tests run, so the
# tests start without it; a test that needs a width sets it for its own command.
os.environ.pop("COLUMNS", None)


def _serve(**options: Any) -> Iterator[SandboxInfo]:
    stack = ExitStack()
    try:
        # The next test need not wait for this server's port to close.
        info = stack.enter_context(run_sandbox(wait_on_exit=False, **options))
    except Exception as exc:  # any failure to start is reported the same way
        pytest.fail(
            f"The sandbox server did not start with {options}: {type(exc).__name__}: {exc}. "
            "Run `sfseg sandbox serve --seed sample` to see the start-up error in full.",
            pytrace=False,
        )
    with stack:
        yield info


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxInfo]:
    """A sandbox seeded with the sample org, shared by the whole test session (plain http)."""
    yield from _serve(seed="sample")


@pytest.fixture
def fresh_sandbox() -> Iterator[SandboxInfo]:
    """A new, empty sandbox for one test: set faults, limits and clock freely."""
    yield from _serve(seed="empty")


def _api_client(info: SandboxInfo) -> httpx.Client:
    return httpx.Client(
        base_url=info.data_url,
        headers={"Authorization": f"Bearer {info.access_token()}"},
        verify=info.verify,
        timeout=30,
    )


@pytest.fixture
def sandbox_http(sandbox: SandboxInfo) -> Iterator[httpx.Client]:
    """An httpx client for the shared sandbox's REST API (`base_url` is `/services/data/vXX.X`)."""
    with _api_client(sandbox) as client:
        yield client


@pytest.fixture
def fresh_http(fresh_sandbox: SandboxInfo) -> Iterator[httpx.Client]:
    """An httpx client for `fresh_sandbox`'s REST API."""
    with _api_client(fresh_sandbox) as client:
        yield client


def _salesforce_client(info: SandboxInfo) -> SalesforceClient:
    pytest.importorskip("sfseg.salesforce")
    from tests.clients import salesforce_client

    return salesforce_client(info)


@pytest.fixture
def sandbox_client(sandbox: SandboxInfo) -> Iterator[SalesforceClient]:
    """A connected `SalesforceClient` (client-credentials flow) for the shared sandbox."""
    with _salesforce_client(sandbox) as client:
        yield client


@pytest.fixture
def fresh_client(fresh_sandbox: SandboxInfo) -> Iterator[SalesforceClient]:
    """A connected `SalesforceClient` for `fresh_sandbox`."""
    with _salesforce_client(fresh_sandbox) as client:
        yield client
