"""API keys of the HTTP service: create, verify, list and revoke.

A key is 32 random bytes (URL-safe base64) behind the prefix `sfseg_`. It is shown once,
when created; the store keeps only its SHA-256 digest. A fast digest is enough here
because the key is random and long, so it cannot be guessed from the digest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from sfseg.segments.store import Store
from sfseg.segments.store.models import utcnow
from sfseg.segments.store.service_tables import ApiKey

__all__ = ["ApiKeyInfo", "KeyNameTakenError", "create_key", "list_keys", "revoke_key", "verify_key"]

KEY_PREFIX = "sfseg_"
KEY_RANDOM_BYTES = 32
# Characters of the key kept in the clear for listings: "sfseg_" plus four random ones.
SHOWN_PREFIX_LENGTH = len(KEY_PREFIX) + 4
LAST_USED_PRECISION = dt.timedelta(minutes=1)


class KeyNameTakenError(ValueError):
    """Another key already has this name."""


@dataclass(frozen=True, slots=True)
class ApiKeyInfo:
    """What the service stores about a key, without the key itself."""

    id: int
    name: str
    prefix: str
    read_only: bool
    revoked: bool


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _info(row: ApiKey) -> ApiKeyInfo:
    return ApiKeyInfo(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        read_only=row.read_only,
        revoked=row.revoked_at is not None,
    )


def create_key(store: Store, name: str, *, read_only: bool = False) -> tuple[ApiKeyInfo, str]:
    """Create a key and return its description and the key itself, which is not stored.

    Raises:
        KeyNameTakenError: a key with this name exists; pick another name or revoke it.
    """
    name = name.strip()
    if not name:
        msg = "the key name is empty; give a name such as the calling system's"
        raise ValueError(msg)

    key = KEY_PREFIX + secrets.token_urlsafe(KEY_RANDOM_BYTES)
    with store.session() as session:
        if session.scalar(select(ApiKey).where(ApiKey.name == name)) is not None:
            msg = f"an API key named {name!r} exists; choose another name or revoke that key"
            raise KeyNameTakenError(msg)
        row = ApiKey(
            name=name,
            prefix=key[:SHOWN_PREFIX_LENGTH],
            digest=_digest(key),
            read_only=read_only,
            created_at=utcnow(),
        )
        session.add(row)
        session.flush()
        return _info(row), key


def verify_key(store: Store, presented: str) -> ApiKeyInfo | None:
    """Return the live key matching `presented`, or None for a wrong or revoked key."""
    digest = _digest(presented)
    with store.session() as session:
        row = session.scalar(select(ApiKey).where(ApiKey.digest == digest))
        # The lookup is by digest; compare again in constant time so that the result
        # does not depend on how much of the digest matched.
        if row is None or not hmac.compare_digest(row.digest, digest):
            return None
        if row.revoked_at is not None:
            return None
        # Writing the time on every request would serialise all requests on the
        # store's write lock; minute precision is enough to tell unused keys.
        now = utcnow()
        if row.last_used_at is None or now - row.last_used_at > LAST_USED_PRECISION:
            row.last_used_at = now
        return _info(row)


def list_keys(store: Store) -> list[ApiKeyInfo]:
    with store.session() as session:
        return [_info(row) for row in session.scalars(select(ApiKey).order_by(ApiKey.id))]


def revoke_key(store: Store, name: str) -> ApiKeyInfo:
    """Revoke the key named `name`; later requests with it get 401.

    Raises:
        LookupError: no key has this name.
    """
    with store.session() as session:
        row = session.scalar(select(ApiKey).where(ApiKey.name == name))
        if row is None:
            msg = f"no API key named {name!r}; run `sfseg keys list` to see the names"
            raise LookupError(msg)
        if row.revoked_at is None:
            row.revoked_at = utcnow()
        return _info(row)
