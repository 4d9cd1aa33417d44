"""`sfseg assign` and `sfseg segments refresh` given no customers, against a live sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sfseg.cli.main import app
from sfseg.salesforce import ConnectionSettings, SalesforceClient
from sfseg.sandbox.server import SandboxInfo
from sfseg.segments import jobs
from sfseg.segments.assign import assign_customers
from sfseg.segments.store import Store
from sfseg.segments.store.models import Segment

SEGMENT = "seg_cliempty0001"
MATCHES_NO_RECORD = "SELECT Id FROM Contact WHERE Email = 'nobody.at.all@example.org'"


@pytest.fixture
def database(fresh_sandbox: SandboxInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the CLI at the sandbox and a store with one segment whose criteria match no record."""
    database = f"sqlite:///{tmp_path / 'store.db'}"
    for name, value in {
        "SFSEG_INSTANCE_URL": fresh_sandbox.url, "SFSEG_LOGIN_URL": fresh_sandbox.url,
        "SFSEG_FLOW": "client_credentials", "SFSEG_CLIENT_ID": fresh_sandbox.client_id,
        "SFSEG_CLIENT_SECRET": fresh_sandbox.client_secret, "SFSEG_API_VERSION": fresh_sandbox.api_version,
        "SFSEG_DATABASE_URL": database, "SFSEG_DATA_DIR": str(tmp_path),
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SFSEG_PROFILE", raising=False)
    campaign_id = fresh_sandbox.state.org.create("Campaign", {"Name": "CLI empty"})
    with Store(database) as store, store.session() as session:
        session.add(Segment(id=SEGMENT, key="cli-empty", name="CLI empty", target="contact",
                            criteria_kind="soql", criteria_text=MATCHES_NO_RECORD, soql_contact=MATCHES_NO_RECORD,
                            campaign_id=campaign_id))  # fmt: skip
    return database


def _campaign(database: str) -> str:
    with Store(database) as store:
        campaign_id = store.get_segment(SEGMENT).campaign_id
    assert campaign_id is not None
    return campaign_id


def _members(info: SandboxInfo, campaign_id: str) -> list[str]:
    org = info.state.org
    with org.store.lock:
        rows = org.store.connection.execute(
            "SELECT ContactId FROM CampaignMember WHERE CampaignId = ? AND IsDeleted = 0", (campaign_id,)
        ).fetchall()
    return sorted(row[0] for row in rows)


def _members_added(info: SandboxInfo, database: str, count: int) -> list[str]:
    org = info.state.org
    contacts = [org.create("Contact", {"LastName": f"m{i}", "Email": f"m{i}@example.org"}) for i in range(count)]
    with Store(database) as store:
        # Members put there through the library, before the command under test.
        settings = ConnectionSettings(
            instance_url=info.url, login_url=info.url, api_version=info.api_version, flow="client_credentials",
            client_id=info.client_id, client_secret=info.client_secret, ca_file=info.ca_file,
        )  # fmt: skip
        with SalesforceClient(settings) as client:
            assign_customers(client, store, SEGMENT, contacts)
    return sorted(contacts)


def _job_count(database: str) -> int:
    with Store(database) as store:
        return len(jobs.list_jobs(store))


@pytest.mark.parametrize(
    ("content", "column", "named"),
    [("", None, "'{path}'"), ("\n  \n\n", None, "'{path}'"), ("name,email\n", "email", "column 'email' of '{path}'")],
    ids=["empty file", "blank lines", "csv header only"],
)
def test_empty_input_names_file(
    content: str, column: str | None, named: str, database: str, tmp_path: Path
) -> None:
    """A file without customer ids creates no job, and the message names the file (exit 0)."""
    path = tmp_path / "customers.csv"
    path.write_text(content, encoding="utf-8")
    options = ["--column", column] if column else []

    result = CliRunner().invoke(app, ["assign", SEGMENT, "--file", str(path), *options])

    assert result.exit_code == 0, result.output
    assert f"No customer ids in {named.format(path=path)}" in result.stdout
    assert "no job created" in result.stdout
    assert _job_count(database) == 0


def test_empty_input_json(database: str, tmp_path: Path) -> None:
    """--json reports an input without customer ids as state no_customers and no job."""
    path = tmp_path / "empty.txt"
    path.write_text("", encoding="utf-8")

    result = CliRunner().invoke(app, ["assign", SEGMENT, "--file", str(path), "--json"])

    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert (body["job_id"], body["state"], body["items"]) == (None, "no_customers", [])


def test_mirror_empty_file_rejected(fresh_sandbox: SandboxInfo, database: str, tmp_path: Path) -> None:
    """Mirror mode with an empty file exits 1 and removes no member: a cut-short export must not empty a segment."""
    members = _members_added(fresh_sandbox, database, 2)
    path = tmp_path / "empty.txt"
    path.write_text("\n", encoding="utf-8")

    result = CliRunner().invoke(app, ["assign", SEGMENT, "--file", str(path), "--mode", "mirror"])

    assert result.exit_code == 1
    assert "--allow-empty" in result.stderr
    assert _members(fresh_sandbox, _campaign(database)) == members


def test_mirror_allow_empty_removes(fresh_sandbox: SandboxInfo, database: str, tmp_path: Path) -> None:
    """--allow-empty makes a mirror of an empty file remove every member."""
    _members_added(fresh_sandbox, database, 2)
    path = tmp_path / "empty.txt"
    path.write_text("", encoding="utf-8")

    result = CliRunner().invoke(
        app, ["assign", SEGMENT, "--file", str(path), "--mode", "mirror", "--allow-empty", "--json"]
    )

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["counts"]["removed"] == 2
    assert _members(fresh_sandbox, _campaign(database)) == []


def test_refresh_no_match_empties_segment(fresh_sandbox: SandboxInfo, database: str) -> None:
    """`segments refresh` of a segment whose criteria match no record removes its members."""
    _members_added(fresh_sandbox, database, 3)

    result = CliRunner().invoke(app, ["segments", "refresh", SEGMENT])

    assert result.exit_code == 0, result.output
    assert "removed 3" in result.stdout
    assert _members(fresh_sandbox, _campaign(database)) == []


def test_create_populate_no_match(fresh_sandbox: SandboxInfo, database: str) -> None:
    """`segments create --populate` whose criteria match no record creates the segment with no members."""
    fresh_sandbox.state.org.create("Contact", {"LastName": "Elsewhere", "Email": "elsewhere@example.org"})

    result = CliRunner().invoke(
        app, ["segments", "create", "Nobody yet", "--where", "Email = 'no.match@example.org'", "--populate", "--json"]
    )

    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["populate"]["state"] == "succeeded"
    assert body["populate"]["items"] == []
    with Store(database) as store:
        campaign_id = store.get_segment("Nobody yet").campaign_id
    assert campaign_id is not None
    assert _members(fresh_sandbox, campaign_id) == []
