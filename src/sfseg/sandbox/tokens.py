"""OAuth sessions of the sandbox: access tokens, refresh tokens and authorization codes.

Access tokens look like Salesforce's: the 15-character org id, `!`, then random text.
A session lasts `ttl` seconds after its last use, as a Salesforce session times out
after inactivity. Tokens live only in memory and never appear in a log line or repr.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

__all__ = ["AuthorizationCode", "RefreshGrant", "Session", "TokenStore"]

# Authorization codes are single-use and short-lived in Salesforce (15 minutes).
_CODE_LIFETIME = timedelta(minutes=15)


@dataclass(slots=True)
class Session:
    """One access token and who it acts for."""

    access_token: str = field(repr=False)
    username: str
    user_id: str
    client_id: str
    scope: str
    issued_at: datetime
    expires_at: datetime
    refresh_token: str | None = field(default=None, repr=False)


@dataclass(slots=True)
class RefreshGrant:
    token: str = field(repr=False)
    username: str
    user_id: str
    client_id: str
    scope: str
    active: bool = True
    successor: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class AuthorizationCode:
    code: str = field(repr=False)
    client_id: str
    redirect_uri: str
    username: str
    user_id: str
    scope: str
    code_challenge: str | None
    code_challenge_method: str | None
    expires_at: datetime


class TokenStore:
    """Sessions, refresh tokens and authorization codes, safe across threads."""

    def __init__(self, org_id_15: str, ttl_seconds: int, now: Callable[[], datetime]) -> None:
        self.org_id_15 = org_id_15
        self.ttl = timedelta(seconds=ttl_seconds)
        self._now = now
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}
        self._refresh: dict[str, RefreshGrant] = {}
        self._codes: dict[str, AuthorizationCode] = {}

    def __repr__(self) -> str:
        return f"TokenStore(sessions={len(self._sessions)}, refresh_tokens={len(self._refresh)})"

    # Access tokens -----------------------------------------------------------------

    def issue(
        self,
        *,
        username: str,
        user_id: str,
        client_id: str,
        scope: str,
        refresh_token: str | None = None,
    ) -> Session:
        now = self._now()
        session = Session(
            access_token=f"{self.org_id_15}!{secrets.token_urlsafe(48)}",
            username=username,
            user_id=user_id,
            client_id=client_id,
            scope=scope,
            issued_at=now,
            expires_at=now + self.ttl,
            refresh_token=refresh_token,
        )
        with self._lock:
            self._sessions[session.access_token] = session
        return session

    def authenticate(self, access_token: str) -> Session | None:
        """Return the live session of `access_token`, extending it, or None."""
        now = self._now()
        with self._lock:
            session = self._sessions.get(access_token)
            if session is None:
                return None
            if now >= session.expires_at:
                del self._sessions[access_token]
                return None
            session.expires_at = now + self.ttl
            return session

    def peek(self, access_token: str) -> Session | None:
        """Return the live session of `access_token` without extending it."""
        with self._lock:
            session = self._sessions.get(access_token)
        if session is None or self._now() >= session.expires_at:
            return None
        return session

    def expire(self, access_token: str) -> None:
        with self._lock:
            self._sessions.pop(access_token, None)

    # Refresh tokens ----------------------------------------------------------------

    def issue_refresh(self, *, username: str, user_id: str, client_id: str, scope: str) -> str:
        token = "5Aep" + secrets.token_urlsafe(60)
        grant = RefreshGrant(token, username, user_id, client_id, scope)
        with self._lock:
            self._refresh[token] = grant
        return token

    def refresh_grant(self, token: str) -> RefreshGrant | None:
        with self._lock:
            return self._refresh.get(token)

    def rotate(self, grant: RefreshGrant) -> str:
        """Replace `grant` by a new refresh token; the old one stops working."""
        new_token = self.issue_refresh(
            username=grant.username,
            user_id=grant.user_id,
            client_id=grant.client_id,
            scope=grant.scope,
        )
        with self._lock:
            grant.active = False
            grant.successor = new_token
        return new_token

    def revoke_lineage(self, grant: RefreshGrant) -> None:
        """Revoke `grant`, every token rotated from it, and their access tokens.

        Salesforce does this when a rotated-out refresh token is used again.
        """
        token: str | None = grant.token
        while token is not None:
            current = self._refresh.get(token)
            if current is None:
                break
            self.revoke(token)
            token = current.successor

    # Revocation and codes ------------------------------------------------------------

    def revoke(self, token: str) -> bool:
        """Revoke an access or refresh token; a refresh token takes its sessions along.

        Return False when the token is unknown.
        """
        with self._lock:
            if self._sessions.pop(token, None) is not None:
                return True
            grant = self._refresh.get(token)
            if grant is None:
                return False
            grant.active = False
            for access_token, session in list(self._sessions.items()):
                if session.refresh_token == token:
                    del self._sessions[access_token]
            return True

    def issue_code(
        self,
        *,
        client_id: str,
        redirect_uri: str,
        username: str,
        user_id: str,
        scope: str,
        code_challenge: str | None,
        code_challenge_method: str | None,
    ) -> str:
        code = "aPrx" + secrets.token_urlsafe(40)
        with self._lock:
            self._codes[code] = AuthorizationCode(
                code=code,
                client_id=client_id,
                redirect_uri=redirect_uri,
                username=username,
                user_id=user_id,
                scope=scope,
                code_challenge=code_challenge,
                code_challenge_method=code_challenge_method,
                expires_at=self._now() + _CODE_LIFETIME,
            )
        return code

    def redeem_code(self, code: str) -> AuthorizationCode | None:
        """Take a code out of the store (codes work once); None if unknown or expired."""
        with self._lock:
            entry = self._codes.pop(code, None)
        if entry is None or self._now() >= entry.expires_at:
            return None
        return entry
