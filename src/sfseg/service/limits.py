"""Request body size limit, checked before the body is read.

A declared `Content-Length` over the limit gets 413 at once; a body sent without one
(chunked) is counted as it arrives and cut off with 413 when it passes the limit.
"""

from __future__ import annotations

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sfseg.service.problems import HTTP_PROBLEMS, problem_response

__all__ = ["BodySizeLimit"]


class _TooLargeError(HTTPException):
    """Raised from `receive`; an HTTPException so that FastAPI's body parsing passes it on."""

    def __init__(self, detail: str) -> None:
        super().__init__(status_code=413, detail=detail)


class BodySizeLimit:
    """ASGI middleware answering 413 for request bodies over `max_bytes`."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _detail(self, size: str) -> str:
        return (
            f"request body of {size} bytes is over the limit of {self.max_bytes:,} bytes; "
            "split the customer ids over several requests"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            response = problem_response(HTTP_PROBLEMS[413], self._detail(f"{int(declared):,}"))
            await response(scope, receive, send)
            return

        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLargeError(self._detail(f"over {self.max_bytes:,}"))
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLargeError as exc:
            if started:
                raise
            response = problem_response(HTTP_PROBLEMS[413], str(exc.detail))
            await response(scope, receive, send)
