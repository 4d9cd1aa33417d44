"""Request body size limit.

A declared `Content-Length` over the limit gets 413 before the body is read. A body
sent without one (chunked) is counted by Starlette's `RequestBodyLimitMiddleware`.
FastAPI turns its error into a 413 `HTTPException` once the body passes the limit, and
the problem handler words that 413 like the first one.
"""

from __future__ import annotations

from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from sfseg.service.problems import (
    HTTP_PROBLEMS,
    LIMIT_SCOPE_KEY,
    problem_response,
    too_large_detail,
)

__all__ = ["BodySizeLimit"]


class BodySizeLimit:
    """ASGI middleware returning 413 for request bodies over `max_bytes`."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = RequestBodyLimitMiddleware(app, max_body_size=max_bytes)
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope[LIMIT_SCOPE_KEY] = self.max_bytes
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            detail = too_large_detail(self.max_bytes, int(declared))
            await problem_response(HTTP_PROBLEMS[413], detail)(scope, receive, send)
            return
        await self.app(scope, receive, send)
