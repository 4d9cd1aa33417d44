"""Property tests of the running service against its own OpenAPI document (schemathesis).

Every operation gets a bounded number of generated requests, valid and invalid; no
response may be a 5xx, and every response must match the documented status codes, media
types and schemas.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from sfseg.sandbox.server import run_sandbox
from sfseg.segments.store import Store
from sfseg.service.keys import create_key
from sfseg.service.server import run_service
from tests.service.conftest import service_config

# Examples per operation: about 15 operations, each request at most a few org calls.
MAX_EXAMPLES = 25
CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
)


@pytest.fixture(scope="module")
def live_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    path: Path = tmp_path_factory.mktemp("schemathesis") / "service.db"
    with run_sandbox(seed="empty") as org, Store(f"sqlite:///{path}") as store:
        org.state.org.create("Contact", {"LastName": "Nansen", "MailingCountry": "Norway"})
        _info, key = create_key(store, "schemathesis")
        with run_service(service_config(org), store=store) as service:
            yield service.url, key


@pytest.mark.slow
def test_api_conforms_to_openapi(live_service: tuple[str, str]) -> None:
    """No 5xx, and each response matches its documented status, media type and schema."""
    url, key = live_service
    headers = {"Authorization": f"Bearer {key}"}
    api_schema = schemathesis.openapi.from_url(f"{url}/openapi.json", headers=headers)
    failures: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 14

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            check()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {str(exc)[:3000]}")

    assert not failures, "\n\n".join(failures)
