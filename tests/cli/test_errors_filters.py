"""`sfseg errors --segment/--job`: an unknown segment or job is an error, not an empty log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from sfseg.cli.main import app
from sfseg.salesforce.errors import NotFoundError
from sfseg.sandbox.server import SandboxInfo
from sfseg.segments.errorlog import record_error
from sfseg.segments.store import Store
from tests.cli.sandbox_env import point_cli_at

WHERE = "MailingCountry = 'United States'"


@pytest.fixture
def store_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    monkeypatch.setenv("SFSEG_DATABASE_URL", url)
    monkeypatch.setenv("SFSEG_DATA_DIR", str(tmp_path))
    return url


def _run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def _log_error(url: str, *, segment_id: str | None = None, job_id: str | None = None) -> None:
    with Store(url) as store:
        error = NotFoundError("gone", status=404, error_code="NOT_FOUND")
        record_error(store, operation="assign.write", error=error, segment_id=segment_id, job_id=job_id)


def test_unknown_segment_rejected(store_url: str) -> None:
    """`errors --segment` with a name no segment has exits 1 naming it and the next step."""
    result = _run("errors", "--segment", "Nope")
    assert result.exit_code == 1
    assert "segment 'Nope' not found" in result.stderr
    assert "sfseg segments list" in result.stderr
    assert "No errors logged." not in result.stdout


def test_unknown_job_rejected(store_url: str) -> None:
    """`errors --job` with an id no job has exits 1 naming it and the next step."""
    result = _run("errors", "--job", "job_nope")
    assert result.exit_code == 1
    assert "job 'job_nope' not found" in result.stderr
    assert "sfseg jobs list" in result.stderr
    assert "No errors logged." not in result.stdout


def test_deleted_segment_errors_listed(store_url: str) -> None:
    """The id of a segment that is gone from the store still lists its logged errors."""
    _log_error(store_url, segment_id="seg_0123456789ab")
    result = _run("errors", "--segment", "seg_0123456789ab", "--json")
    assert result.exit_code == 0, result.output
    assert [entry["segment_id"] for entry in json.loads(result.stdout)] == ["seg_0123456789ab"]


def test_deleted_job_errors_listed(store_url: str) -> None:
    """The id of a job that is gone from the store still lists its logged errors."""
    _log_error(store_url, job_id="job_0123456789ab")
    result = _run("errors", "--job", "job_0123456789ab", "--json")
    assert result.exit_code == 0, result.output
    assert [entry["job_id"] for entry in json.loads(result.stdout)] == ["job_0123456789ab"]


def test_known_job_without_errors(
    fresh_sandbox: SandboxInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job in the store with no logged errors prints the empty log and exits 0."""
    point_cli_at(fresh_sandbox, tmp_path, monkeypatch)
    fresh_sandbox.state.org.create("Contact", {"LastName": "p0", "MailingCountry": "United States"})
    assert _run("segments", "create", "US", "--where", WHERE, "--populate").exit_code == 0
    job_id = json.loads(_run("jobs", "list", "--json").stdout)[0]["job_id"]

    result = _run("errors", "--job", job_id, "--segment", "US")
    assert result.exit_code == 0, result.output
    assert "No errors logged." in result.stdout
