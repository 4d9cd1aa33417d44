"""What a new user sees from the org commands: counts, empty results, whole ids, clear setting errors."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sfseg.cli.main import app
from sfseg.sandbox.server import SandboxInfo, run_sandbox

runner = CliRunner()


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A temporary config directory, no keyring and no inherited SFSEG_* variables or COLUMNS."""
    import os

    from sfseg.cli.common import configure_logging

    for name in list(os.environ):
        if name.startswith("SFSEG_") or name == "COLUMNS":
            monkeypatch.delenv(name)
    monkeypatch.setattr("platformdirs.user_config_dir", lambda *a, **k: str(tmp_path / "config"))
    monkeypatch.setattr("sfseg.salesforce.secrets.get_secret", lambda *a, **k: None)
    yield
    configure_logging(verbose=False)  # drop a handler bound to this test's captured stderr


@pytest.fixture
def env(fresh_sandbox: SandboxInfo) -> dict[str, str]:
    return {
        "SFSEG_INSTANCE_URL": fresh_sandbox.url,
        "SFSEG_CLIENT_ID": fresh_sandbox.client_id,
        "SFSEG_CLIENT_SECRET": fresh_sandbox.client_secret,
        "SFSEG_API_VERSION": fresh_sandbox.api_version,
    }


def _accounts(info: Any, *names: str) -> list[str]:
    return [info.state.org.create("Account", {"Name": name}) for name in names]


@pytest.fixture(scope="module")
def tls_sandbox() -> Iterator[SandboxInfo]:
    """An https sandbox whose certificate only its own CA file verifies."""
    with run_sandbox(seed="empty", tls=True, wait_on_exit=False) as info:
        yield info


def _tls_env(info: SandboxInfo) -> dict[str, str]:
    return {
        "SFSEG_INSTANCE_URL": info.url,
        "SFSEG_CLIENT_ID": info.client_id,
        "SFSEG_CLIENT_SECRET": info.client_secret,
    }


# --- query -----------------------------------------------------------------------


def test_count_query_prints_count(fresh_sandbox: Any, env: dict[str, str]) -> None:
    _accounts(fresh_sandbox, "Acme", "Globex", "Initech")

    result = runner.invoke(app, ["query", "SELECT COUNT() FROM Account"], env=env)

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "3"
    assert "1 API call" in result.stderr
    assert "API calls" not in result.stderr


def test_count_option_honours_all(fresh_sandbox: Any, env: dict[str, str]) -> None:
    first, *_ = _accounts(fresh_sandbox, "Acme", "Globex", "Initech")
    fresh_sandbox.state.org.delete("Account", first)
    soql = "SELECT Id FROM Account"

    live = runner.invoke(app, ["query", "--count", soql], env=env)
    with_deleted = runner.invoke(app, ["query", "--all", "--count", soql], env=env)

    assert live.stdout.strip() == "2"
    assert with_deleted.exit_code == 0, with_deleted.output
    assert with_deleted.stdout.strip() == "3"


def test_aggregate_rows_print_as_table(fresh_sandbox: Any, env: dict[str, str]) -> None:
    _accounts(fresh_sandbox, "Acme", "Acme", "Globex")

    result = runner.invoke(app, ["query", "SELECT Name, COUNT(Id) n FROM Account GROUP BY Name ORDER BY Name"], env=env)

    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if "Acme" in line or "Globex" in line]
    assert [line.split("│")[1:3] for line in lines] == [[" Acme   ", " 2 "], [" Globex ", " 1 "]]
    assert "2 rows, 1 API call" in result.stderr


def test_no_rows_gives_a_hint(fresh_sandbox: Any, env: dict[str, str]) -> None:
    result = runner.invoke(app, ["query", "SELECT Id FROM Account WHERE Name = 'nobody'"], env=env)

    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "No rows match, 1 API call." in result.stderr
    assert "add --all to include deleted rows" in result.stderr


def test_one_row_in_singular(fresh_sandbox: Any, env: dict[str, str]) -> None:
    _accounts(fresh_sandbox, "Acme")

    result = runner.invoke(app, ["query", "SELECT Name FROM Account"], env=env)

    # One query call and one describe call, to type the values.
    assert "1 row, 2 API calls" in result.stderr


def test_ids_whole_when_written_to_a_file(fresh_sandbox: Any, env: dict[str, str]) -> None:
    ids = _accounts(fresh_sandbox, "An account with a rather long name to push the columns wide")
    soql = "SELECT Id, Name, Phone, Website, Industry, Type, BillingCity, BillingState, OwnerId FROM Account"

    result = runner.invoke(app, ["query", soql], env=env)

    assert result.exit_code == 0, result.output
    assert ids[0] in result.stdout
    assert "…" not in result.stdout


def test_describe_keeps_api_names_whole(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["describe", "Contact"], env={**env, "COLUMNS": "80"})

    assert result.exit_code == 0, result.output
    assert "EmailBouncedReason" in result.stdout
    assert "…" not in result.stdout.split("┃")[1]


# --- settings --------------------------------------------------------------------


def test_missing_instance_url_named(env: dict[str, str]) -> None:
    partial = {k: v for k, v in env.items() if k != "SFSEG_INSTANCE_URL"}

    result = runner.invoke(app, ["limits"], env=partial)

    assert result.exit_code == 1
    assert "Error: setting instance_url is missing" in result.stderr
    assert "SFSEG_INSTANCE_URL" in result.stderr


def test_every_missing_setting_listed() -> None:
    result = runner.invoke(app, ["limits"], env={})

    assert result.exit_code == 1
    assert "settings client_id, client_secret, instance_url are missing" in result.stderr
    for variable in ("SFSEG_CLIENT_ID", "SFSEG_CLIENT_SECRET", "SFSEG_INSTANCE_URL"):
        assert variable in result.stderr


def test_missing_ca_file_exits_cleanly(env: dict[str, str], tmp_path: Path) -> None:
    missing = tmp_path / "nonexist.pem"

    result = runner.invoke(app, ["limits"], env={**env, "SFSEG_CA_FILE": str(missing)})

    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert f"CA file '{missing}' not found" in result.stderr
    assert "SFSEG_CA_FILE" in result.stderr
    assert "Traceback" not in result.output


def test_ca_file_not_pem_exits_cleanly(env: dict[str, str], tmp_path: Path) -> None:
    garbage = tmp_path / "ca.pem"
    garbage.write_text("not a certificate\n")

    result = runner.invoke(app, ["limits"], env={**env, "SFSEG_CA_FILE": str(garbage)})

    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "could not be loaded" in result.stderr


# --- certificates ------------------------------------------------------------------


def test_untrusted_certificate_not_retried(tls_sandbox: SandboxInfo) -> None:
    started = time.monotonic()

    result = runner.invoke(app, ["limits"], env=_tls_env(tls_sandbox))

    assert result.exit_code == 1
    assert time.monotonic() - started < 5, "a certificate failure was retried"
    assert "the TLS certificate of 127.0.0.1 could not be verified" in result.stderr
    assert "SFSEG_CA_FILE" in result.stderr
    assert "retry_scheduled" not in result.output


def test_trusted_certificate_connects(tls_sandbox: SandboxInfo) -> None:
    assert tls_sandbox.ca_file is not None

    result = runner.invoke(app, ["limits", "--json"], env={**_tls_env(tls_sandbox), "SFSEG_CA_FILE": tls_sandbox.ca_file})

    assert result.exit_code == 0, result.output


def test_verbose_logs_requests(env: dict[str, str]) -> None:
    quiet = runner.invoke(app, ["limits"], env=env)
    verbose = runner.invoke(app, ["limits", "-v"], env=env)

    assert "HTTP Request" not in quiet.stderr
    assert "HTTP Request: GET /services/data/v66.0/limits" in verbose.stderr


# --- profiles ----------------------------------------------------------------------


def test_no_profiles_gives_a_hint() -> None:
    result = runner.invoke(app, ["profiles", "list"])

    assert result.exit_code == 0, result.output
    assert "(not created yet)" in result.stderr
    assert "sfseg login" in result.stderr
    assert result.stdout == ""
