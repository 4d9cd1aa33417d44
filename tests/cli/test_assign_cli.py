"""`sfseg assign` and `sfseg jobs` through Typer's runner against a live sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sfseg.cli.main import app
from sfseg.sandbox.server import SandboxInfo
from sfseg.segments.store import Store
from sfseg.segments.store.models import Segment

SEGMENT = "seg_cli000000001"


@pytest.fixture
def campaign(fresh_sandbox: SandboxInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the CLI at the sandbox and a fresh store holding one segment; return its campaign id."""
    database = tmp_path / "store.db"
    for name, value in {
        "SFSEG_INSTANCE_URL": fresh_sandbox.url, "SFSEG_LOGIN_URL": fresh_sandbox.url,
        "SFSEG_FLOW": "client_credentials", "SFSEG_CLIENT_ID": fresh_sandbox.client_id,
        "SFSEG_CLIENT_SECRET": fresh_sandbox.client_secret, "SFSEG_API_VERSION": fresh_sandbox.api_version,
        "SFSEG_DATABASE_URL": f"sqlite:///{database}", "SFSEG_DATA_DIR": str(tmp_path),
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SFSEG_PROFILE", raising=False)
    campaign_id = fresh_sandbox.state.org.create("Campaign", {"Name": "CLI"})
    with Store(f"sqlite:///{database}") as store, store.session() as session:
        session.add(Segment(id=SEGMENT, key="cli", name="CLI", target="contact", criteria_kind="where",
                            criteria_text="Email != null",
                            soql_contact="SELECT Id FROM Contact WHERE Email != null",
                            campaign_id=campaign_id))  # fmt: skip
    return campaign_id


def _contacts(info: SandboxInfo, count: int) -> list[str]:
    org = info.state.org
    return [org.create("Contact", {"LastName": f"cli{i}", "Email": f"cli{i}@example.org"}) for i in range(count)]


def test_assign_json_keys(fresh_sandbox: SandboxInfo, campaign: str) -> None:
    """`assign --json` prints the documented keys with real outcomes and exits 0."""
    contacts = _contacts(fresh_sandbox, 2)
    result = CliRunner().invoke(app, ["assign", SEGMENT, *contacts, "nobody@example.org", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert {"job_id", "segment_id", "campaign_id", "route", "api_calls", "counts", "items"} <= set(body)
    assert body["campaign_id"] == campaign
    assert body["route"] == "rest"
    assert {k: body["counts"][k] for k in ("created", "skipped", "failed")} == {"created": 2, "skipped": 1, "failed": 0}
    item = body["items"][0]
    assert {"customer_id", "resolved_id", "object", "outcome", "error_code", "message"} <= set(item)
    assert (item["customer_id"], item["object"], item["outcome"]) == (contacts[0], "Contact", "created")


def test_assign_file_csv_column(fresh_sandbox: SandboxInfo, campaign: str, tmp_path: Path) -> None:
    """Customers come from a CSV column given by --file and --column."""
    _contacts(fresh_sandbox, 3)
    path = tmp_path / "customers.csv"
    path.write_text("name,email\na,CLI0@example.org\nb,cli1@example.org\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["assign", SEGMENT, "--file", str(path), "--column", "email", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["counts"]["created"] == 2


def test_assign_from_criteria(fresh_sandbox: SandboxInfo, campaign: str) -> None:
    """--criteria takes the customers from the segment's own SOQL."""
    _contacts(fresh_sandbox, 4)
    fresh_sandbox.state.org.create("Contact", {"LastName": "no email"})
    result = CliRunner().invoke(app, ["assign", SEGMENT, "--criteria", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["counts"]["created"] == 4


def test_dry_run_shows_plan(fresh_sandbox: SandboxInfo, campaign: str) -> None:
    """--dry-run prints the plan with its cost and creates no job."""
    contacts = _contacts(fresh_sandbox, 3)
    result = CliRunner().invoke(app, ["assign", SEGMENT, *contacts, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "3 to add" in result.stdout
    assert "nothing written" in result.stdout
    listed = CliRunner().invoke(app, ["jobs", "list", "--json"])
    assert json.loads(listed.stdout) == []


def test_unknown_status_exits_1(fresh_sandbox: SandboxInfo, campaign: str) -> None:
    """An unknown status fails with exit 1, names the status, and gives the fix once."""
    contacts = _contacts(fresh_sandbox, 1)
    result = CliRunner().invoke(app, ["assign", SEGMENT, *contacts, "--status", "Attended"])
    assert result.exit_code == 1
    assert "Error: status 'Attended' is not a member status" in result.stderr
    assert "Fix: use one of its statuses, or pass --create-status to add it" in result.stderr
    assert result.stderr.count("--create-status") == 1


def test_no_customers_exits_1(campaign: str) -> None:
    """Giving no customers at all is an error with an example."""
    result = CliRunner().invoke(app, ["assign", SEGMENT])
    assert result.exit_code == 1
    assert "--file" in result.stderr


def test_missing_file_exits_1(campaign: str, tmp_path: Path) -> None:
    """A missing customer file is an error naming it."""
    result = CliRunner().invoke(app, ["assign", SEGMENT, "--file", str(tmp_path / "nope.txt")])
    assert result.exit_code == 1
    assert "nope.txt" in result.stderr


def test_jobs_list_show_resume(fresh_sandbox: SandboxInfo, campaign: str) -> None:
    """A finished job is listed, shown with its items, and refuses to resume."""
    contacts = _contacts(fresh_sandbox, 2)
    assigned = json.loads(CliRunner().invoke(app, ["assign", SEGMENT, *contacts, "--json"]).stdout)
    job_id = assigned["job_id"]

    listed = json.loads(CliRunner().invoke(app, ["jobs", "list", "--json"]).stdout)
    shown = CliRunner().invoke(app, ["jobs", "show", job_id, "--json"])
    resumed = CliRunner().invoke(app, ["jobs", "resume", job_id])

    assert [job["job_id"] for job in listed] == [job_id]
    assert listed[0]["state"] == "succeeded"
    assert [item["outcome"] for item in json.loads(shown.stdout)["items"]] == ["created", "created"]
    assert resumed.exit_code == 1
    assert "succeeded" in resumed.stderr


def test_jobs_show_unknown(campaign: str) -> None:
    """Showing a job that does not exist fails naming it."""
    result = CliRunner().invoke(app, ["jobs", "show", "job_nothere0000"])
    assert result.exit_code == 1
    assert "job_nothere0000" in result.stderr


def test_converted_lead_noted(fresh_sandbox: SandboxInfo, campaign: str) -> None:
    """A converted lead's row names its contact, and a line below the counts reports it."""
    org = fresh_sandbox.state.org
    lead = org.create("Lead", {"LastName": "Conv", "Company": "Co", "Email": "conv@example.org"})
    contact = org.convert_lead(lead)
    result = CliRunner(env={"COLUMNS": "250"}).invoke(app, ["assign", SEGMENT, lead])
    assert result.exit_code == 0, result.output
    assert "1 converted lead replaced by its contact (reason converted_lead)." in result.stdout
    assert f"Lead {lead} is converted, so its Contact {contact} is the member" in result.stdout


def test_csv_column_error_has_fix(fresh_sandbox: SandboxInfo, campaign: str, tmp_path: Path) -> None:
    """A CSV column missing from the header is an error with a Fix line listing the columns."""
    path = tmp_path / "c.csv"
    path.write_text("name,email\na,a@example.org\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["assign", SEGMENT, "--file", str(path), "--column", "mail"])
    assert result.exit_code == 1
    assert f"Error: column 'mail' is not in the header of '{path}'" in result.stderr
    assert "Fix: pass --column with one of: name, email" in result.stderr


def test_bad_mode_lists_modes(campaign: str) -> None:
    """An unknown --mode is a plain usage error listing the modes."""
    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["assign", SEGMENT, "a@example.org", "--mode", "wrong"])
    assert result.exit_code == 2
    assert "'wrong' is not a mode; use one of: add, remove, mirror, status" in result.output
    assert "Value error" not in result.output


def test_resume_unknown_job_needs_no_login(campaign: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Resuming an unknown job reports it not found, even without credentials."""
    monkeypatch.delenv("SFSEG_CLIENT_ID")
    monkeypatch.delenv("SFSEG_CLIENT_SECRET")
    result = CliRunner().invoke(app, ["jobs", "resume", "job_nope"])
    assert result.exit_code == 1
    assert "Error: job 'job_nope' not found" in result.stderr
    assert "Fix: run `sfseg jobs list` to see the jobs" in result.stderr
    assert "client_id" not in result.stderr


def test_jobs_list_mode_counts(fresh_sandbox: SandboxInfo, campaign: str) -> None:
    """`jobs list` shows each job's counts for its mode and a time with its zone."""
    contacts = _contacts(fresh_sandbox, 2)
    CliRunner().invoke(app, ["assign", SEGMENT, *contacts])
    CliRunner().invoke(app, ["assign", SEGMENT, contacts[0], "--mode", "remove"])
    result = CliRunner(env={"COLUMNS": "250"}).invoke(app, ["jobs", "list"])
    assert result.exit_code == 0, result.output
    assert "removed 1, skipped 0, failed 0" in result.stdout
    assert "created 2, already 0, skipped 0, failed 0" in result.stdout
    assert result.stdout.count(" UTC") == 2


def test_aborted_run_names_job(fresh_sandbox: SandboxInfo, campaign: str) -> None:
    """A run an error stops exits 1, naming the aborted job and the command that resumes it."""
    contacts = _contacts(fresh_sandbox, 2)
    fresh_sandbox.state.faults.configure({"seed": 1, "rules": [
        {"method": "POST", "path": "^/composite$", "fault": "QUERY_TIMEOUT"},
    ]})  # fmt: skip

    result = CliRunner(env={"COLUMNS": "250"}).invoke(app, ["assign", SEGMENT, *contacts])
    listed = json.loads(CliRunner().invoke(app, ["jobs", "list", "--json"]).stdout)

    assert result.exit_code == 1
    (job,) = listed
    assert job["state"] == "aborted"
    assert f"Job {job['job_id']} is aborted; once the error below is fixed, " in result.stderr
    assert f"continue it with `sfseg jobs resume {job['job_id']}`." in result.stderr
    assert "Error: " in result.stderr
    assert "QUERY_TIMEOUT" in result.stderr
