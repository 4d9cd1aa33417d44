"""A create that fails after the segment row is stored says the segment was kept unfinished."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from sfseg.cli.main import app
from sfseg.sandbox.server import SandboxInfo
from tests.cli.sandbox_env import point_cli_at

WHERE = "MailingCountry = 'United States'"
NAME = "US contacts"


@pytest.fixture
def cli_env(fresh_sandbox: SandboxInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SandboxInfo:
    point_cli_at(fresh_sandbox, tmp_path, monkeypatch)
    return fresh_sandbox


def _run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def _fail_composite(sandbox: SandboxInfo, times: int) -> None:
    rule = {"method": "POST", "path": "^/composite$", "fault": "INTERNAL_ERROR", "times": times}
    sandbox.state.faults.configure({"seed": 1, "rules": [rule]})


def test_failed_create_names_unfinished_segment(cli_env: SandboxInfo) -> None:
    """The error names the kept segment and both ways on: create again, or delete it."""
    _fail_composite(cli_env, times=100)
    result = _run("segments", "create", NAME, "--where", WHERE)
    stderr = " ".join(result.stderr.split())
    assert result.exit_code == 1
    assert "Error:" in stderr
    assert f"segment '{NAME}' was kept unfinished" in stderr
    assert "Run the same `sfseg segments create` again to finish it" in stderr
    assert f"`sfseg segments delete '{NAME}'`" in stderr
    [kept] = json.loads(_run("segments", "list", "--json").stdout)
    assert kept["name"] == NAME
    assert kept["campaign_id"] is None


def test_create_again_finishes_segment(cli_env: SandboxInfo) -> None:
    """Running the same create after the fault clears finishes the kept segment."""
    _fail_composite(cli_env, times=100)
    assert _run("segments", "create", NAME, "--where", WHERE).exit_code == 1
    cli_env.state.faults.clear()

    again = _run("segments", "create", NAME, "--where", WHERE, "--json")
    assert again.exit_code == 0, again.output
    [finished] = json.loads(_run("segments", "list", "--json").stdout)
    assert finished["campaign_id"] == json.loads(again.stdout)["campaign_id"]


def test_delete_removes_unfinished_segment(cli_env: SandboxInfo) -> None:
    """The delete command the note gives removes the kept segment."""
    _fail_composite(cli_env, times=100)
    assert _run("segments", "create", NAME, "--where", WHERE).exit_code == 1

    assert _run("segments", "delete", NAME, "--yes").exit_code == 0
    assert json.loads(_run("segments", "list", "--json").stdout) == []


def test_input_error_keeps_nothing(cli_env: SandboxInfo) -> None:
    """A create rejected before any write stores no segment and adds no note."""
    result = _run("segments", "create", NAME, "--where", "Nope = 1")
    assert result.exit_code == 1
    assert "unfinished" not in result.stderr
    assert json.loads(_run("segments", "list", "--json").stdout) == []
