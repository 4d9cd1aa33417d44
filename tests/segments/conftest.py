"""Store fixtures for the segments tests: SQLite always, PostgreSQL when configured.

`SFSEG_TEST_POSTGRES_URL` names a PostgreSQL server (for example
`postgresql+psycopg://postgres@127.0.0.1:5432/postgres`); each test then gets its own
schema there, dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sfseg.segments.store import Store

POSTGRES_ENV = "SFSEG_TEST_POSTGRES_URL"


def postgres_url() -> str | None:
    """The PostgreSQL server URL of the test run, with the psycopg 3 driver, or None."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        return None
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _postgres_schema_url(server_url: str) -> Iterator[str]:
    schema = "sfseg_test_" + secrets.token_hex(4)
    admin = create_engine(server_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    parsed = make_url(server_url)
    options = dict(parsed.query)
    options["options"] = f"-csearch_path={schema}"
    try:
        yield parsed.set(query=options).render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep errors.jsonl and any default store of a test in its temporary directory."""
    path = tmp_path / "data"
    monkeypatch.setenv("SFSEG_DATA_DIR", str(path))
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty store URL on each backend (PostgreSQL skipped when not configured)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store' / 'sfseg.db'}"
        return
    server_url = postgres_url()
    if server_url is None:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    yield from _postgres_schema_url(server_url)


@pytest.fixture
def any_store(store_url: str) -> Iterator[Store]:
    """A migrated store on each backend."""
    store = Store(store_url)
    yield store
    store.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A migrated SQLite store in the test's temporary directory."""
    store = Store(f"sqlite:///{tmp_path / 'sfseg.db'}")
    yield store
    store.close()


@pytest.fixture(scope="session")
def sample_org() -> Iterator[Any]:
    """A sandbox with the sample org that only the segments tests use, so its counts stay exact."""
    from sfseg.sandbox.server import run_sandbox

    with run_sandbox(seed="sample") as info:
        yield info


@pytest.fixture
def sample_client(sample_org: Any) -> Iterator[Any]:
    """A connected client for `sample_org`."""
    from sfseg.salesforce import ConnectionSettings, SalesforceClient

    settings = ConnectionSettings(
        instance_url=sample_org.url,
        login_url=sample_org.url,
        api_version=sample_org.api_version,
        flow="client_credentials",
        client_id=sample_org.client_id,
        client_secret=sample_org.client_secret,
        ca_file=sample_org.ca_file,
    )
    with SalesforceClient(settings) as client:
        yield client
