"""Checks of command-line values that run before any Salesforce call or store write."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from sfseg.cli.main import app
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
    """`analyze --top` below 1 is rejected with the value, before the store is opened."""
    monkeypatch.setenv("SFSEG_DATABASE_URL", f"sqlite:///{tmp_path / 'store.db'}")
    result = _run("analyze", "SEG", "--top", value)
    assert result.exit_code == 2
    assert "Invalid value for '--top'" in result.stderr
    assert "greater than or equal to 1" in result.stderr
    assert not (tmp_path / "store.db").exists()


@pytest.mark.parametrize("value", ["-1", "0"])
def test_errors_limit_at_least_one(value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`errors --limit` below 1 is rejected with the value instead of listing all or none."""
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
