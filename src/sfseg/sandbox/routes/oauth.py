"""OAuth 2.0 endpoints under `/services/oauth2/`, in Salesforce's shapes.

Grants: client_credentials, password (legacy), refresh_token (with optional
rotation), the JWT bearer grant and authorization_code with PKCE. Errors are
`{"error", "error_description"}` with HTTP 400, using Salesforce's values. Tokens
and secrets are compared in constant time and never logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from sfseg.sandbox import jwt_grant
from sfseg.sandbox.config import is_loopback_host
from sfseg.sandbox.routes.deps import sandbox_state
from sfseg.sandbox.state import SandboxState, UserIdentity
from sfseg.sandbox.tokens import Session

__all__ = ["OAuthError", "identity_router", "router"]

router = APIRouter(prefix="/services/oauth2")
# The identity URL of a token response (`id`) is served here, under `/id/{org}/{user}`.
identity_router = APIRouter()

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"

# Salesforce's token-endpoint failures: (`error`, `error_description`).
BAD_CLIENT_SECRET = ("invalid_client", "invalid client credentials")
UNKNOWN_CLIENT_ID = ("invalid_client_id", "client identifier invalid")
AUTHENTICATION_FAILURE = ("invalid_grant", "authentication failure")
EXPIRED_REFRESH_TOKEN = ("invalid_grant", "expired access/refresh token")
USER_NOT_APPROVED = ("invalid_grant", "user hasn't approved this consumer")
INVALID_CODE = ("invalid_grant", "invalid authorization code")
REDIRECT_URI_MISMATCH = ("invalid_grant", "redirect_uri must match configuration")
MISSING_CODE_VERIFIER = ("invalid_grant", "invalid code verifier")
WRONG_CODE_VERIFIER = ("invalid_request", "invalid code verifier")
MISSING_GRANT_TYPE = ("invalid_request", "grant type is missing")
UNSUPPORTED_GRANT_TYPE = ("unsupported_grant_type", "grant type not supported")
INVALID_TOKEN = ("invalid_token", "invalid token")
WRONG_DOMAIN = ("invalid_grant", "request not supported on this domain")

# Salesforce serves the client-credentials grant only on an org's own (My Domain) host.
_SHARED_LOGIN_HOSTS = frozenset({"login.salesforce.com", "test.salesforce.com"})


class OAuthError(Exception):
    """A token-endpoint failure: Salesforce's `error` code and `error_description`."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status

    def response(self) -> JSONResponse:
        body = {"error": self.error, "error_description": self.description}
        return JSONResponse(body, status_code=self.status)


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


# Client authentication ---------------------------------------------------------------


def _client_credentials(request: Request, form: Mapping[str, str]) -> tuple[str, str | None]:
    """Return (client_id, client_secret) from the body or an HTTP Basic header."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip()).decode()
        except (ValueError, UnicodeDecodeError):
            raise OAuthError(*BAD_CLIENT_SECRET) from None
        client_id, _, secret = decoded.partition(":")
        return client_id, secret
    return form.get("client_id", ""), form.get("client_secret")


def _check_client(state: SandboxState, client_id: str, secret: str | None, *, required: bool) -> None:
    if not client_id or not _same(client_id, state.config.client_id):
        raise OAuthError(*UNKNOWN_CLIENT_ID)
    if secret is None:
        if required:
            raise OAuthError(*BAD_CLIENT_SECRET)
        return
    if not _same(secret, state.config.client_secret):
        raise OAuthError(*BAD_CLIENT_SECRET)


# Token responses -----------------------------------------------------------------------


def _signature(state: SandboxState, identity_url: str, issued_at: str) -> str:
    # Salesforce signs `id + issued_at` with the consumer secret (HMAC-SHA256, base64).
    digest = hmac.new(
        state.config.client_secret.encode(), (identity_url + issued_at).encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def _token_body(
    state: SandboxState, request: Request, session: Session, refresh_token: str | None = None
) -> dict[str, Any]:
    base = _base_url(request)
    identity = f"{base}/id/{state.org_id}/{session.user_id}"
    issued_at = str(int(session.issued_at.timestamp() * 1000))
    body: dict[str, Any] = {"access_token": session.access_token}
    if refresh_token is not None:
        body["refresh_token"] = refresh_token
    body.update(
        {
            "signature": _signature(state, identity, issued_at),
            "scope": session.scope,
            "instance_url": base,
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued_at,
        }
    )
    return body


def _issue(
    state: SandboxState,
    user: UserIdentity,
    client_id: str,
    scope: str,
    refresh_token: str | None = None,
) -> Session:
    return state.tokens.issue(
        username=user.username,
        user_id=user.user_id,
        client_id=client_id,
        scope=scope,
        refresh_token=refresh_token,
    )


# Grants ---------------------------------------------------------------------------------


def _grant_client_credentials(
    state: SandboxState, request: Request, form: Mapping[str, str]
) -> dict[str, Any]:
    if request.url.hostname in _SHARED_LOGIN_HOSTS:
        raise OAuthError(*WRONG_DOMAIN)
    client_id, secret = _client_credentials(request, form)
    _check_client(state, client_id, secret, required=True)
    session = _issue(state, state.default_user, client_id, "api")
    return _token_body(state, request, session)


def _grant_password(
    state: SandboxState, request: Request, form: Mapping[str, str]
) -> dict[str, Any]:
    client_id, secret = _client_credentials(request, form)
    _check_client(state, client_id, secret, required=True)
    user = state.find_user(form.get("username", ""))
    password_ok = _same(form.get("password", ""), state.config.password)
    if user is None or not password_ok:
        raise OAuthError(*AUTHENTICATION_FAILURE)
    session = _issue(state, user, client_id, "api")
    return _token_body(state, request, session)


def _grant_refresh_token(
    state: SandboxState, request: Request, form: Mapping[str, str]
) -> dict[str, Any]:
    client_id, secret = _client_credentials(request, form)
    _check_client(state, client_id, secret, required=False)
    grant = state.tokens.refresh_grant(form.get("refresh_token", ""))
    if grant is None or grant.client_id != client_id:
        raise OAuthError(*EXPIRED_REFRESH_TOKEN)
    if not grant.active:
        if grant.successor is not None:
            # Reusing a rotated-out refresh token revokes the whole chain, as Salesforce does.
            state.tokens.revoke_lineage(grant)
        raise OAuthError(*EXPIRED_REFRESH_TOKEN)
    user = UserIdentity(grant.username, grant.user_id)
    if state.config.rotate_refresh_tokens:
        new_token = state.tokens.rotate(grant)
        session = _issue(state, user, client_id, grant.scope, new_token)
        return _token_body(state, request, session, new_token)
    session = _issue(state, user, client_id, grant.scope, grant.token)
    return _token_body(state, request, session)


def _grant_jwt(state: SandboxState, request: Request, form: Mapping[str, str]) -> dict[str, Any]:
    claims = jwt_grant.verify_assertion(
        form.get("assertion", ""),
        cert_file=state.config.jwt_cert,
        now=state.clock.now(),
        own_url=_base_url(request),
    )
    if not _same(claims.issuer, state.config.client_id):
        raise OAuthError(*UNKNOWN_CLIENT_ID)
    user = state.find_user(claims.subject)
    if user is None:
        raise OAuthError(*USER_NOT_APPROVED)
    session = _issue(state, user, claims.issuer, "api")
    return _token_body(state, request, session)


def _grant_authorization_code(
    state: SandboxState, request: Request, form: Mapping[str, str]
) -> dict[str, Any]:
    client_id, secret = _client_credentials(request, form)
    verifier = form.get("code_verifier")
    # A PKCE client may leave out the secret; without PKCE the secret is required.
    _check_client(state, client_id, secret, required=verifier is None)
    code = state.tokens.redeem_code(form.get("code", ""))
    if code is None or code.client_id != client_id:
        raise OAuthError(*INVALID_CODE)
    if form.get("redirect_uri") != code.redirect_uri:
        raise OAuthError(*REDIRECT_URI_MISMATCH)
    if code.code_challenge is not None:
        if not verifier:
            raise OAuthError(*MISSING_CODE_VERIFIER)
        if not _same(_challenge_of(verifier, code.code_challenge_method), code.code_challenge):
            raise OAuthError(*WRONG_CODE_VERIFIER)
    user = UserIdentity(code.username, code.user_id)
    refresh = state.tokens.issue_refresh(
        username=user.username, user_id=user.user_id, client_id=client_id, scope=code.scope
    )
    session = _issue(state, user, client_id, code.scope, refresh)
    return _token_body(state, request, session, refresh)


def _challenge_of(verifier: str, method: str | None) -> str:
    if (method or "plain").upper() == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return verifier


_GRANTS = {
    "client_credentials": _grant_client_credentials,
    "password": _grant_password,
    "refresh_token": _grant_refresh_token,
    JWT_BEARER: _grant_jwt,
    "authorization_code": _grant_authorization_code,
}


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


@router.post("/token")
async def token(request: Request) -> Response:
    state = sandbox_state(request)
    form = await _form(request)
    grant_type = form.get("grant_type")
    try:
        if not grant_type:
            raise OAuthError(*MISSING_GRANT_TYPE)
        handler = _GRANTS.get(grant_type)
        if handler is None:
            raise OAuthError(*UNSUPPORTED_GRANT_TYPE)
        return JSONResponse(handler(state, request, form))
    except OAuthError as exc:
        return exc.response()


# Authorize, revoke, introspect, userinfo ------------------------------------------------


def _loopback_redirect(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme in ("http", "https") and is_loopback_host(parts.hostname or "")


@router.get("/authorize")
def authorize(request: Request) -> Response:
    """Approve the configured user at once and send the browser back with a code.

    Only loopback redirect URIs are accepted: the sandbox never sends a code elsewhere.
    """
    state = sandbox_state(request)
    params = request.query_params
    client_id = params.get("client_id", "")
    redirect_uri = params.get("redirect_uri", "")
    if not _same(client_id, state.config.client_id):
        return OAuthError(*UNKNOWN_CLIENT_ID).response()
    if not _loopback_redirect(redirect_uri):
        message = f"redirect_uri {redirect_uri!r} is not a loopback http(s) URL"
        return OAuthError("redirect_uri_mismatch", message).response()
    answer: dict[str, str] = {}
    if params.get("response_type") != "code":
        answer["error"] = "unsupported_response_type"
        answer["error_description"] = "response type not supported"
    else:
        user = state.default_user
        answer["code"] = state.tokens.issue_code(
            client_id=client_id,
            redirect_uri=redirect_uri,
            username=user.username,
            user_id=user.user_id,
            scope=params.get("scope") or "api refresh_token",
            code_challenge=params.get("code_challenge"),
            code_challenge_method=params.get("code_challenge_method"),
        )
    if "state" in params:
        answer["state"] = params["state"]
    separator = "&" if urlsplit(redirect_uri).query else "?"
    return RedirectResponse(redirect_uri + separator + urlencode(answer), status_code=302)


@router.api_route("/revoke", methods=["GET", "POST"])
async def revoke(request: Request) -> Response:
    state = sandbox_state(request)
    form = await _form(request) if request.method == "POST" else dict(request.query_params)
    if not state.tokens.revoke(form.get("token", "")):
        return OAuthError(*INVALID_TOKEN).response()
    return Response(status_code=200)


@router.post("/introspect")
async def introspect(request: Request) -> Response:
    state = sandbox_state(request)
    form = await _form(request)
    try:
        client_id, secret = _client_credentials(request, form)
        _check_client(state, client_id, secret, required=True)
    except OAuthError as exc:
        return exc.response()
    token_value = form.get("token", "")
    session = state.tokens.peek(token_value)
    base = _base_url(request)
    if session is not None:
        return JSONResponse(
            {
                "active": True,
                "scope": session.scope,
                "client_id": session.client_id,
                "username": session.username,
                "sub": f"{base}/id/{state.org_id}/{session.user_id}",
                "token_type": "access_token",
                "exp": int(session.expires_at.timestamp()),
                "iat": int(session.issued_at.timestamp()),
                "nbf": int(session.issued_at.timestamp()),
            }
        )
    grant = state.tokens.refresh_grant(token_value)
    if grant is not None and grant.active:
        return JSONResponse(
            {
                "active": True,
                "scope": grant.scope,
                "client_id": grant.client_id,
                "username": grant.username,
                "sub": f"{base}/id/{state.org_id}/{grant.user_id}",
                "token_type": "refresh_token",
            }
        )
    return JSONResponse({"active": False})


def _bearer_session(state: SandboxState, request: Request) -> Session | None:
    scheme, _, token_value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return state.tokens.authenticate(token_value.strip())


def _session_expired() -> JSONResponse:
    body = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    return JSONResponse(body, status_code=401)


@router.get("/userinfo")
def userinfo(request: Request) -> Response:
    state = sandbox_state(request)
    session = _bearer_session(state, request)
    if session is None:
        return _session_expired()
    base = _base_url(request)
    return JSONResponse(
        {
            "sub": f"{base}/id/{state.org_id}/{session.user_id}",
            "user_id": session.user_id,
            "organization_id": state.org_id,
            "preferred_username": session.username,
            "email": session.username,
        }
    )


@identity_router.get("/id/{org_id}/{user_id}")
def identity(org_id: str, user_id: str, request: Request) -> Response:
    """The identity service: who the bearer token acts for (its own user only)."""
    state = sandbox_state(request)
    session = _bearer_session(state, request)
    if session is None:
        return _session_expired()
    if org_id != state.org_id or user_id != session.user_id:
        return JSONResponse({"error": "Bad_Id", "error_description": "Bad Id"}, status_code=403)
    base = _base_url(request)
    return JSONResponse(
        {
            "id": f"{base}/id/{org_id}/{user_id}",
            "asserted_user": True,
            "user_id": user_id,
            "organization_id": org_id,
            "username": session.username,
            "active": True,
            "user_type": "STANDARD",
            "urls": {
                "rest": f"{base}/services/data/v{{version}}/",
                "sobjects": f"{base}/services/data/v{{version}}/sobjects/",
                "query": f"{base}/services/data/v{{version}}/query/",
            },
        }
    )
