"""OAuth endpoints of the sandbox: every grant, token shapes, errors, revoke, introspect."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from sfseg.sandbox.server import SandboxInfo, run_sandbox

REDIRECT = "http://127.0.0.1:8765/callback"


def _token(info: SandboxInfo, **form: str) -> httpx.Response:
    return httpx.post(f"{info.url}/services/oauth2/token", data=form)


def _client_credentials(info: SandboxInfo) -> dict[str, str]:
    return {"client_id": info.client_id, "client_secret": info.client_secret}


def _oauth_error(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()
    assert set(body) == {"error", "error_description"}
    return response.status_code, body["error"], body["error_description"]


# Client credentials and token shape --------------------------------------------------------


def test_client_credentials_token_shape(fresh_sandbox: SandboxInfo) -> None:
    """The token response has issued_at in milliseconds as a string, no expires_in, no refresh."""
    before = int(time.time() * 1000)
    body = _token(fresh_sandbox, grant_type="client_credentials", **_client_credentials(fresh_sandbox)).json()
    assert set(body) == {"access_token", "signature", "scope", "instance_url", "id", "token_type", "issued_at"}
    assert body["token_type"] == "Bearer"
    assert body["instance_url"] == fresh_sandbox.url
    assert body["access_token"].startswith(fresh_sandbox.state.org_id[:15] + "!")
    user_id = fresh_sandbox.state.default_user.user_id
    assert body["id"] == f"{fresh_sandbox.url}/id/{fresh_sandbox.state.org_id}/{user_id}"
    assert isinstance(body["issued_at"], str)
    assert int(body["issued_at"]) >= before - 1000


def test_client_credentials_basic_header(fresh_sandbox: SandboxInfo) -> None:
    """The client id and secret may come in an HTTP Basic header."""
    response = httpx.post(
        f"{fresh_sandbox.url}/services/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(fresh_sandbox.client_id, fresh_sandbox.client_secret),
    )
    token = response.json()["access_token"]
    limits = httpx.get(f"{fresh_sandbox.data_url}/limits", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert limits.status_code == 200


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ({"client_id": "other", "client_secret": "x"}, (400, "invalid_client_id", "client identifier invalid")),
        ({"client_secret": "wrong"}, (400, "invalid_client", "invalid client credentials")),
        ({}, (400, "invalid_client", "invalid client credentials")),
    ],
)
def test_client_credentials_errors(
    fresh_sandbox: SandboxInfo, form: dict[str, str], expected: tuple[int, str, str]
) -> None:
    """A wrong client id or secret returns Salesforce's error and description."""
    data = {"grant_type": "client_credentials", "client_id": fresh_sandbox.client_id, **form}
    assert _oauth_error(_token(fresh_sandbox, **data)) == expected


def test_missing_and_unknown_grant(fresh_sandbox: SandboxInfo) -> None:
    """No grant_type is invalid_request; an unknown one is unsupported_grant_type."""
    assert _oauth_error(_token(fresh_sandbox)) == (400, "invalid_request", "grant type is missing")
    assert _oauth_error(_token(fresh_sandbox, grant_type="magic")) == (
        400,
        "unsupported_grant_type",
        "grant type not supported",
    )


# Password grant ---------------------------------------------------------------------------


def test_password_grant(fresh_sandbox: SandboxInfo) -> None:
    """The legacy password grant signs in a known user, with no refresh token."""
    username = fresh_sandbox.state.default_user.username
    body = _token(
        fresh_sandbox,
        grant_type="password",
        username=username,
        password=fresh_sandbox.state.config.password,
        **_client_credentials(fresh_sandbox),
    ).json()
    assert "access_token" in body
    assert "refresh_token" not in body


def test_password_grant_wrong_password(fresh_sandbox: SandboxInfo) -> None:
    """A wrong password returns invalid_grant authentication failure."""
    response = _token(
        fresh_sandbox,
        grant_type="password",
        username=fresh_sandbox.state.default_user.username,
        password="wrong",
        **_client_credentials(fresh_sandbox),
    )
    assert _oauth_error(response) == (400, "invalid_grant", "authentication failure")


# Authorization code with PKCE and refresh tokens ------------------------------------------


def _pkce() -> tuple[str, str]:
    verifier = base64.urlsafe_b64encode(b"v" * 40).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def _authorize(info: SandboxInfo, challenge: str, redirect_uri: str = REDIRECT) -> httpx.Response:
    return httpx.get(
        f"{info.url}/services/oauth2/authorize",
        params={
            "response_type": "code",
            "client_id": info.client_id,
            "redirect_uri": redirect_uri,
            "state": "s-123",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )


def _code_from(response: httpx.Response) -> str:
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["s-123"]
    return query["code"][0]


def _web_login(info: SandboxInfo) -> dict[str, Any]:
    verifier, challenge = _pkce()
    code = _code_from(_authorize(info, challenge))
    response = _token(
        info,
        grant_type="authorization_code",
        code=code,
        client_id=info.client_id,
        redirect_uri=REDIRECT,
        code_verifier=verifier,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_authorization_code_with_pkce(fresh_sandbox: SandboxInfo) -> None:
    """The authorize page redirects with code and state; the code buys tokens once."""
    body = _web_login(fresh_sandbox)
    assert body["refresh_token"]
    assert body["instance_url"] == fresh_sandbox.url


def test_code_works_once(fresh_sandbox: SandboxInfo) -> None:
    """A code redeemed twice returns invalid_grant the second time."""
    verifier, challenge = _pkce()
    code = _code_from(_authorize(fresh_sandbox, challenge))
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": fresh_sandbox.client_id,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    assert _token(fresh_sandbox, **form).status_code == 200
    assert _oauth_error(_token(fresh_sandbox, **form))[1] == "invalid_grant"


def test_pkce_verifier_checked(fresh_sandbox: SandboxInfo) -> None:
    """A wrong verifier is invalid_request; a missing one is invalid_grant."""
    _, challenge = _pkce()
    base = {"grant_type": "authorization_code", "client_id": fresh_sandbox.client_id, "redirect_uri": REDIRECT}
    wrong = _token(fresh_sandbox, code=_code_from(_authorize(fresh_sandbox, challenge)), code_verifier="nope", **base)
    missing = _token(
        fresh_sandbox,
        code=_code_from(_authorize(fresh_sandbox, challenge)),
        client_secret=fresh_sandbox.client_secret,
        **base,
    )
    assert _oauth_error(wrong)[:2] == (400, "invalid_request")
    assert _oauth_error(missing)[:2] == (400, "invalid_grant")


def test_authorize_rejects_remote_redirect(fresh_sandbox: SandboxInfo) -> None:
    """A redirect_uri that is not on loopback is refused and never redirected to."""
    response = _authorize(fresh_sandbox, "x", redirect_uri="https://example.com/callback")
    assert response.status_code == 400
    assert "location" not in response.headers
    assert response.json()["error"] == "redirect_uri_mismatch"


def test_refresh_token_grant(fresh_sandbox: SandboxInfo) -> None:
    """A refresh token buys a new access token; without rotation no new refresh token."""
    refresh = _web_login(fresh_sandbox)["refresh_token"]
    body = _token(
        fresh_sandbox, grant_type="refresh_token", refresh_token=refresh, **_client_credentials(fresh_sandbox)
    ).json()
    again = _token(fresh_sandbox, grant_type="refresh_token", refresh_token=refresh, client_id=fresh_sandbox.client_id)
    assert "access_token" in body
    assert "refresh_token" not in body
    assert again.status_code == 200


def test_refresh_rotation_and_reuse() -> None:
    """With rotation each refresh returns a new token; reusing an old one revokes the chain."""
    with run_sandbox(seed="empty", rotate_refresh_tokens=True) as info:
        first = _web_login(info)["refresh_token"]
        rotated = _token(info, grant_type="refresh_token", refresh_token=first, client_id=info.client_id).json()
        second = rotated["refresh_token"]
        access = rotated["access_token"]
        reuse = _token(info, grant_type="refresh_token", refresh_token=first, client_id=info.client_id)
        after_reuse = _token(info, grant_type="refresh_token", refresh_token=second, client_id=info.client_id)
        api = httpx.get(f"{info.data_url}/limits", headers={"Authorization": f"Bearer {access}"})
    assert second != first
    assert _oauth_error(reuse) == (400, "invalid_grant", "expired access/refresh token")
    assert _oauth_error(after_reuse)[1] == "invalid_grant"
    assert api.status_code == 401


def test_unknown_refresh_token(fresh_sandbox: SandboxInfo) -> None:
    """An unknown refresh token returns invalid_grant expired access/refresh token."""
    response = _token(fresh_sandbox, grant_type="refresh_token", refresh_token="5Aepnope", client_id=fresh_sandbox.client_id)
    assert _oauth_error(response) == (400, "invalid_grant", "expired access/refresh token")


# JWT bearer -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def signing_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[rsa.RSAPrivateKey, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sfseg test app")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    path = tmp_path_factory.mktemp("jwt") / "app.crt"
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key, path


@pytest.fixture
def jwt_sandbox(signing_key: tuple[rsa.RSAPrivateKey, Path]) -> Iterator[SandboxInfo]:
    with run_sandbox(seed="empty", jwt_cert=signing_key[1]) as info:
        yield info


def _assertion(info: SandboxInfo, key: rsa.RSAPrivateKey, **claims: Any) -> str:
    payload = {
        "iss": info.client_id,
        "sub": info.state.default_user.username,
        "aud": "https://login.salesforce.com",
        "exp": int(time.time()) + 120,
        **claims,
    }
    return jwt.encode(payload, key, algorithm="RS256")


def test_jwt_bearer_grant(jwt_sandbox: SandboxInfo, signing_key: tuple[rsa.RSAPrivateKey, Path]) -> None:
    """A signed assertion buys a token with no refresh token."""
    response = _token(
        jwt_sandbox,
        grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer",
        assertion=_assertion(jwt_sandbox, signing_key[0]),
    )
    body = response.json()
    assert response.status_code == 200
    assert "refresh_token" not in body
    assert body["instance_url"] == jwt_sandbox.url


@pytest.mark.parametrize("audience", ["https://test.salesforce.com", "own"])
def test_jwt_other_audiences(
    jwt_sandbox: SandboxInfo, signing_key: tuple[rsa.RSAPrivateKey, Path], audience: str
) -> None:
    """test.salesforce.com and the server's own URL are accepted audiences."""
    aud = jwt_sandbox.url if audience == "own" else audience
    response = _token(
        jwt_sandbox,
        grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer",
        assertion=_assertion(jwt_sandbox, signing_key[0], aud=aud),
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"iss": "someone-else"}, ("invalid_client_id", "client identifier invalid")),
        ({"sub": "nobody@example.com"}, ("invalid_grant", "user hasn't approved this consumer")),
        ({"aud": "https://example.com"}, ("invalid_grant", "audience is invalid")),
        ({"exp": 1_000_000}, ("invalid_grant", "expired authorization code")),
        ({"exp": "far"}, ("invalid_grant", "invalid assertion")),
    ],
)
def test_jwt_claims_checked(
    jwt_sandbox: SandboxInfo,
    signing_key: tuple[rsa.RSAPrivateKey, Path],
    claims: dict[str, Any],
    expected: tuple[str, str],
) -> None:
    """iss, sub, aud and exp are each checked with Salesforce's error."""
    response = _token(
        jwt_sandbox,
        grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer",
        assertion=_assertion(jwt_sandbox, signing_key[0], **claims),
    )
    assert _oauth_error(response)[1:] == expected


def test_jwt_exp_too_far_ahead(jwt_sandbox: SandboxInfo, signing_key: tuple[rsa.RSAPrivateKey, Path]) -> None:
    """An exp more than 3 minutes ahead is refused."""
    assertion = _assertion(jwt_sandbox, signing_key[0], exp=int(time.time()) + 600)
    response = _token(jwt_sandbox, grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer", assertion=assertion)
    assert _oauth_error(response) == (400, "invalid_grant", "invalid assertion")


def test_jwt_wrong_key(jwt_sandbox: SandboxInfo) -> None:
    """An assertion signed by another key is refused."""
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    response = _token(
        jwt_sandbox,
        grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer",
        assertion=_assertion(jwt_sandbox, other),
    )
    assert _oauth_error(response) == (400, "invalid_grant", "invalid assertion")


def test_jwt_needs_configured_cert(fresh_sandbox: SandboxInfo, signing_key: tuple[rsa.RSAPrivateKey, Path]) -> None:
    """Without --jwt-cert no assertion is accepted."""
    response = _token(
        fresh_sandbox,
        grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer",
        assertion=_assertion(fresh_sandbox, signing_key[0]),
    )
    assert _oauth_error(response)[1] == "invalid_grant"


# Revoke, introspect, userinfo --------------------------------------------------------------


def test_revoke_access_token(fresh_sandbox: SandboxInfo) -> None:
    """Revoke returns 200 with an empty body; the token then gets 401."""
    token = fresh_sandbox.access_token()
    response = httpx.post(f"{fresh_sandbox.url}/services/oauth2/revoke", data={"token": token})
    api = httpx.get(f"{fresh_sandbox.data_url}/limits", headers={"Authorization": f"Bearer {token}"})
    unknown = httpx.post(f"{fresh_sandbox.url}/services/oauth2/revoke", data={"token": "nope"})
    assert response.status_code == 200
    assert response.content == b""
    assert api.status_code == 401
    assert _oauth_error(unknown)[:2] == (400, "invalid_token")


def test_revoke_refresh_token_kills_sessions(fresh_sandbox: SandboxInfo) -> None:
    """Revoking a refresh token also ends the access tokens it issued."""
    body = _web_login(fresh_sandbox)
    httpx.post(f"{fresh_sandbox.url}/services/oauth2/revoke", data={"token": body["refresh_token"]})
    api = httpx.get(f"{fresh_sandbox.data_url}/limits", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert api.status_code == 401


def test_introspect(fresh_sandbox: SandboxInfo) -> None:
    """Introspect reports an active token's details and {"active": false} otherwise."""
    token = fresh_sandbox.access_token()
    url = f"{fresh_sandbox.url}/services/oauth2/introspect"
    active = httpx.post(url, data={"token": token, **_client_credentials(fresh_sandbox)}).json()
    inactive = httpx.post(url, data={"token": "nope", **_client_credentials(fresh_sandbox)}).json()
    unauthorized = httpx.post(url, data={"token": token, "client_id": fresh_sandbox.client_id, "client_secret": "x"})
    assert active["active"] is True
    assert active["token_type"] == "access_token"
    assert active["client_id"] == fresh_sandbox.client_id
    assert active["username"] == fresh_sandbox.state.default_user.username
    assert inactive == {"active": False}
    assert unauthorized.status_code == 400


def test_userinfo(fresh_sandbox: SandboxInfo) -> None:
    """userinfo names the user and org of a bearer token."""
    token = fresh_sandbox.access_token()
    body = httpx.get(f"{fresh_sandbox.url}/services/oauth2/userinfo", headers={"Authorization": f"Bearer {token}"}).json()
    assert body["organization_id"] == fresh_sandbox.state.org_id
    assert body["user_id"] == fresh_sandbox.state.default_user.user_id


def test_identity_url(fresh_sandbox: SandboxInfo) -> None:
    """The token's identity URL describes its own user and rejects another user's id."""
    body = _token(fresh_sandbox, grant_type="client_credentials", **_client_credentials(fresh_sandbox)).json()
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    identity = httpx.get(body["id"], headers=headers)
    other = httpx.get(body["id"][:-3] + "ZZZ", headers=headers)
    anonymous = httpx.get(body["id"])
    assert identity.status_code == 200
    assert identity.json()["username"] == fresh_sandbox.state.default_user.username
    assert identity.json()["organization_id"] == fresh_sandbox.state.org_id
    assert other.status_code == 403
    assert anonymous.status_code == 401
