"""`sfseg analyze SEGMENT --members FILE [--route ...]` through Typer's runner."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sfseg.cli.main import app
from sfseg.salesforce import SalesforceClient
from sfseg.sandbox.server import SandboxInfo
from sfseg.segments.create import create_segment
from sfseg.segments.store import Store

COLUMNS_LINE = (
    "member_id,contact_id,lead_id,type,status,has_responded,last_activity_date,opportunities,"
    "open_opportunities,won_opportunities,won_amount,primary_opportunities,cases,open_cases"
)


@pytest.fixture
def members_env(
    fresh_sandbox: SandboxInfo,
    fresh_client: SalesforceClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, Any]:
    """An empty org with a segment "Mix" of three contacts and one lead, and the CLI pointed at it."""
    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    for name, value in {
        "SFSEG_INSTANCE_URL": fresh_sandbox.url, "SFSEG_LOGIN_URL": fresh_sandbox.url,
        "SFSEG_FLOW": "client_credentials", "SFSEG_CLIENT_ID": fresh_sandbox.client_id,
        "SFSEG_CLIENT_SECRET": fresh_sandbox.client_secret, "SFSEG_API_VERSION": fresh_sandbox.api_version,
        "SFSEG_DATABASE_URL": store_url, "SFSEG_DATA_DIR": str(tmp_path),
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SFSEG_PROFILE", raising=False)

    org = fresh_sandbox.state.org
    contacts = [org.create("Contact", {"LastName": f"c{number}", "MailingCountry": "Chile"}) for number in range(3)]
    lead = org.create("Lead", {"LastName": "l0", "Company": "Acme", "Country": "Chile"})
    with Store(store_url) as store:
        created = create_segment(fresh_client, store, "Mix", "MailingCountry = 'Chile'", target="both")
    for contact_id in contacts:
        org.create("CampaignMember", {"CampaignId": created.campaign_id, "ContactId": contact_id})
    org.create("CampaignMember", {"CampaignId": created.campaign_id, "LeadId": lead})
    opportunity = org.create(
        "Opportunity", {"Name": "Deal", "StageName": "Closed Won", "CloseDate": "2026-01-10", "Amount": 99.5}
    )
    org.create("OpportunityContactRole", {"OpportunityId": opportunity, "ContactId": contacts[0], "IsPrimary": True})
    fresh_sandbox.state.stats.reset()
    return {"info": fresh_sandbox, "contacts": contacts, "lead": lead, "dir": tmp_path}


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def _routes(info: SandboxInfo) -> list[str]:
    return list(info.state.stats.calls_by_route)


def test_members_writes_file_only(members_env: dict[str, Any]) -> None:
    """`--members` writes one row per member, prints one line, and runs no aggregate analysis."""
    out = members_env["dir"] / "members.csv"

    result = _run("analyze", "Mix", "--members", str(out))

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Wrote 4 member rows with the rest route (")
    assert result.stdout.rstrip().endswith(f"API calls) to {out}.")
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == COLUMNS_LINE
    rows = list(csv.DictReader(lines))
    assert {row["contact_id"] for row in rows} == {*members_env["contacts"], ""}
    assert [row["lead_id"] for row in rows if row["type"] == "Lead"] == [members_env["lead"]]
    first = next(row for row in rows if row["contact_id"] == members_env["contacts"][0])
    assert (first["won_opportunities"], first["won_amount"], first["primary_opportunities"]) == ("1", "99.5", "1")
    # The aggregate analysis would send Composite calls and run a report.
    routes = _routes(members_env["info"])
    assert not [route for route in routes if "composite" in route or "analytics" in route]


def test_members_json_bulk(members_env: dict[str, Any]) -> None:
    """`--json` prints the result object, and `--route bulk` runs Bulk query jobs."""
    out = members_env["dir"] / "members.jsonl"

    result = _run("analyze", "Mix", "--members", str(out), "--route", "bulk", "--json")

    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert list(body) == ["rows", "route", "api_calls", "path"]
    assert (body["rows"], body["route"], body["path"]) == (4, "bulk", str(out))
    assert body["api_calls"] > 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 4
    assert any("/jobs/query" in route for route in _routes(members_env["info"]))


@pytest.mark.parametrize(
    ("args", "message", "fix"),
    [
        (["Mix", "--route", "fast"], "route 'fast' is unknown; use one of auto, rest, bulk", None),
        (["Nobody"], "Nobody", None),
        (["Mix", "--fields", "Title"], "--fields belongs to the aggregate analysis", "with --fields separately"),
        (["Mix", "--html", "r.html"], "--html belongs to the aggregate analysis", "sfseg analyze Mix"),
        (
            ["Mix", "--fields", "Title", "--refresh-population"],
            "--fields, --refresh-population belong to the aggregate analysis",
            "with --fields separately",
        ),
    ],
)
def test_members_bad_input(members_env: dict[str, Any], args: list[str], message: str, fix: str | None) -> None:
    """Bad input exits 1 with the value named on stderr, and leaves no file."""
    out = members_env["dir"] / "out" / "members.csv"
    out.parent.mkdir()

    result = _run("analyze", *args, "--members", str(out))

    assert result.exit_code == 1
    assert message in result.stderr
    if fix is not None:
        assert fix in result.stderr
    assert list(out.parent.iterdir()) == []


def test_members_missing_directory(members_env: dict[str, Any]) -> None:
    """A path in a missing directory exits 1, naming the path and the fix."""
    out = members_env["dir"] / "nowhere" / "members.csv"

    result = _run("analyze", "Mix", "--members", str(out))

    assert result.exit_code == 1
    assert f"cannot write the member file {out}" in result.stderr
    assert "choose a path in an existing directory" in result.stderr
    assert not out.parent.exists()


def test_route_needs_members(members_env: dict[str, Any]) -> None:
    """`--route` without `--members` exits 1 with the fix, before any API call."""
    result = _run("analyze", "Mix", "--route", "bulk")

    assert result.exit_code == 1
    assert "--route bulk applies only with --members" in result.stderr
    assert _routes(members_env["info"]) == []


def test_help_names_member_options() -> None:
    """`analyze --help` documents --members, --route and that --members skips the analysis."""
    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["analyze", "--help"])

    assert result.exit_code == 0
    assert "--members" in result.stdout
    assert "--route" in result.stdout
    assert "the aggregate analysis does" in result.stdout
