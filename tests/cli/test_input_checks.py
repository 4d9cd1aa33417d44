"""Checks of command-line values that run before any Salesforce call or store write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from sfseg.cli.main import app
from sfseg.salesforce import SalesforceClient
from sfseg.sandbox.server import SandboxInfo
from tests.cli.sandbox_env import point_cli_at

WHERE = "MailingCountry = 'United States'"


@pytest.fixture
def cli_env(fresh_sandbox: SandboxInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SandboxInfo:
    point_cli_at(fresh_sandbox, tmp_path, monkeypatch)
    return fresh_sandbox


def _run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.mark.parametrize("value", ["-3", "0"])
def test_analyze_top_at_least_one(value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`analyze --top` below 1 is rejected by the option, before the store is opened."""
    monkeypatch.setenv("SFSEG_DATABASE_URL", f"sqlite:///{tmp_path / 'store.db'}")
    result = _run("analyze", "SEG", "--top", value)
    assert result.exit_code == 2
    assert "Invalid value for '--top'" in result.stderr
    assert "greater than or equal to 1" in result.stderr
    assert not (tmp_path / "store.db").exists()


@pytest.mark.parametrize("value", ["-1", "0"])
def test_errors_limit_at_least_one(value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`errors --limit` below 1 is rejected by the option instead of listing all or none."""
    monkeypatch.setenv("SFSEG_DATABASE_URL", f"sqlite:///{tmp_path / 'store.db'}")
    result = _run("errors", "--limit", value)
    assert result.exit_code == 2
    assert "Invalid value for '--limit'" in result.stderr
    assert "greater than or equal to 1" in result.stderr
    assert "No errors logged." not in result.stdout


@pytest.mark.parametrize(
    ("value", "bound"), [("-1", "greater than or equal to 0"), ("65536", "less than or equal to 65535")]
)
def test_login_port_in_range(value: str, bound: str) -> None:
    """`login --port` outside 0 to 65535 is rejected by the option before any sign-in."""
    result = _run("login", "--port", value)
    assert result.exit_code == 2
    assert "Invalid value for '--port'" in result.stderr
    assert bound in result.stderr


@pytest.mark.parametrize("parent", ["701bogus", "003000000000001", "701000000000001AAB"])
def test_parent_must_be_campaign_id(cli_env: SandboxInfo, fresh_client: SalesforceClient, parent: str) -> None:
    """A --parent that is not shaped like a Campaign id stops the create before any write."""
    result = _run("segments", "create", "S4", "--where", "Email != null", "--parent", parent)
    assert result.exit_code == 1
    assert f"parent Campaign id {parent!r} is invalid" in " ".join(result.stderr.split())
    assert "starts with 701" in " ".join(result.stderr.split())
    assert _run("segments", "list", "--json").stdout.strip() == "[]"
    assert list(fresh_client.query("SELECT Id FROM Campaign")) == []


def test_parent_campaign_id_accepted(cli_env: SandboxInfo) -> None:
    """A real Campaign id, 15 or 18 characters, becomes the new Campaign's ParentId."""
    parent_id = cli_env.state.org.create("Campaign", {"Name": "Parent"})
    for name, given in (("Child18", parent_id), ("Child15", parent_id[:15])):
        result = _run("segments", "create", name, "--where", WHERE, "--parent", given, "--json")
        assert result.exit_code == 0, result.output
        campaign_id = json.loads(result.stdout)["campaign_id"]
        assert cli_env.state.org.retrieve("Campaign", campaign_id, ["ParentId"])["ParentId"] == parent_id


def test_default_status_checked_first(cli_env: SandboxInfo) -> None:
    """A --default-status outside the --status labels is named before the responded check."""
    result = _run("segments", "create", "S5", "--where", WHERE, "--status", "A", "--status", "B", "--default-status", "C")
    stderr = " ".join(result.stderr.split())
    assert result.exit_code == 1
    assert "default status 'C' is not one of the statuses A, B" in stderr
    assert "no responded status" not in stderr
    assert _run("segments", "list", "--json").stdout.strip() == "[]"


def test_opened_and_clicked_both_respond(cli_env: SandboxInfo) -> None:
    """Opened and Clicked both count as responded, as the create help states, and Sent does not."""
    result = _run("segments", "create", "S6", "--where", WHERE, "--status", "Sent", "--status", "Opened",
                  "--status", "Clicked", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    statuses = {s["label"]: s for s in json.loads(result.stdout)["statuses"]}
    assert statuses["Opened"]["has_responded"] is True
    assert statuses["Clicked"]["has_responded"] is True
    assert statuses["Sent"]["has_responded"] is False
    assert statuses["Sent"]["is_default"] is True


def test_create_help_names_responded_rule() -> None:
    """`segments create --help` lists the labels that count as responded."""
    result = CliRunner().invoke(app, ["segments", "create", "--help"], env={"COLUMNS": "200"})
    text = " ".join(result.stdout.split())
    assert result.exit_code == 0
    assert "Responded, Attended, Replied, Clicked, Opened or Converted" in text
    assert "makes both Opened and Clicked count as responded" in text
