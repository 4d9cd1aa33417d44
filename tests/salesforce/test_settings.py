"""Connection settings: checks before any request, profiles, environment and keyring."""

from __future__ import annotations

from typing import Any

import pytest

from sfseg.salesforce import (
    ConfigurationError,
    ConnectionSettings,
    SalesforceClient,
    profiles,
    secrets,
)

from .conftest import MemoryKeyring

CC = {"client_id": "app", "client_secret": "s3cret-value", "flow": "client_credentials"}


def _check(**values: Any) -> None:
    ConnectionSettings(**values).check()


@pytest.mark.parametrize("host", ["https://login.salesforce.com", "https://test.salesforce.com/"])
def test_client_credentials_needs_my_domain(host: str) -> None:
    """The client-credentials flow rejects the generic login hosts, naming the setting and the fix."""
    with pytest.raises(ConfigurationError) as raised:
        _check(login_url=host, **CC)
    text = str(raised.value)
    assert text.startswith(f"setting login_url = '{host.rstrip('/')}': the client-credentials flow is refused on")
    assert "set SFSEG_LOGIN_URL to the org's My Domain" in text


def test_client_credentials_on_my_domain() -> None:
    """A My Domain host passes the check."""
    _check(login_url="https://acme.my.salesforce.com", **CC)


@pytest.mark.parametrize(
    "url",
    ["http://acme.my.salesforce.com", "http://10.0.0.5:8080", "http://example.org"],
)
def test_plain_http_only_loopback(url: str) -> None:
    """http:// to a host that is not loopback is rejected with the https fix."""
    with pytest.raises(ConfigurationError, match=r"uses plain http to a host that is not loopback; use https:// in SFSEG_INSTANCE_URL"):
        _check(instance_url=url, **CC)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "http://127.3.4.5", "http://[::1]:9000", "http://localhost:5000"])
def test_plain_http_loopback_allowed(url: str) -> None:
    """http:// to 127.0.0.0/8, ::1 and localhost passes."""
    _check(instance_url=url, **CC)


@pytest.mark.parametrize(
    ("login_url", "audience"),
    [
        ("https://login.salesforce.com", "https://test.salesforce.com"),
        ("https://acme--uat.sandbox.my.salesforce.com", "https://login.salesforce.com"),
        ("https://test.salesforce.com", "https://login.salesforce.com"),
    ],
)
def test_jwt_audience_must_match(login_url: str, audience: str) -> None:
    """A JWT audience for production on a sandbox host (or the reverse) is rejected."""
    with pytest.raises(ConfigurationError, match=f"setting audience = '{audience}' does not match the login host"):
        _check(flow="jwt", client_id="app", username="u@x.org", private_key_file="k.pem", login_url=login_url, audience=audience)


@pytest.mark.parametrize(
    ("login_url", "expected"),
    [
        ("https://login.salesforce.com", "https://login.salesforce.com"),
        ("https://acme.my.salesforce.com", "https://login.salesforce.com"),
        ("https://test.salesforce.com", "https://test.salesforce.com"),
        ("https://acme--uat.sandbox.my.salesforce.com", "https://test.salesforce.com"),
    ],
)
def test_jwt_audience_default(login_url: str, expected: str) -> None:
    """The JWT audience follows the login host: sandbox hosts get test.salesforce.com."""
    assert ConnectionSettings(login_url=login_url).jwt_audience == expected


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"flow": "jwt", "client_id": "a", "login_url": "https://login.salesforce.com", "private_key_file": "k"}, "setting username is missing"),
        ({"flow": "client_credentials", "login_url": "https://a.my.salesforce.com", "client_secret": "s"}, "setting client_id is missing"),
        ({"flow": "refresh_token", "client_id": "a", "login_url": "https://a.my.salesforce.com"}, "setting refresh_token is missing"),
        ({"flow": "access_token", "access_token": "x"}, "setting instance_url is missing"),
    ],
)
def test_missing_settings_named(values: dict[str, Any], message: str) -> None:
    """Each flow names the first missing setting and its variable."""
    with pytest.raises(ConfigurationError, match=message) as raised:
        _check(**values)
    assert "SFSEG_" in str(raised.value)


def test_every_missing_setting_named_at_once() -> None:
    """With nothing set, one error names each setting the flow needs and its variable."""
    with pytest.raises(ConfigurationError) as raised:
        _check(flow="client_credentials")
    text = str(raised.value)
    assert "settings client_id, client_secret, instance_url are missing" in text
    for variable in ("SFSEG_CLIENT_ID", "SFSEG_CLIENT_SECRET", "SFSEG_INSTANCE_URL"):
        assert variable in text


def test_missing_host_names_instance_url() -> None:
    """A missing host is reported as the instance URL, the one setting most users have."""
    with pytest.raises(ConfigurationError, match="setting instance_url is missing") as raised:
        _check(**CC)
    assert raised.value.hint is not None
    assert "SFSEG_INSTANCE_URL" in raised.value.hint


def test_missing_ca_file_named(tmp_path: Any) -> None:
    """A CA file that does not exist is named with its directory and the variable to fix."""
    missing = tmp_path / "nonexistent.pem"
    with pytest.raises(ConfigurationError, match="CA file .*nonexistent.pem' not found") as raised:
        _check(login_url="https://a.my.salesforce.com", ca_file=str(missing), **CC)
    assert raised.value.hint is not None
    assert "SFSEG_CA_FILE" in raised.value.hint


def test_relative_ca_file_shows_directory(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A relative CA path is reported with the directory it was looked up in."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigurationError, match=f"relative to {tmp_path}"):
        _check(login_url="https://a.my.salesforce.com", ca_file="sandbox-ca.pem", **CC)


def test_checked_before_any_request() -> None:
    """Building a client with invalid settings raises before a connection is made."""
    with pytest.raises(ConfigurationError):
        SalesforceClient(ConnectionSettings(login_url="https://login.salesforce.com", **CC))


def test_secret_hidden_in_repr() -> None:
    """Secrets print masked."""
    settings = ConnectionSettings(login_url="https://a.my.salesforce.com", **CC)
    assert "s3cret-value" not in repr(settings)
    assert "s3cret-value" not in str(settings.public_values())


def test_env_overrides_profile() -> None:
    """SFSEG_* variables win over the profile's values."""
    profiles.write_profile("dev", {"instance_url": "https://dev.my.salesforce.com", "client_id": "from-file"})
    settings = ConnectionSettings.load("dev", environ={"SFSEG_CLIENT_ID": "from-env", "SFSEG_API_VERSION": "65.0"})
    assert settings.client_id == "from-env"
    assert settings.api_version == "65.0"
    assert settings.instance_url == "https://dev.my.salesforce.com"


def test_profile_from_env_name() -> None:
    """SFSEG_PROFILE picks the profile when none is passed."""
    profiles.write_profile("ops", {"instance_url": "https://ops.my.salesforce.com"})
    assert ConnectionSettings.load(environ={"SFSEG_PROFILE": "ops"}).instance_url == "https://ops.my.salesforce.com"


def test_secret_never_written_to_profile() -> None:
    """write_profile drops secret settings, and the file never contains them."""
    path = profiles.write_profile("dev", {"instance_url": "https://dev.my.salesforce.com", "client_secret": "s3cret", "refresh_token": "5Aep"})
    text = path.read_text()
    assert "s3cret" not in text
    assert "5Aep" not in text
    assert "instance_url" in text


def test_secret_in_profile_rejected(config_dir: Any) -> None:
    """A profile file with a secret in clear text is rejected, naming the setting."""
    config_dir.mkdir(parents=True)
    (config_dir / "profiles.toml").write_text('[profiles.dev]\nclient_secret = "oops"\n')
    with pytest.raises(ConfigurationError, match="holds secret settings in clear text: client_secret"):
        ConnectionSettings.load("dev", environ={})


def test_secret_from_keyring(memory_keyring: MemoryKeyring) -> None:
    """A profile's client secret comes from the keyring when no variable sets it."""
    profiles.write_profile("dev", {"login_url": "https://dev.my.salesforce.com", "client_id": "a"})
    secrets.set_secret("dev", "client_secret", "from-keyring")
    settings = ConnectionSettings.load("dev", environ={})
    assert settings.client_secret is not None
    assert settings.client_secret.get_secret_value() == "from-keyring"
    assert memory_keyring.entries == {("sfseg", "dev:client_secret"): "from-keyring"}


def test_unknown_profile_lists_known() -> None:
    """Loading a missing profile names it and the ones that exist."""
    profiles.write_profile("dev", {"instance_url": "https://dev.my.salesforce.com"})
    with pytest.raises(ConfigurationError, match=r"profile 'prod' not found in .*profiles.toml \(profiles: dev\)"):
        ConnectionSettings.load("prod", environ={})


def test_invalid_value_named() -> None:
    """An out-of-range value is reported with the profile name."""
    profiles.write_profile("dev", {"reserve_fraction": 1.5})
    with pytest.raises(ConfigurationError) as raised:
        ConnectionSettings.load("dev", environ={})
    assert str(raised.value) == (
        "invalid connection settings in profile 'dev': reserve_fraction = 1.5: Input should be less than 1; "
        "fix the value in profiles.toml or the SFSEG_* variable"
    )
