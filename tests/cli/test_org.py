"""The org commands through CliRunner against the live sandbox, configured by SFSEG_* variables."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import keyring
import pytest
from typer.testing import CliRunner

from sfseg.cli.main import app
from sfseg.salesforce import profiles
from tests.salesforce.conftest import MemoryKeyring

runner = CliRunner()


@pytest.fixture(autouse=True)
def isolated(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    """An in-memory keyring, a temporary config directory and no inherited SFSEG_* variables."""
    import os

    for name in list(os.environ):
        if name.startswith("SFSEG_"):
            monkeypatch.delenv(name)
    monkeypatch.setattr("platformdirs.user_config_dir", lambda *a, **k: str(tmp_path / "config"))
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def env(fresh_sandbox: Any) -> dict[str, str]:
    return {
        "SFSEG_INSTANCE_URL": fresh_sandbox.url,
        "SFSEG_LOGIN_URL": fresh_sandbox.url,
        "SFSEG_CLIENT_ID": fresh_sandbox.client_id,
        "SFSEG_CLIENT_SECRET": fresh_sandbox.client_secret,
        "SFSEG_API_VERSION": fresh_sandbox.api_version,
    }


def _seed(info: Any) -> None:
    for name in ("Acme", "Globex", "Initech"):
        info.state.org.create("Account", {"Name": name})


def test_query_json_all_rows(fresh_sandbox: Any, env: dict[str, str]) -> None:
    """query --json prints every row and the API calls made."""
    _seed(fresh_sandbox)
    result = runner.invoke(app, ["query", "SELECT Name FROM Account ORDER BY Name", "--json"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [r["Name"] for r in data["records"]] == ["Acme", "Globex", "Initech"]
    assert data["totalSize"] == 3
    assert data["apiCalls"] >= 1


def test_query_table(fresh_sandbox: Any, env: dict[str, str]) -> None:
    """query prints a table with each value, and the row count on stderr."""
    _seed(fresh_sandbox)
    result = runner.invoke(app, ["query", "SELECT Name FROM Account ORDER BY Name"], env=env)
    assert result.exit_code == 0, result.output
    for name in ("Acme", "Globex", "Initech"):
        assert name in result.stdout
    assert "3 rows" in result.stderr


def test_query_count(fresh_sandbox: Any, env: dict[str, str]) -> None:
    """query --count prints the number of matching rows."""
    _seed(fresh_sandbox)
    result = runner.invoke(app, ["query", "SELECT Id FROM Account WHERE Name != 'Acme'", "--count"], env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "2"


def test_query_all_includes_deleted(fresh_sandbox: Any, env: dict[str, str]) -> None:
    """query --all includes deleted rows; plain query does not."""
    _seed(fresh_sandbox)
    org = fresh_sandbox.state.org
    gone = org.create("Account", {"Name": "Gone"})
    org.delete("Account", gone)
    soql = "SELECT Name FROM Account WHERE Name = 'Gone'"
    plain = runner.invoke(app, ["query", soql, "--json"], env=env)
    everything = runner.invoke(app, ["query", soql, "--all", "--json"], env=env)
    assert json.loads(plain.stdout)["totalSize"] == 0
    assert json.loads(everything.stdout)["totalSize"] == 1


def test_query_bad_soql(env: dict[str, str]) -> None:
    """Invalid SOQL exits 1 with the cause on stderr, before any request."""
    result = runner.invoke(app, ["query", "SELECT FROM"], env=env)
    assert result.exit_code == 1
    assert "Error: invalid SOQL" in result.stderr
    assert "Fix:" in result.stderr


def test_unknown_field_error(env: dict[str, str]) -> None:
    """A field Salesforce rejects exits 1 with status, code and message."""
    result = runner.invoke(app, ["query", "SELECT Nope__c FROM Account"], env=env)
    assert result.exit_code == 1
    assert "Error: 400 INVALID_FIELD" in result.stderr


def test_describe_json(env: dict[str, str]) -> None:
    """describe --json lists the fields with their types."""
    result = runner.invoke(app, ["describe", "contact", "--json"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["name"] == "Contact"
    fields = {f["name"]: f for f in data["fields"]}
    assert fields["Email"]["type"] == "email"
    assert fields["AccountId"]["referenceTo"] == ["Account"]


def test_describe_table(env: dict[str, str]) -> None:
    """describe prints a field table."""
    result = runner.invoke(app, ["describe", "Account"], env={**env, "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "AnnualRevenue" in result.stdout
    assert "currency" in result.stdout


def test_limits_json(env: dict[str, str]) -> None:
    """limits --json shows the daily allowance used and left, and the calls this command made."""
    result = runner.invoke(app, ["limits", "--json"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["dailyApiRequests"] == {"max": 100000, "used": 1, "remaining": 99999}
    assert data["apiCallsMade"] == 1


def test_wrong_secret_exit_1(env: dict[str, str]) -> None:
    """A rejected client secret exits 1 with the OAuth cause and the setting to fix, never the secret."""
    result = runner.invoke(app, ["limits"], env={**env, "SFSEG_CLIENT_SECRET": "not-the-secret"})
    assert result.exit_code == 1
    assert "OAuth invalid_client: invalid client credentials" in result.stderr
    assert "Fix: check client_secret (SFSEG_CLIENT_SECRET)" in result.stderr
    assert "not-the-secret" not in result.output


def test_bad_settings_exit_1(env: dict[str, str]) -> None:
    """Plain http to a remote host is rejected before any request, with the fix."""
    result = runner.invoke(app, ["limits"], env={**env, "SFSEG_INSTANCE_URL": "http://acme.my.salesforce.com"})
    assert result.exit_code == 1
    assert "uses plain http to a host that is not loopback" in result.stderr


def test_login_then_profiles(fresh_sandbox: Any, monkeypatch: pytest.MonkeyPatch, isolated: MemoryKeyring) -> None:
    """login stores the refresh token in the keyring and the profile without secrets; profiles list and show it."""
    def browser(url: str) -> bool:
        httpx.get(url, follow_redirects=True, timeout=30).raise_for_status()
        return True

    monkeypatch.setattr("webbrowser.open", browser)
    args = ["login", "--profile", "dev", "--login-url", fresh_sandbox.url, "--client-id", fresh_sandbox.client_id, "--open"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Profile dev saved" in result.stdout
    refresh_token = isolated.entries[("sfseg", "dev:refresh_token")]
    assert refresh_token not in profiles.profiles_path().read_text()

    listed = runner.invoke(app, ["profiles", "list", "--json"])
    assert json.loads(listed.stdout)["dev"]["flow"] == "refresh_token"

    shown = runner.invoke(app, ["profiles", "show", "dev", "--json"])
    values = json.loads(shown.stdout)
    assert values["refresh_token"] == "(set)"
    assert values["instance_url"] == fresh_sandbox.url

    limits = runner.invoke(app, ["limits", "--json", "--profile", "dev"])
    assert limits.exit_code == 0, limits.output


def test_profiles_show_unknown() -> None:
    """profiles show of a missing profile exits 1 and names the command that creates one."""
    result = runner.invoke(app, ["profiles", "show", "nope"])
    assert result.exit_code == 1
    assert "profile 'nope' not found" in result.stderr
    assert "sfseg login --profile NAME" in result.stderr


def test_login_without_keyring(fresh_sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no usable keyring, login exits 1 with the fix and prints no token."""
    from keyring.backends.fail import Keyring as FailKeyring

    keyring.set_keyring(FailKeyring())
    monkeypatch.setattr("webbrowser.open", lambda url: httpx.get(url, follow_redirects=True, timeout=30).is_success)
    args = ["login", "--profile", "dev", "--login-url", fresh_sandbox.url, "--client-id", fresh_sandbox.client_id, "--open"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "could not be stored in the system keyring" in result.stderr
    assert "install a keyring backend" in result.stderr
    assert not profiles.profiles_path().exists()
