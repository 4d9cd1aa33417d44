"""`sfseg sandbox serve`: options, the ready file, the banner, one log line per request."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from sfseg.cli.main import app


def _wait_for(path: Path, process: subprocess.Popen[str], timeout: float = 20.0) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, "the sandbox wrote no ready file in time"
        time.sleep(0.05)
    document: dict[str, str] = json.loads(path.read_text())
    return document


def _serve(tmp_path: Path, *options: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    ready = tmp_path / "ready.json"
    entry = "from sfseg.cli.main import main; main()"
    command = [sys.executable, "-c", entry, "sandbox", "serve", "--seed", "empty"]
    process = subprocess.Popen(
        [*command, "--ready-file", str(ready), *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    return process, _wait_for(ready, process)


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0, stderr
    return stderr


@pytest.mark.slow
def test_serve_logs_one_line_per_request(tmp_path: Path) -> None:
    """The CLI serves, prints the generated secret once, and logs each request without its token."""
    process, ready = _serve(tmp_path)
    token = httpx.post(
        f"{ready['url']}/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": ready["client_id"],
            "client_secret": ready["client_secret"],
        },
    ).json()["access_token"]
    limits = httpx.get(
        f"{ready['url']}/services/data/v66.0/limits", headers={"Authorization": f"Bearer {token}"}
    )
    stderr = _stop(process)

    assert limits.status_code == 200
    assert f"client secret: {ready['client_secret']}  (generated, sandbox only)" in stderr
    assert len([line for line in stderr.splitlines() if "GET /services/data/v66.0/limits 200" in line]) == 1
    assert len([line for line in stderr.splitlines() if "POST /services/oauth2/token 200" in line]) == 1
    assert token not in stderr
    assert not (tmp_path / "ready.json").exists()


@pytest.mark.slow
def test_serve_hides_given_secret(tmp_path: Path) -> None:
    """A secret and password given by the user are used but never printed."""
    process, ready = _serve(tmp_path, "--client-secret", "user-chosen-secret-123", "--password", "pw-456")
    token = httpx.post(
        f"{ready['url']}/services/oauth2/token",
        data={
            "grant_type": "password",
            "client_id": ready["client_id"],
            "client_secret": "user-chosen-secret-123",
            "username": "sandbox.admin@sfseg.example",
            "password": "pw-456",
        },
    )
    stderr = _stop(process)
    assert ready["client_secret"] == "user-chosen-secret-123"
    assert token.status_code == 200
    assert "user-chosen-secret-123" not in stderr
    assert "pw-456" not in stderr


def test_serve_rejects_remote_host() -> None:
    """--host 0.0.0.0 without --allow-remote exits 1 with the reason."""
    result = CliRunner().invoke(app, ["sandbox", "serve", "--host", "0.0.0.0", "--seed", "empty"])
    assert result.exit_code == 1
    assert "not a loopback address" in result.output


def test_serve_rejects_unknown_version() -> None:
    """--api-version must be one the sandbox serves."""
    result = CliRunner().invoke(app, ["sandbox", "serve", "--api-version", "58.0", "--seed", "empty"])
    assert result.exit_code == 1
    assert "--api-version 58.0 is not served" in result.output


def test_serve_reports_bad_fault_file(tmp_path: Path) -> None:
    """An unreadable or invalid --faults file stops start-up with the reason."""
    broken = tmp_path / "faults.json"
    broken.write_text('{"rules": [{"fault": "NOPE"}]}')
    missing = CliRunner().invoke(app, ["sandbox", "serve", "--seed", "empty", "--faults", str(tmp_path / "none.json")])
    invalid = CliRunner().invoke(app, ["sandbox", "serve", "--seed", "empty", "--faults", str(broken)])
    assert missing.exit_code == 1
    assert "cannot read the fault file" in missing.output
    assert invalid.exit_code == 1
    assert "'NOPE' is not a fault kind" in invalid.output


def test_relative_ca_file_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A relative --ca-file is stored absolute, so clients in other directories find it."""
    from sfseg.sandbox.config import SandboxConfig

    monkeypatch.chdir(tmp_path)
    config = SandboxConfig(tls=True, ca_file=Path("sandbox-ca.pem"), seed="empty")
    assert config.ca_file == tmp_path / "sandbox-ca.pem"


def test_serve_help_shows_flags_without_types() -> None:
    """Flags show no value type in help, and defaults are not cut at 80 columns."""
    result = CliRunner().invoke(app, ["sandbox", "serve", "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0
    assert "<bool>" not in result.output
    assert "[default: sfseg-sandbox-client]" in result.output
    assert "…" not in result.output
