"""`Idempotency-Key` on POST requests.

The first request with a key reserves it (a row with status 0) before doing any
work, so a concurrent repeat cannot start a second job: it gets 409 until the first
one has responded. The response is then stored, and a repeat with the same body gets it
again. The same key with another body is a 422. A request that fails frees its key,
so the caller can retry it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from sfseg.segments.store import Store
from sfseg.segments.store.models import utcnow
from sfseg.segments.store.service_tables import IdempotencyRecord
from sfseg.service.keys import ApiKeyInfo
from sfseg.service.problems import HTTP_PROBLEMS, Problem, ProblemError

__all__ = ["IDEMPOTENCY_HEADER", "MAX_KEY_LENGTH", "run_idempotent"]

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
_IN_PROGRESS = 0

KEY_REUSED = Problem("idempotency-key-reused", "Idempotency key used with another request", 422)
IN_PROGRESS = Problem("idempotency-key-in-progress", "Request with this key in progress", 409)

Answer = tuple[int, Any]


def body_digest(request: Request, payload: Any) -> str:
    """Digest of what makes two requests the same: method, path, query and JSON body."""
    canonical = json.dumps(
        [request.method, request.url.path, str(request.url.query), payload],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _check_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        detail = (
            f"Idempotency-Key {key[:40]!r} must be 1 to {MAX_KEY_LENGTH} printable characters; "
            "use a UUID"
        )
        raise ProblemError(HTTP_PROBLEMS[400], detail)


def _reserve(
    store: Store, api_key: ApiKeyInfo, key: str, request: Request, digest: str
) -> Answer | None:
    """Reserve `key`; return the stored response of an earlier identical request instead."""
    try:
        with store.session() as session:
            session.add(
                IdempotencyRecord(
                    api_key_id=api_key.id, key=key, method=request.method, path=request.url.path,
                    body_digest=digest, status_code=_IN_PROGRESS, response={}, created_at=utcnow(),
                )
            )  # fmt: skip
        return None
    except IntegrityError:
        pass
    with store.session() as session:
        row = session.get(IdempotencyRecord, (api_key.id, key))
        if row is None:  # freed between the two statements: the caller may simply retry
            raise ProblemError(IN_PROGRESS, f"Idempotency-Key {key!r} was just released; retry")
        if row.body_digest != digest:
            detail = (
                f"Idempotency-Key {key!r} was used for another request ({row.method} {row.path} "
                "with another body); use a new key for a new request"
            )
            raise ProblemError(KEY_REUSED, detail)
        if row.status_code == _IN_PROGRESS:
            detail = f"a request with Idempotency-Key {key!r} is still in progress; retry shortly"
            raise ProblemError(IN_PROGRESS, detail)
        return row.status_code, row.response


def _release(store: Store, api_key: ApiKeyInfo, key: str) -> None:
    with store.session() as session:
        session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.api_key_id == api_key.id, IdempotencyRecord.key == key
            )
        )


def _save(store: Store, api_key: ApiKeyInfo, key: str, answer: Answer) -> None:
    with store.session() as session:
        row = session.scalar(
            select(IdempotencyRecord).where(
                IdempotencyRecord.api_key_id == api_key.id, IdempotencyRecord.key == key
            )
        )
        if row is not None:
            row.status_code, row.response = answer


def run_idempotent(
    request: Request, api_key: ApiKeyInfo, payload: Any, work: Callable[[], Answer]
) -> JSONResponse:
    """Respond to a POST: replay the stored response for a repeated key, else run `work` once.

    `payload` is the request body as JSON data; `work` returns the status and JSON body.
    """
    store: Store = request.app.state.service.store
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        status, body = work()
        return JSONResponse(body, status_code=status)

    _check_key(key)
    digest = body_digest(request, payload)
    stored = _reserve(store, api_key, key, request, digest)
    if stored is not None:
        return JSONResponse(
            stored[1], status_code=stored[0], headers={"Idempotent-Replayed": "true"}
        )
    try:
        answer = work()
    except BaseException:
        _release(store, api_key, key)
        raise
    _save(store, api_key, key, answer)
    return JSONResponse(answer[1], status_code=answer[0])
