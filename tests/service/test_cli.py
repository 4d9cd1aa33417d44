"""`sfseg keys create|list|revoke` and `sfseg serve`'s host guard, through Typer's runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sfseg.cli.main import app
from sfseg.segments.store import Store
from sfseg.service.keys import verify_key


@pytest.fixture
def store_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    monkeypatch.setenv("SFSEG_DATABASE_URL", url)
    return url


def test_create_prints_key_once(store_url: str) -> None:
    """`keys create` prints the key alone on stdout, and it verifies against the store."""
    result = CliRunner().invoke(app, ["keys", "create", "--name", "crm-sync", "--read-only"])

    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    with Store(store_url) as store:
        info = verify_key(store, key)
    assert info is not None
    assert (info.name, info.read_only) == ("crm-sync", True)


def test_list_shows_names_not_keys(store_url: str) -> None:
    """`keys list --json` shows names, prefixes and access, never the key."""
    key = CliRunner().invoke(app, ["keys", "create", "--name", "a"]).stdout.strip()

    listed = json.loads(CliRunner().invoke(app, ["keys", "list", "--json"]).stdout)

    assert listed == [{"name": "a", "prefix": key[:10], "read_only": False, "revoked": False}]


def test_revoke_then_list(store_url: str) -> None:
    """`keys revoke NAME` marks the key revoked; an unknown name fails naming it."""
    CliRunner().invoke(app, ["keys", "create", "--name", "a"])

    revoked = CliRunner().invoke(app, ["keys", "revoke", "a"])
    unknown = CliRunner().invoke(app, ["keys", "revoke", "b"])

    assert revoked.exit_code == 0
    assert (
        json.loads(CliRunner().invoke(app, ["keys", "list", "--json"]).stdout)[0]["revoked"] is True
    )
    assert unknown.exit_code == 1
    assert "no API key named 'b'" in unknown.output


def test_duplicate_name_fails(store_url: str) -> None:
    """A second key with a taken name fails with the name and exit status 1."""
    CliRunner().invoke(app, ["keys", "create", "--name", "a"])

    result = CliRunner().invoke(app, ["keys", "create", "--name", "a"])

    assert result.exit_code == 1
    assert "'a' exists" in result.output


def test_serve_refuses_remote_host(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`serve --host 0.0.0.0` without --allow-remote exits before listening."""
    for name, value in {
        "SFSEG_INSTANCE_URL": "http://127.0.0.1:9", "SFSEG_LOGIN_URL": "http://127.0.0.1:9",
        "SFSEG_FLOW": "client_credentials", "SFSEG_CLIENT_ID": "id", "SFSEG_CLIENT_SECRET": "secret",
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SFSEG_PROFILE", raising=False)

    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"])

    assert result.exit_code == 1
    assert "--allow-remote" in result.output
