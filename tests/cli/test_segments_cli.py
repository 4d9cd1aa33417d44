"""`sfseg segments ...`, `sfseg analyze`, `sfseg errors` and `sfseg demo` through Typer's runner."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sfseg.cli.main import app
from sfseg.cli.segments import parse_since
from sfseg.salesforce.errors import NotFoundError
from sfseg.sandbox.server import SandboxInfo
from sfseg.segments.errorlog import record_error
from sfseg.segments.store import Store

WHERE = "MailingCountry = 'United States'"


@pytest.fixture
def cli_env(
    fresh_sandbox: SandboxInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> SandboxInfo:
    """Point the CLI at an empty sandbox org and a store in the test's directory."""
    for name, value in {
        "SFSEG_INSTANCE_URL": fresh_sandbox.url, "SFSEG_LOGIN_URL": fresh_sandbox.url,
        "SFSEG_FLOW": "client_credentials", "SFSEG_CLIENT_ID": fresh_sandbox.client_id,
        "SFSEG_CLIENT_SECRET": fresh_sandbox.client_secret, "SFSEG_API_VERSION": fresh_sandbox.api_version,
        "SFSEG_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}", "SFSEG_DATA_DIR": str(tmp_path),
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SFSEG_PROFILE", raising=False)
    org = fresh_sandbox.state.org
    for number, country in enumerate(["United States", "United States", "Germany"]):
        org.create(
            "Contact", {"LastName": f"p{number}", "MailingCountry": country, "LeadSource": "Web"}
        )
    org.create("Lead", {"LastName": "l0", "Company": "Acme", "Country": "United States"})
    return fresh_sandbox


def _run(*args: str) -> object:
    return CliRunner().invoke(app, list(args))


def test_preview_json(cli_env: SandboxInfo) -> None:
    """`preview --json` prints counts per object, the total and the canonical SOQL."""
    result = _run("segments", "preview", "--where", WHERE, "--target", "both", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["counts"] == {"Contact": 2, "Lead": 1}
    assert body["total"] == 3
    assert body["soql"]["Lead"] == "SELECT Id FROM Lead WHERE Country = 'United States'"
    assert set(body) == {"target", "counts", "total", "soql", "api_calls"}


def test_preview_rules_file(cli_env: SandboxInfo, tmp_path: Path) -> None:
    """A rule document file is read and counted."""
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "match:\n  all:\n    - {field: LeadSource, op: eq, value: Web}\n", encoding="utf-8"
    )
    result = _run("segments", "preview", "--rules", str(rules), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["counts"] == {"Contact": 3}


def test_preview_bad_criteria(cli_env: SandboxInfo) -> None:
    """Bad criteria exit 1 with every located problem and the fix on stderr."""
    result = _run("segments", "preview", "--where", "MailingCountri = 'US' AND LeadSource = 'Webb'")
    assert result.exit_code == 1
    assert (
        "row 1, column 1: Contact has no field MailingCountri; did you mean 'MailingCountry'?"
        in result.stderr
    )
    assert "row 1, column 27: 'Webb' is not a value of picklist LeadSource" in result.stderr
    assert "Fix:" in result.stderr
    assert result.stdout == ""


def test_criteria_given_twice(cli_env: SandboxInfo) -> None:
    """Exactly one way of giving criteria is accepted."""
    result = _run("segments", "preview", "--where", WHERE, "--soql", "SELECT Id FROM Contact")
    assert result.exit_code == 1
    assert "give the criteria one way: --where, --soql or --rules" in result.stderr


def test_create_list_show_delete(cli_env: SandboxInfo) -> None:
    """A segment made by `create` is listed, shown, and deleted with its Campaign."""
    created = _run("segments", "create", "US", "--where", WHERE, "--type", "Email", "--json")
    assert created.exit_code == 0, created.output
    body = json.loads(created.stdout)
    assert {
        "segment_id",
        "campaign_id",
        "campaign_created",
        "counts",
        "soql",
        "statuses",
        "api_calls",
    } <= set(body)
    assert body["counts"] == {"Contact": 2}
    campaign_id = body["campaign_id"]

    listed = json.loads(_run("segments", "list", "--json").stdout)
    assert [(s["name"], s["campaign_id"]) for s in listed] == [("US", campaign_id)]
    shown = json.loads(_run("segments", "show", "US", "--json").stdout)
    assert shown["soql"] == {
        "Contact": "SELECT Id FROM Contact WHERE MailingCountry = 'United States'"
    }
    assert shown["jobs"] == []

    deleted = _run("segments", "delete", "US", "--yes", "--json")
    assert deleted.exit_code == 0, deleted.output
    assert json.loads(deleted.stdout)["campaign_deleted"] is True
    assert cli_env.state.org.store.connection.execute(
        'SELECT "IsDeleted" FROM "Campaign" WHERE "Id" = ?', (campaign_id,)
    ).fetchone() in (None, (1,))
    assert json.loads(_run("segments", "list", "--json").stdout) == []


def test_create_populate(cli_env: SandboxInfo) -> None:
    """`--populate` assigns every current match."""
    result = _run(
        "segments", "create", "All US", "--where", WHERE, "--target", "both", "--populate", "--json"
    )
    assert result.exit_code == 0, result.output
    populate = json.loads(result.stdout)["populate"]
    assert populate["counts"]["created"] == 3


def _log_error(tmp_path: Path, operation: str, segment_id: str | None = None) -> None:
    """Write one caught API error to the CLI's error log, as a failed Salesforce call would."""
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        record_error(store, operation=operation, error=NotFoundError("gone", status=404, error_code="NOT_FOUND"),
                     segment_id=segment_id)  # fmt: skip


def test_duplicate_create_not_logged(cli_env: SandboxInfo, tmp_path: Path) -> None:
    """A refused create exits 1 with the cause; a user's own mistake stays out of the error log."""
    assert _run("segments", "create", "Twice", "--where", WHERE).exit_code == 0
    again = _run("segments", "create", "Twice", "--where", WHERE)
    bad = _run("segments", "create", "Bad", "--where", "Nope = 1")
    assert again.exit_code == 1
    assert bad.exit_code == 1
    assert "segment 'Twice' already exists" in again.stderr

    errors = _run("errors", "--json")
    assert errors.exit_code == 0
    assert json.loads(errors.stdout) == []
    assert not (tmp_path / "errors.jsonl").exists()


def test_errors_filters(cli_env: SandboxInfo, tmp_path: Path) -> None:
    """`errors` filters by time and rejects a time it cannot read."""
    _log_error(tmp_path, "segments.create")
    assert len(json.loads(_run("errors", "--json", "--since", "1h").stdout)) == 1
    assert _run("errors", "--json", "--job", "job_000000000000").exit_code == 1  # no such job
    bad = _run("errors", "--since", "yesterday-ish")
    assert bad.exit_code == 1
    assert "--since 'yesterday-ish' is not a time" in bad.stderr


def test_analyze_json(cli_env: SandboxInfo) -> None:
    """`analyze --json` has the analysis keys and the segment's real size."""
    assert _run("segments", "create", "US", "--where", WHERE, "--populate").exit_code == 0
    result = _run("analyze", "US", "--json", "--no-report")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert {"size", "demographics", "behaviour", "report", "overlap", "api_calls"} <= set(body)
    assert body["size"]["members"] == 2
    assert body["demographics"]["country"]["values"][0] == {
        "value": "United States", "count": 2, "share": 1.0, "population_count": 2,
        "population_share": 0.666667, "lift": 1.5,
    }  # fmt: skip


def test_analyze_unknown_segment(cli_env: SandboxInfo) -> None:
    """An unknown segment exits 1 and names the command that lists the segments."""
    result = _run("analyze", "missing")
    assert result.exit_code == 1
    assert "segment 'missing' not found" in result.stderr
    assert "sfseg segments list" in result.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2h", dt.datetime(2026, 1, 1, 10, tzinfo=dt.UTC)),
        ("7d", dt.datetime(2025, 12, 25, 12, tzinfo=dt.UTC)),
        ("2026-01-01", dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
        ("2026-01-01T08:30:00Z", dt.datetime(2026, 1, 1, 8, 30, tzinfo=dt.UTC)),
    ],
)
def test_parse_since(text: str, expected: dt.datetime) -> None:
    """--since takes ISO times (UTC when no zone is given) and 30m/2h/7d/1w ago."""
    now = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    assert parse_since(text, now) == expected


@pytest.mark.slow
def test_demo_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`demo --json` runs every step on the sample org without configuration."""
    monkeypatch.setenv("SFSEG_DATA_DIR", str(tmp_path))
    result = _run("demo", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert list(body) == ["preview", "create", "customers", "assign", "assign_again", "analyze"]
    first, again = body["assign"]["counts"], body["assign_again"]["counts"]
    assert first["created"] >= 5
    assert again["created"] == 0
    assert again["already_member"] == first["created"] + first["already_member"]
    outcomes = {item["customer_id"]: item for item in body["assign"]["items"]}
    assert outcomes["nobody@example.invalid"]["outcome"] == "skipped"
    converted = next(c for c in body["customers"] if c.startswith("00Q"))
    assert outcomes[converted]["object"] == "Contact"
    assert outcomes[converted]["reason"] == "converted_lead"
    assert body["analyze"]["size"]["members"] == first["created"]


def test_populate_notes_converted_lead(cli_env: SandboxInfo) -> None:
    """`--populate` says when a converted lead was added as its contact."""
    org = cli_env.state.org
    lead = org.create("Lead", {"LastName": "conv", "Company": "Acme", "Country": "United States"})
    germany = next(iter(org.store.connection.execute(
        "SELECT Id FROM Contact WHERE MailingCountry = 'Germany'").fetchone()))  # fmt: skip
    org.convert_lead(lead, contact_id=germany, account_id=None)
    result = CliRunner(env={"COLUMNS": "250"}).invoke(
        app, ["segments", "create", "US", "--where", WHERE, "--target", "both", "--populate"]
    )
    assert result.exit_code == 0, result.output
    assert "1 of these was a converted lead, added as its contact" in result.stdout


def test_rule_file_named_in_problems(cli_env: SandboxInfo, tmp_path: Path) -> None:
    """A problem in a rule file names the file."""
    rules = tmp_path / "bad.yaml"
    rules.write_text("match:\n  all:\n    - {field: Bogus, op: eq, value: x}\n", encoding="utf-8")
    result = _run("segments", "preview", "--rules", str(rules))
    assert result.exit_code == 1
    assert f"{rules}, match.all[0]" in result.stderr


def test_analyze_names_report(cli_env: SandboxInfo) -> None:
    """The analysis table output says what the report is and where it came from."""
    assert _run("segments", "create", "US", "--where", WHERE, "--populate").exit_code == 0
    result = CliRunner(env={"COLUMNS": "250"}).invoke(app, ["analyze", "US"])
    assert result.exit_code == 0, result.output
    # `segments create` made the report, so the analysis runs it again.
    assert "'sfseg segment analysis', made by sfseg earlier and run again" in result.stdout


def test_refresh_adds_matches(cli_env: SandboxInfo) -> None:
    """`refresh` makes the membership equal the criteria's matches."""
    assert _run("segments", "create", "US", "--where", WHERE).exit_code == 0
    result = _run("segments", "refresh", "US", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["counts"]["created"] == 2
    assert body["state"] == "succeeded"


def test_errors_by_segment(cli_env: SandboxInfo, tmp_path: Path) -> None:
    """`errors --segment` takes a segment name and lists only that segment's errors."""
    assert _run("segments", "create", "US", "--where", WHERE).exit_code == 0
    segment_id = json.loads(_run("segments", "show", "US", "--json").stdout)["id"]
    _log_error(tmp_path, "analyze.report", segment_id)
    entries = json.loads(_run("errors", "--segment", "US", "--json").stdout)
    assert [(e["operation"], e["http_status"]) for e in entries] == [("analyze.report", 404)]
    assert _run("errors", "--segment", "seg_000000000000", "--json").exit_code == 1  # no such segment
