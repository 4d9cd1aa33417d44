"""OAuth 2.0 token flows, one function each, and the per-connection token cache.

Every flow posts a form to `{login host}/services/oauth2/token`. Token endpoint
errors (`invalid_grant`, `invalid_client`, ...) raise `AuthenticationError` at
once, with Salesforce's `error_description` and a hint at the setting to check.
They are never retried, because the same credentials fail the same way.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import jwt

from sfseg.salesforce.errors import (
    AuthenticationError,
    ConfigurationError,
    TransportError,
    certificate_error,
    parse_error_body,
)
from sfseg.salesforce.settings import ConnectionSettings

__all__ = [
    "Token",
    "TokenManager",
    "authorization_code_grant",
    "client_credentials_grant",
    "jwt_bearer_grant",
    "obtain_token",
    "refresh_token_grant",
]

logger = logging.getLogger("sfseg.salesforce")

TOKEN_PATH = "/services/oauth2/token"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
#: JWT `exp` must lie at most three minutes ahead of Salesforce's clock; 150 s leaves room for clock skew.
JWT_LIFETIME_SECONDS = 150

# Likely setting behind each OAuth error code, for the message's next step.
_OAUTH_HINTS = {
    "invalid_grant": (
        "check that the user is pre-authorized for the app (or approved it), the JWT audience "
        "and username, that the refresh token is still valid, and that client credentials use "
        "the My Domain host"
    ),
    "invalid_client": "check client_secret (SFSEG_CLIENT_SECRET) against the app's consumer secret",
    "invalid_client_id": "check client_id (SFSEG_CLIENT_ID) against the app's consumer key",
    "invalid_client_credentials": "check client_id and client_secret against the app",
    "unsupported_grant_type": "enable this OAuth flow on the Connected App",
    "inactive_user": "activate the user in Setup, or sign in as another user",
    "inactive_org": "the org is locked or inactive; contact its administrator",
}


@dataclass(frozen=True, slots=True)
class Token:
    """An access token and where to use it. Token strings never appear in repr()."""

    access_token: str = field(repr=False)
    instance_url: str
    refresh_token: str | None = field(default=None, repr=False)
    issued_at: float | None = None
    identity_url: str | None = None


# --- Flows ----------------------------------------------------------------------


def client_credentials_grant(http: httpx.Client, settings: ConnectionSettings) -> Token:
    """Get a token for the app's run-as user with the consumer key and secret."""
    secret = settings.client_secret.get_secret_value() if settings.client_secret else ""
    form = {"grant_type": "client_credentials", "client_id": settings.client_id or "", "client_secret": secret}
    return _post_token(http, settings, form)


def jwt_bearer_grant(
    http: httpx.Client, settings: ConnectionSettings, now: Callable[[], float] = time.time
) -> Token:
    """Get a token with an RS256 JWT signed by the key whose certificate the app holds."""
    key_path = Path(settings.private_key_file or "")
    try:
        private_key = key_path.read_text(encoding="utf-8")
    except OSError as exc:
        msg = f"setting private_key_file = {str(key_path)!r} cannot be read: {exc.strerror}"
        raise ConfigurationError(msg, hint="set SFSEG_PRIVATE_KEY_FILE to a readable PEM key file") from exc
    claims = {
        "iss": settings.client_id,
        "sub": settings.username,
        "aud": settings.jwt_audience,
        "exp": int(now()) + JWT_LIFETIME_SECONDS,
    }
    try:
        assertion = jwt.encode(claims, private_key, algorithm="RS256")
    except (ValueError, TypeError) as exc:
        msg = f"setting private_key_file = {str(key_path)!r} is not an RSA private key in PEM form"
        raise ConfigurationError(msg, hint="point SFSEG_PRIVATE_KEY_FILE at the key that signed the app's certificate") from exc
    return _post_token(http, settings, {"grant_type": JWT_BEARER_GRANT, "assertion": assertion})


def refresh_token_grant(http: httpx.Client, settings: ConnectionSettings, refresh_token: str) -> Token:
    """Get a new access token. With rotation on, the response also contains a new refresh token."""
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": settings.client_id or ""}
    if settings.client_secret is not None:
        form["client_secret"] = settings.client_secret.get_secret_value()
    return _post_token(http, settings, form)


def authorization_code_grant(
    http: httpx.Client, settings: ConnectionSettings, *, code: str, code_verifier: str, redirect_uri: str
) -> Token:
    """Exchange the code from the web-server flow (with its PKCE verifier) for tokens."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": settings.client_id or "",
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
    }
    if settings.client_secret is not None:
        form["client_secret"] = settings.client_secret.get_secret_value()
    return _post_token(http, settings, form)


def _post_token(http: httpx.Client, settings: ConnectionSettings, form: dict[str, str]) -> Token:
    url = settings.token_host_url + TOKEN_PATH
    started = time.perf_counter()
    try:
        response = http.post(url, data=form)
    except httpx.HTTPError as exc:
        cert_error = certificate_error(exc, url, method="POST", path=TOKEN_PATH)
        if cert_error is not None:
            raise cert_error from exc
        msg = f"token request to {settings.token_host_url} failed: {type(exc).__name__}"
        raise TransportError(msg, method="POST", path=TOKEN_PATH, hint="check login_url and the network") from exc
    logger.info(
        'HTTP Request: POST %s "%d" %.0fms grant_type=%s',
        TOKEN_PATH, response.status_code, (time.perf_counter() - started) * 1000, form.get("grant_type"),
    )
    if response.status_code != 200:
        raise _oauth_error(response)
    return _token_from_body(response, settings)


def _oauth_error(response: httpx.Response) -> AuthenticationError:
    details = parse_error_body(response.text)
    code = details[0].error_code if details else ""
    description = details[0].message if details else response.reason_phrase
    msg = f"OAuth {code or 'error'}: {description}"
    return AuthenticationError(
        msg,
        status=response.status_code,
        error_code=code or None,
        method="POST",
        path=TOKEN_PATH,
        hint=_OAUTH_HINTS.get(code, "check the connection settings against the Connected App"),
    )


def _token_from_body(response: httpx.Response, settings: ConnectionSettings) -> Token:
    data = response.json()
    if not isinstance(data, dict) or "access_token" not in data:
        msg = "token endpoint answered 200 without an access_token"
        raise AuthenticationError(msg, status=200, method="POST", path=TOKEN_PATH)
    issued_at = data.get("issued_at")
    return Token(
        access_token=str(data["access_token"]),
        instance_url=str(data.get("instance_url") or settings.instance_url or settings.token_host_url).rstrip("/"),
        refresh_token=data.get("refresh_token"),
        # issued_at is epoch milliseconds, as a string.
        issued_at=int(issued_at) / 1000 if issued_at else None,
        identity_url=data.get("id"),
    )


def obtain_token(http: httpx.Client, settings: ConnectionSettings, refresh_token: str | None) -> Token:
    """Get a fresh token with the settings' flow (`refresh_token` wins when one is known)."""
    flow = settings.resolved_flow
    if refresh_token is not None and flow in ("refresh_token", "web", "access_token"):
        return refresh_token_grant(http, settings, refresh_token)
    if flow == "client_credentials":
        return client_credentials_grant(http, settings)
    if flow == "jwt":
        return jwt_bearer_grant(http, settings)
    if flow == "access_token" and settings.access_token is not None:
        return Token(settings.access_token.get_secret_value(), (settings.instance_url or "").rstrip("/"))
    msg = f"flow {flow} has no refresh token to get an access token with"
    raise AuthenticationError(msg, hint="run `sfseg login` to store a refresh token, or set SFSEG_REFRESH_TOKEN")


# --- Token cache ---------------------------------------------------------------


class TokenManager:
    """Caches one token per connection and refreshes it once for all threads.

    Each token gets a generation number. A worker that saw INVALID_SESSION_ID
    passes the generation it used to `refresh`. If another worker refreshed in
    the meantime, the newer token is returned without a second token request.
    Old access tokens are never revoked, because other workers may still be
    using them until they see the new one.
    """

    def __init__(
        self,
        http: httpx.Client,
        settings: ConnectionSettings,
        *,
        on_refresh_token: Callable[[str], None] | None = None,
    ) -> None:
        self._http = http
        self._settings = settings
        self._on_refresh_token = on_refresh_token
        self._lock = threading.Lock()
        self._token: Token | None = None
        self._generation = 0
        self._refresh_token = settings.refresh_token.get_secret_value() if settings.refresh_token else None
        self.refreshes = 0

    def current(self) -> tuple[Token, int]:
        """Return the cached token and its generation, getting the first token if needed."""
        with self._lock:
            if self._token is None:
                self._token = self._obtain(first=True)
                self._generation += 1
            return self._token, self._generation

    def refresh(self, stale_generation: int) -> tuple[Token, int]:
        """Replace the token of `stale_generation`, unless another thread already did."""
        with self._lock:
            if self._token is not None and self._generation != stale_generation:
                return self._token, self._generation
            self._token = self._obtain(first=False)
            self._generation += 1
            self.refreshes += 1
            return self._token, self._generation

    def _obtain(self, *, first: bool) -> Token:
        settings = self._settings
        if first and settings.access_token is not None:
            return Token(settings.access_token.get_secret_value(), (settings.instance_url or "").rstrip("/"))
        if settings.resolved_flow == "access_token" and self._refresh_token is None:
            msg = "the access token given in the settings expired or is invalid"
            raise AuthenticationError(msg, status=401, error_code="INVALID_SESSION_ID", hint="get a new one (sf org display) or use a flow that can refresh")
        token = obtain_token(self._http, settings, self._refresh_token)
        if token.refresh_token and token.refresh_token != self._refresh_token:
            self._store_refresh_token(token.refresh_token)
        return token

    def _store_refresh_token(self, value: str) -> None:
        # With refresh-token rotation the old token stops working as soon as the
        # new one is issued, so the new one is kept in memory and handed to the
        # owner (the keyring) before anything else can fail.
        self._refresh_token = value
        if self._on_refresh_token is not None:
            self._on_refresh_token(value)
