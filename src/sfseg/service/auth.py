"""API-key authentication of the service's endpoints.

Keys arrive as `Authorization: Bearer KEY`. A missing, malformed, unknown or revoked
key gets the same 401 response, so a caller cannot tell which part was wrong. Read-only
keys may call GET endpoints only.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBearer

from sfseg.service.keys import ApiKeyInfo, verify_key
from sfseg.service.problems import HTTP_PROBLEMS, ProblemError

__all__ = ["ReadKey", "WriteKey", "require_key", "require_write_key"]

_UNAUTHORIZED_DETAIL = "send a valid API key as 'Authorization: Bearer KEY'"
# Declares the scheme in the OpenAPI document; the check itself is `require_key`'s,
# so that every wrong key gets the same response.
_bearer = HTTPBearer(auto_error=False, description="An API key from `sfseg keys create`.")


def require_key(
    request: Request, _scheme: Annotated[object, Depends(_bearer)] = None
) -> ApiKeyInfo:
    header = request.headers.get("authorization", "")
    scheme, _, presented = header.partition(" ")
    presented = presented.strip()
    info = None
    if scheme.lower() == "bearer" and presented:
        info = verify_key(request.app.state.service.store, presented)
    if info is None:
        raise ProblemError(HTTP_PROBLEMS[401], _UNAUTHORIZED_DETAIL)
    request.state.api_key = info
    return info


def require_write_key(key: Annotated[ApiKeyInfo, Depends(require_key)]) -> ApiKeyInfo:
    if key.read_only:
        msg = f"API key {key.name!r} is read-only; use a key created without --read-only"
        raise ProblemError(HTTP_PROBLEMS[403], msg)
    return key


ReadKey = Annotated[ApiKeyInfo, Depends(require_key)]
WriteKey = Annotated[ApiKeyInfo, Depends(require_write_key)]
