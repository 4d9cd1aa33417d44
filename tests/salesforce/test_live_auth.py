"""Every auth flow against the live sandbox, token rotation into the keyring, and OAuth errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from sfseg.salesforce import (
    AuthenticationError,
    ConnectionSettings,
    RetryPolicy,
    SalesforceClient,
    profiles,
)
from sfseg.salesforce.weblogin import run_web_login
from sfseg.sandbox.server import run_sandbox

from .conftest import MemoryKeyring, Sleeps, sandbox_settings


def _follow(url: str) -> None:
    """Act as the browser: open the authorize URL and follow the redirect to the loopback listener."""
    response = httpx.get(url, follow_redirects=True, timeout=30)
    assert response.status_code == 200


def _web_login(info: Any) -> str:
    settings = sandbox_settings(info, flow="web", client_secret=None)
    token = run_web_login(settings, show_url=_follow, timeout=30)
    assert token.refresh_token
    return token.refresh_token


@pytest.fixture
def key_pair(tmp_path: Path) -> tuple[Path, Path]:
    """An RSA private key and a self-signed certificate for it, as PEM files."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sfseg test")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256())
    )
    key_file = tmp_path / "server.key"
    cert_file = tmp_path / "server.crt"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


@pytest.fixture
def jwt_sandbox(key_pair: tuple[Path, Path]) -> Iterator[Any]:
    with run_sandbox(seed="empty", jwt_cert=key_pair[1]) as info:
        yield info


@pytest.fixture
def rotating_sandbox() -> Iterator[Any]:
    with run_sandbox(seed="empty", rotate_refresh_tokens=True) as info:
        yield info


def test_client_credentials_flow(fresh_sandbox, retry_policy: RetryPolicy) -> None:
    """Client id and secret get a token that reads the org."""
    with SalesforceClient(sandbox_settings(fresh_sandbox), retry_policy=retry_policy) as client:
        assert client.limits()["DailyApiRequests"]["Max"] == 100_000
        assert client.instance_url == fresh_sandbox.url


def test_jwt_flow(jwt_sandbox, key_pair: tuple[Path, Path], retry_policy: RetryPolicy) -> None:
    """A JWT signed with the app's key gets a token for the named user."""
    username = jwt_sandbox.state.default_user.username
    settings = sandbox_settings(jwt_sandbox, flow="jwt", client_secret=None, username=username, private_key_file=str(key_pair[0]))
    with SalesforceClient(settings, retry_policy=retry_policy) as client:
        assert "DailyApiRequests" in client.limits()


def test_jwt_wrong_key_fails_at_once(jwt_sandbox, tmp_path: Path, retry_policy: RetryPolicy, sleeps: Sleeps) -> None:
    """A JWT signed by another key raises AuthenticationError with the description, without retries."""
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = tmp_path / "other.key"
    key_file.write_bytes(other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    settings = sandbox_settings(jwt_sandbox, flow="jwt", client_secret=None, username="x@example.org", private_key_file=str(key_file))
    with SalesforceClient(settings, retry_policy=retry_policy) as client, pytest.raises(
        AuthenticationError, match="OAuth invalid_grant: invalid assertion"
    ) as raised:
        client.limits()
    assert raised.value.hint is not None
    assert "pre-authorized" in raised.value.hint
    assert sleeps == []


def test_web_flow_then_refresh_token_flow(fresh_sandbox, retry_policy: RetryPolicy) -> None:
    """The web-server flow with PKCE yields a refresh token that the refresh-token flow uses."""
    refresh_token = _web_login(fresh_sandbox)
    settings = sandbox_settings(fresh_sandbox, flow="refresh_token", client_secret=None, refresh_token=refresh_token)
    with SalesforceClient(settings, retry_policy=retry_policy) as client:
        assert "DailyApiRequests" in client.limits()


def test_rotated_refresh_token_stored(rotating_sandbox, memory_keyring: MemoryKeyring, retry_policy: RetryPolicy) -> None:
    """With rotation on, the new refresh token replaces the old one in the keyring and works next time."""
    first = _web_login(rotating_sandbox)
    settings = sandbox_settings(rotating_sandbox, flow="refresh_token", client_secret=None, refresh_token=first, profile="dev")
    with SalesforceClient(settings, retry_policy=retry_policy) as client:
        client.limits()
    stored = memory_keyring.entries[("sfseg", "dev:refresh_token")]
    assert stored != first

    profiles.write_profile("dev", _hosts(rotating_sandbox))
    again = ConnectionSettings.load("dev", environ={})
    assert again.refresh_token is not None
    assert again.refresh_token.get_secret_value() == stored
    with SalesforceClient(again, retry_policy=retry_policy) as client:
        assert "DailyApiRequests" in client.limits()


def _hosts(info: Any) -> dict[str, Any]:
    return {"instance_url": info.url, "login_url": info.url, "client_id": info.client_id, "flow": "refresh_token"}


def test_access_token_flow(fresh_sandbox, retry_policy: RetryPolicy) -> None:
    """An access token given directly is used as is, with no token request."""
    settings = ConnectionSettings(instance_url=fresh_sandbox.url, access_token=fresh_sandbox.access_token(), api_version=fresh_sandbox.api_version)
    with SalesforceClient(settings, retry_policy=retry_policy) as client:
        assert settings.resolved_flow == "access_token"
        assert "DailyApiRequests" in client.limits()


def test_expired_access_token_fails_with_fix(fresh_sandbox, retry_policy: RetryPolicy) -> None:
    """A given access token that expires cannot be refreshed, and the error names the fix."""
    settings = ConnectionSettings(instance_url=fresh_sandbox.url, access_token="00D000000000001!expired")
    with SalesforceClient(settings, retry_policy=retry_policy) as client, pytest.raises(
        AuthenticationError, match="the access token given in the settings expired or is invalid"
    ):
        client.limits()


def test_wrong_secret_fails_at_once(fresh_sandbox, retry_policy: RetryPolicy, sleeps: Sleeps) -> None:
    """invalid_client fails on the first token request with the description and the setting to check."""
    settings = sandbox_settings(fresh_sandbox, client_secret="wrong")
    with SalesforceClient(settings, retry_policy=retry_policy) as client, pytest.raises(AuthenticationError) as raised:
        client.limits()
    assert str(raised.value) == (
        "400 invalid_client: OAuth invalid_client: invalid client credentials (POST /services/oauth2/token); "
        "check client_secret (SFSEG_CLIENT_SECRET) against the app's consumer secret"
    )
    assert "wrong" not in str(raised.value)
    assert sleeps == []


def test_revoked_refresh_token_fails(fresh_sandbox, retry_policy: RetryPolicy, sleeps: Sleeps) -> None:
    """An unknown refresh token gets invalid_grant at once."""
    settings = sandbox_settings(fresh_sandbox, flow="refresh_token", client_secret=None, refresh_token="5Aep-not-issued")
    with SalesforceClient(settings, retry_policy=retry_policy) as client, pytest.raises(
        AuthenticationError, match="OAuth invalid_grant: expired access/refresh token"
    ):
        client.limits()
    assert sleeps == []
