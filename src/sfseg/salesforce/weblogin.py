"""The OAuth web-server flow with PKCE, for people: `sfseg login`.

Steps: make a PKCE verifier and its S256 challenge, listen on a loopback
redirect URI, show (or open) the authorize URL, wait for the browser to come
back with `code` and `state`, then exchange the code for tokens. The refresh
token is what the caller stores; the code and verifier are used once.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from sfseg.salesforce.auth import Token, authorization_code_grant
from sfseg.salesforce.client import tls_verify
from sfseg.salesforce.errors import AuthenticationError
from sfseg.salesforce.settings import ConnectionSettings

__all__ = ["LOGIN_TIMEOUT_SECONDS", "PkcePair", "authorize_url", "make_pkce_pair", "run_web_login"]

AUTHORIZE_PATH = "/services/oauth2/authorize"
CALLBACK_PATH = "/oauth/callback"
#: Seconds `run_web_login` waits for the browser to come back.
LOGIN_TIMEOUT_SECONDS = 300.0
#: OAuth scopes asked for: API access and a refresh token for later runs.
SCOPES = "api refresh_token"
# RFC 7636: the verifier is 43-128 characters; 64 random bytes give 86.
_VERIFIER_BYTES = 64


@dataclass(frozen=True, slots=True)
class PkcePair:
    """A PKCE code verifier (kept secret) and its S256 challenge (sent in the URL)."""

    verifier: str
    challenge: str

    def __repr__(self) -> str:
        return f"PkcePair(challenge={self.challenge!r})"


def make_pkce_pair() -> PkcePair:
    """Make a random verifier and `base64url(sha256(verifier))` without padding (RFC 7636)."""
    verifier = secrets.token_urlsafe(_VERIFIER_BYTES)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return PkcePair(verifier, challenge)


def authorize_url(settings: ConnectionSettings, *, redirect_uri: str, challenge: str, state: str) -> str:
    """Build the URL the user opens to approve the app."""
    query = urlencode(
        {
            "response_type": "code",
            "client_id": settings.client_id or "",
            "redirect_uri": redirect_uri,
            "scope": SCOPES,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    return f"{settings.token_host_url}{AUTHORIZE_PATH}?{query}"


class _Callback:
    """Query parameters of the redirect, set once by the HTTP handler thread."""

    def __init__(self) -> None:
        self.params: dict[str, str] = {}
        self.done = threading.Event()


def _handler_class(callback: _Callback) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path != CALLBACK_PATH:
                self.send_error(404)
                return
            callback.params = {k: v[0] for k, v in parse_qs(parts.query).items()}
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.end_headers()
            self.wfile.write(b"sfseg: sign-in received. You can close this window.\n")
            callback.done.set()

        def log_message(self, format: str, *args: object) -> None:
            return  # the query string contains the authorization code; keep it out of stderr

    return Handler


def run_web_login(
    settings: ConnectionSettings,
    *,
    show_url: Callable[[str], None],
    port: int | None = None,
    timeout: float = LOGIN_TIMEOUT_SECONDS,
    transport: httpx.BaseTransport | None = None,
) -> Token:
    """Sign a person in through the browser and return the tokens (with a refresh token).

    Args:
        settings: needs client_id and the login host; client_secret only if the app requires it.
        show_url: called with the authorize URL once the listener runs (print it, open a browser).
        port: loopback port for the redirect URI; None uses `settings.redirect_port` (0 = free port).
        timeout: seconds to wait for the browser to come back.
        transport: httpx transport for the token call (tests).

    Raises:
        AuthenticationError: the user denied access, the state did not match, the
            browser did not come back in time, or the code exchange failed.
    """
    settings.check()
    callback = _Callback()
    server = http.server.HTTPServer(("127.0.0.1", settings.redirect_port if port is None else port), _handler_class(callback))
    redirect_uri = f"http://127.0.0.1:{server.server_address[1]}{CALLBACK_PATH}"
    pkce = make_pkce_pair()
    state = secrets.token_urlsafe(16)
    thread = threading.Thread(target=server.serve_forever, name="sfseg-login-callback", daemon=True)
    thread.start()
    try:
        show_url(authorize_url(settings, redirect_uri=redirect_uri, challenge=pkce.challenge, state=state))
        if not callback.done.wait(timeout):
            msg = f"no sign-in arrived at {redirect_uri} within {timeout:.0f} s"
            raise AuthenticationError(msg, hint="open the printed URL in a browser on this machine and approve the app")
    finally:
        server.shutdown()
        server.server_close()
    code = _code_from(callback.params, state)
    with httpx.Client(transport=transport, verify=tls_verify(settings), timeout=settings.timeout) as token_http:
        return authorization_code_grant(token_http, settings, code=code, code_verifier=pkce.verifier, redirect_uri=redirect_uri)


def _code_from(params: dict[str, str], state: str) -> str:
    if "error" in params:
        msg = f"OAuth {params['error']}: {params.get('error_description', 'sign-in refused')}"
        raise AuthenticationError(msg, error_code=params["error"], hint="check the app's callback URL and that the user may use the app")
    if not secrets.compare_digest(params.get("state", ""), state):
        msg = "the sign-in redirect carried a different state value; it was not started by this login"
        raise AuthenticationError(msg, hint="run `sfseg login` again")
    code = params.get("code")
    if not code:
        msg = "the sign-in redirect carried no authorization code"
        raise AuthenticationError(msg, hint="run `sfseg login` again")
    return code
