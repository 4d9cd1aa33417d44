"""Small rules of the service: loopback hosts, cursors, settings checks."""

from __future__ import annotations

import pytest

from sfseg.salesforce import ConnectionSettings
from sfseg.service.config import ServiceConfig, is_loopback
from sfseg.service.pagination import decode_cursor, encode_cursor, page_of
from sfseg.service.problems import ProblemError


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("[::1]", True), ("localhost", True),
     ("0.0.0.0", False), ("10.0.0.5", False), ("::", False), ("example.com", False)],
)  # fmt: skip
def test_loopback_hosts(host: str, loopback: bool) -> None:
    """Only loopback addresses and `localhost` count as loopback."""
    assert is_loopback(host) is loopback


def _config(**options: object) -> ServiceConfig:
    settings = ConnectionSettings(
        instance_url="http://127.0.0.1:9", flow="access_token", access_token="x"
    )
    return ServiceConfig(connection=settings, **options)  # type: ignore[arg-type]


def test_remote_host_needs_flag() -> None:
    """A non-loopback host is refused unless allowed explicitly."""
    with pytest.raises(ValueError, match="--allow-remote"):
        _config(host="0.0.0.0").check()
    _config(host="0.0.0.0", allow_remote=True).check()


def test_workers_must_be_positive() -> None:
    """Zero workers is refused with the value named."""
    with pytest.raises(ValueError, match="--workers 0"):
        _config(workers=0).check()


def test_cursor_round_trip() -> None:
    """A cursor decodes to the offset it was made from; no cursor is offset 0."""
    assert decode_cursor(encode_cursor(150)) == 150
    assert decode_cursor(None) == 0


@pytest.mark.parametrize("cursor", ["abc", "eyJvIjotMX0", "eyJ4IjoxfQ", "W10", "eyJvIjp0cnVlfQ"])
def test_foreign_cursor_rejected(cursor: str) -> None:
    """Garbage, negative, missing and non-integer offsets are rejected naming the cursor."""
    with pytest.raises(ProblemError, match=repr(cursor)):
        decode_cursor(cursor)


def test_page_of_cuts_the_extra_row() -> None:
    """Fetching limit + 1 rows tells whether a next page exists."""
    assert page_of([1, 2, 3], 0, 2) == ([1, 2], encode_cursor(2))
    assert page_of([1, 2], 4, 2) == ([1, 2], None)


def test_stopped_runner_refuses_jobs(tmp_path) -> None:
    """After shutdown the runner refuses jobs, and the service maps that to 503."""
    from sfseg.segments.store import Store
    from sfseg.service.errors import DOMAIN_ERRORS
    from sfseg.service.runner import JobRunner, RunnerStoppedError

    with Store(f"sqlite:///{tmp_path / 'runner.db'}") as store:
        runner = JobRunner(None, store, workers=1, max_jobs=1)  # type: ignore[arg-type]
        runner.shutdown(0)

        with pytest.raises(RunnerStoppedError, match="shutting down") as caught:
            runner.submit("job_000000000000")

    problem = DOMAIN_ERRORS[RunnerStoppedError](caught.value)
    assert (problem.problem.slug, problem.problem.status) == ("shutting-down", 503)
