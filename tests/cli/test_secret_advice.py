"""A missing client secret: the advice names only places sfseg reads a secret from."""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from sfseg.cli.main import app
from sfseg.salesforce.settings import ConnectionSettings

PROFILE = """\
[profiles.sbx]
instance_url = "http://127.0.0.1:9"
flow = "client_credentials"
client_id = "sbx-app"
"""


@pytest.fixture(autouse=True)
def profile_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Profile `sbx` without a secret, an empty fake keyring and no inherited SFSEG_* variables."""
    for name in list(os.environ):
        if name.startswith("SFSEG_"):
            monkeypatch.delenv(name)
    config = tmp_path / "config"
    config.mkdir()
    path = config / "profiles.toml"
    path.write_text(PROFILE, encoding="utf-8")
    monkeypatch.setattr("platformdirs.user_config_dir", lambda *a, **k: str(config))
    monkeypatch.setattr("keyring.get_password", lambda service, entry: None)
    yield path


def _limits(*args: str) -> Result:
    return CliRunner().invoke(app, ["limits", "--profile", "sbx", *args])


def _fix_line(result: Result) -> str:
    # Rich may wrap the Fix line; join it back into one line of text.
    fix = result.stderr.partition("Fix:")[2]
    return " ".join(fix.split())


def test_missing_secret_not_in_profile() -> None:
    """The advice names SFSEG_CLIENT_SECRET and the keyring, never the profile."""
    result = _limits()
    assert result.exit_code == 1
    assert "setting client_secret is missing" in result.stderr
    fix = _fix_line(result)
    assert "SFSEG_CLIENT_SECRET" in fix
    assert "keyring" in fix
    assert "in the profile" not in fix


def test_advice_for_several_missing(profile_file: Path) -> None:
    """With client_id missing too, only client_id is offered a place in the profile."""
    profile_file.write_text(PROFILE.replace('client_id = "sbx-app"\n', ""), encoding="utf-8")
    result = _limits()
    assert result.exit_code == 1
    assert "settings client_id, client_secret are missing" in result.stderr
    fix = _fix_line(result)
    assert "set SFSEG_CLIENT_ID (or client_id in the profile)" in fix
    assert "client_secret in the profile" not in fix
    assert "settings in the profile" not in fix


def test_profile_secret_still_rejected(profile_file: Path) -> None:
    """A client_secret written in the profile is rejected, which is why the advice leaves it out."""
    profile_file.write_text(PROFILE + 'client_secret = "s3"\n', encoding="utf-8")
    result = _limits()
    assert result.exit_code == 1
    assert "clear text: client_secret" in " ".join(result.stderr.split())


def test_keyring_command_is_read_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """Running the keyring command from the advice stores the secret where sfseg reads it."""
    fix = _fix_line(_limits())
    command = re.search(r"`(python -c .+?)`", fix)
    assert command is not None, fix
    code = shlex.split(command.group(1))[2]
    stored: dict[tuple[str, str], str] = {}
    monkeypatch.setattr("keyring.set_password", lambda service, entry, value: stored.update({(service, entry): value}))
    monkeypatch.setattr("keyring.get_password", lambda service, entry: stored.get((service, entry)))
    monkeypatch.setattr("getpass.getpass", lambda *a, **k: "typed-secret")

    exec(code, {})  # the command's Python, with the keyring and the prompt replaced

    assert list(stored) == [("sfseg", "sbx:client_secret")]
    settings = ConnectionSettings.load("sbx")
    assert settings.client_secret is not None
    assert settings.client_secret.get_secret_value() == "typed-secret"
    settings.check()
