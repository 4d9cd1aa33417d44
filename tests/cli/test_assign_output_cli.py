"""What `sfseg assign` and `sfseg segments refresh` print, against a live sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sfseg.cli.assign import plural
from sfseg.cli.main import app
from sfseg.sandbox.server import SandboxInfo
from sfseg.segments import jobs
from sfseg.segments.store import Store
from sfseg.segments.store.models import Segment

SEGMENT = "seg_clioutput001"


@pytest.fixture
def database(fresh_sandbox: SandboxInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the CLI at the sandbox and a store with one segment of the contacts with an email."""
    database = f"sqlite:///{tmp_path / 'store.db'}"
    for name, value in {
        "SFSEG_INSTANCE_URL": fresh_sandbox.url, "SFSEG_LOGIN_URL": fresh_sandbox.url,
        "SFSEG_FLOW": "client_credentials", "SFSEG_CLIENT_ID": fresh_sandbox.client_id,
        "SFSEG_CLIENT_SECRET": fresh_sandbox.client_secret, "SFSEG_API_VERSION": fresh_sandbox.api_version,
        "SFSEG_DATABASE_URL": database, "SFSEG_DATA_DIR": str(tmp_path),
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SFSEG_PROFILE", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    campaign_id = fresh_sandbox.state.org.create("Campaign", {"Name": "CLI output"})
    soql = "SELECT Id FROM Contact WHERE Email != null"
    with Store(database) as store, store.session() as session:
        session.add(Segment(id=SEGMENT, key="cli-output", name="CLI output", target="contact",
                            criteria_kind="soql", criteria_text=soql, soql_contact=soql,
                            campaign_id=campaign_id))  # fmt: skip
    return database


def _contacts(info: SandboxInfo, count: int) -> list[str]:
    org = info.state.org
    return [org.create("Contact", {"LastName": f"o{i}", "Email": f"o{i}@example.org"}) for i in range(count)]


def _job_count(database: str) -> int:
    with Store(database) as store:
        return len(jobs.list_jobs(store))


def test_bad_id_field_no_job(database: str) -> None:
    """--id-field Foo__c exits 1 naming the value and the accepted fields, and writes no job."""
    result = CliRunner().invoke(app, ["assign", SEGMENT, "X-1", "--id-field", "Foo__c"])

    assert result.exit_code == 1
    assert "'Foo__c' is not a field of Contact or Lead" in result.stderr
    assert "External ID or unique" in result.stderr
    assert _job_count(database) == 0


def test_repeats_named(fresh_sandbox: SandboxInfo, database: str) -> None:
    """The repeats line names each repeated value as given, with the singular for one."""
    first, second = _contacts(fresh_sandbox, 2)

    result = CliRunner().invoke(app, ["assign", SEGMENT, first, "O0@Example.org", first[:15], second, "o0@example.org"])

    assert result.exit_code == 0, result.output
    assert f"2 repeated customer ids folded into their first occurrence: '{first[:15]}', 'o0@example.org'." in result.stdout


def test_one_repeat_singular(fresh_sandbox: SandboxInfo, database: str) -> None:
    """One repeat is named in the singular."""
    (contact,) = _contacts(fresh_sandbox, 1)

    result = CliRunner().invoke(app, ["assign", SEGMENT, contact, contact])

    assert result.exit_code == 0, result.output
    assert f"1 repeated customer id folded into its first occurrence: '{contact}'." in result.stdout


def test_many_repeats_counted(fresh_sandbox: SandboxInfo, database: str) -> None:
    """Past the first five, the repeats line counts the rest."""
    (contact,) = _contacts(fresh_sandbox, 1)

    result = CliRunner().invoke(app, ["assign", SEGMENT, *[contact] * 8])

    assert result.exit_code == 0, result.output
    assert "7 repeated customer ids folded into their first occurrence:" in result.stdout
    assert "and 2 more (--json lists them all)." in result.stdout


def test_refresh_dry_run_prints_plan(fresh_sandbox: SandboxInfo, database: str) -> None:
    """`segments refresh --dry-run` prints the rows to add and remove and the responders kept."""
    org = fresh_sandbox.state.org
    _contacts(fresh_sandbox, 2)
    stale = org.create("Contact", {"LastName": "No email"})
    responder = org.create("Contact", {"LastName": "Responder"})
    runner = CliRunner()
    assert runner.invoke(app, ["assign", SEGMENT, stale, responder]).exit_code == 0
    assert runner.invoke(app, ["assign", SEGMENT, responder, "--mode", "status", "--status", "Responded"]).exit_code == 0

    result = runner.invoke(app, ["segments", "refresh", SEGMENT, "--dry-run"])

    assert result.exit_code == 0, result.output
    assert "Plan (dry run, nothing written): 2 to add, 0 to update, 1 to remove, 0 unchanged, 1 skipped" in result.stdout
    # Planning: the criteria query, the resolution and the members read, one call each.
    assert "API cost: about 6 API calls in all: 3 spent on planning" in result.stdout
    assert "and about 3 to write and reconcile." in result.stdout
    assert "1 member who responded is kept although no longer matching" in result.stdout
    assert responder in result.stdout
    assert f"{stale} │ Contact │ remove │ pending" in result.stdout
    assert _job_count(database) == 2


def test_refresh_names_job(fresh_sandbox: SandboxInfo, database: str) -> None:
    """A refresh that writes prints its job, its counts and its API calls."""
    _contacts(fresh_sandbox, 2)

    result = CliRunner().invoke(app, ["segments", "refresh", SEGMENT])

    with Store(database) as store:
        (job,) = jobs.list_jobs(store)
    assert result.exit_code == 0, result.output
    assert f"Refresh succeeded (job {job.id}): created 2 ({job.api_calls} API calls)" in result.stdout


@pytest.mark.parametrize(("count", "text"), [(0, "0 API calls"), (1, "1 API call"), (2, "2 API calls"),
                                             (1000, "1,000 API calls")])  # fmt: skip
def test_plural_api_calls(count: int, text: str) -> None:
    """Counts take the singular only for one."""
    assert plural(count, "API call") == text
