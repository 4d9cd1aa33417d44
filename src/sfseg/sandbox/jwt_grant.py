"""Checks of the OAuth JWT bearer grant: an RS256 assertion signed by the key whose
certificate was given with `--jwt-cert`.

Salesforce's rules: `iss` is the consumer key, `sub` a username, `aud` is
`https://login.salesforce.com`, `https://test.salesforce.com` or the site's own URL,
and `exp` (epoch seconds) lies no more than 3 minutes ahead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import jwt
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

__all__ = ["JwtClaims", "verify_assertion"]

LOGIN_AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")
MAX_LIFETIME = timedelta(minutes=3)

# Salesforce's `error_description`s for a rejected assertion (error `invalid_grant`).
INVALID_ASSERTION = "invalid assertion"
INVALID_AUDIENCE = "audience is invalid"
EXPIRED_ASSERTION = "expired authorization code"


@dataclass(frozen=True, slots=True)
class JwtClaims:
    issuer: str
    subject: str


def _error(description: str) -> Exception:
    from sfseg.sandbox.routes.oauth import OAuthError

    return OAuthError("invalid_grant", description)


def _public_key(cert_file: Path) -> RSAPublicKey:
    try:
        certificate = x509.load_pem_x509_certificate(cert_file.read_bytes())
    except (OSError, ValueError) as exc:
        raise _error(INVALID_ASSERTION) from exc
    key = certificate.public_key()
    if not isinstance(key, RSAPublicKey):
        raise _error(INVALID_ASSERTION)
    return key


def verify_assertion(assertion: str, *, cert_file: Path | None, now: datetime, own_url: str) -> JwtClaims:
    """Verify a JWT bearer assertion; raise OAuthError with Salesforce's description."""
    if cert_file is None or not assertion:
        raise _error(INVALID_ASSERTION)
    try:
        header = jwt.get_unverified_header(assertion)
        if header.get("alg") != "RS256":
            raise _error(INVALID_ASSERTION)
        claims = jwt.decode(
            assertion,
            _public_key(cert_file),
            algorithms=["RS256"],
            # exp is checked below against the sandbox clock, which tests may fix.
            options={"verify_exp": False, "verify_aud": False, "require": ["iss", "aud", "exp"]},
        )
    except jwt.PyJWTError as exc:
        raise _error(INVALID_ASSERTION) from exc

    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    allowed = {*LOGIN_AUDIENCES, own_url.rstrip("/")}
    if not any(str(audience).rstrip("/") in allowed for audience in audiences):
        raise _error(INVALID_AUDIENCE)

    expires = claims["exp"]
    if isinstance(expires, bool) or not isinstance(expires, int | float):
        raise _error(INVALID_ASSERTION)
    now_seconds = now.timestamp()
    if expires <= now_seconds:
        raise _error(EXPIRED_ASSERTION)
    if expires > now_seconds + MAX_LIFETIME.total_seconds():
        raise _error(INVALID_ASSERTION)

    # `prn` is the legacy name of `sub`, and wins when both are present.
    subject = claims.get("prn") or claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise _error(INVALID_ASSERTION)
    return JwtClaims(issuer=str(claims["iss"]), subject=subject)
