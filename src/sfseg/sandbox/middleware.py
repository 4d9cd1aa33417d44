"""The gateway in front of every sandbox route: URI limits, the loopback rule of the
admin API, and for `/services/data/vXX.X/...` the session check, API limits, faults,
latency, statistics and the `Sforce-Limit-Info` header. One log line per request.

A call counts against the daily allowance only when the org does its work, so a fault
that responds in place of the org (or drops the connection first) is not counted, while
DELAY, DROP_AFTER and COMMIT_THEN_503 are. Rejections for the session, the daily
allowance or the concurrency limit are not counted either.

It is a plain ASGI middleware, not Starlette's BaseHTTPMiddleware, so that it can
close a connection without sending a response (the DROP faults).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from sfseg.sandbox.config import is_loopback_host
from sfseg.sandbox.faults import FaultKind, FiredFault
from sfseg.sandbox.limits import (
    CONCURRENT_LIMIT_MESSAGE,
    DAILY_LIMIT_MESSAGE,
    REQUEST_LIMIT_EXCEEDED,
)
from sfseg.sandbox.routes.deps import NOT_FOUND_MESSAGE, error_body
from sfseg.sandbox.routes.versions import is_supported_version
from sfseg.sandbox.state import SandboxState

__all__ = ["ConnectionDroppedError", "SandboxGateway"]

logger = logging.getLogger("sfseg.sandbox.http")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Salesforce rejects a URI over 16,384 bytes with 414 and an HTML page, and a request
# whose URI and headers together pass that size with 431.
MAX_URI_BYTES = 16_384
_URI_TOO_LONG_HTML = b"<h1>Bad Message 414</h1><pre>reason: URI Too Long</pre>"
_HEADERS_TOO_LARGE_HTML = (
    b"<h1>Bad Message 431</h1><pre>reason: Request Header Fields Too Large</pre>"
)
_API_PATH = re.compile(r"^/services/data/v(?P<version>[^/]+)(?P<rest>/.*)?$")
_SESSION_EXPIRED = "Session expired or invalid"
_LOCK_MESSAGE = "unable to obtain exclusive access to this record"
# NOTE: the texts of SERVER_UNAVAILABLE, QUERY_TIMEOUT and the 500 UNKNOWN_EXCEPTION are
# not confirmed from a captured body; clients should branch on status and errorCode only.
_UNAVAILABLE_MESSAGE = "Server temporarily unavailable. Please try again later."
_QUERY_TIMEOUT_MESSAGE = "Your query request was running for too long."
_INTERNAL_ERROR_MESSAGE = (
    "An unexpected error occurred. Please include this ErrorId if you contact support: "
    "0000000000-00000 (0000000000)"
)
# Composite batch charges one call per subrequest itself, so the gateway does not.
_SELF_CHARGING = re.compile(r"^/composite/batch/?$")


class ConnectionDroppedError(Exception):
    """A DROP fault fired where there is no socket to close (an in-process ASGI client)."""


class SandboxGateway:
    def __init__(self, app: ASGIApp, state: SandboxState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def send_logged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self._route(scope, receive, send_logged)
        finally:
            # One line per request; never the query string, which may carry a code.
            elapsed_ms = (time.perf_counter() - started) * 1000
            shown = status if status else "dropped"
            logger.info("%s %s %s %.1fms", scope["method"], scope["path"], shown, elapsed_ms)

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        too_large = _oversized(scope)
        if too_large is not None:
            await _send_html(send, *too_large)
            return
        path: str = scope["path"]
        if path.startswith("/__sandbox"):
            if not _from_loopback(scope):
                await _send_json(send, 404, error_body("NOT_FOUND", NOT_FOUND_MESSAGE))
                return
            await self.app(scope, receive, send)
            return
        found = _API_PATH.match(path)
        if found is None:
            await self.app(scope, receive, send)
            return
        if not is_supported_version(found.group("version")):
            usage = self.state.limits.usage().header().encode()
            body = error_body("NOT_FOUND", NOT_FOUND_MESSAGE)
            await _send_json(send, 404, body, [(b"sforce-limit-info", usage)])
            return
        _strip_trailing_slash(scope)
        rest = found.group("rest") or "/"
        rest = rest.rstrip("/") or "/"
        await _ApiCall(self, scope, receive, send, rest).run()


class _ApiCall:
    """One request to `/services/data/vXX.X/...` through the checks, in order."""

    def __init__(
        self, gateway: SandboxGateway, scope: Scope, receive: Receive, send: Send, rest: str
    ) -> None:
        self.app = gateway.app
        self.state = gateway.state
        self.scope = scope
        self.receive = receive
        self.send = send
        self.rest = rest
        self.method: str = scope["method"]

    async def run(self) -> None:
        token = _bearer_token(self.scope)
        if token is None:
            await self._reply(401, "INVALID_AUTH_HEADER", "INVALID_HEADER_TYPE")
            return
        if self.state.tokens.authenticate(token) is None:
            await self._reply(401, "INVALID_SESSION_ID", _SESSION_EXPIRED)
            return
        limits = self.state.limits
        if not limits.enter():
            await self._reply(403, REQUEST_LIMIT_EXCEEDED, CONCURRENT_LIMIT_MESSAGE)
            return
        try:
            await self._admitted(token)
        finally:
            limits.leave()

    async def _admitted(self, token: str) -> None:
        if self.state.limits.exhausted():
            await self._reply(403, REQUEST_LIMIT_EXCEEDED, DAILY_LIMIT_MESSAGE)
            return
        fault = self.state.faults.request_fault(self.method, self.rest)
        if fault is not None and await self._answer_fault(fault, token):
            return
        self_charging = self.method == "POST" and _SELF_CHARGING.match(self.rest) is not None
        if not self_charging and not self.state.limits.charge(1):
            await self._reply(403, REQUEST_LIMIT_EXCEEDED, DAILY_LIMIT_MESSAGE)
            return
        if self.state.latency_ms:
            await asyncio.sleep(self.state.latency_ms / 1000)
        if fault is not None and fault.kind is FaultKind.DROP_AFTER:
            await self._call_app(_swallow)
            await _drop_connection(self.receive)
        elif fault is not None and fault.kind is FaultKind.COMMIT_THEN_503:
            await self._call_app(_swallow)
            await self._reply(503, "SERVER_UNAVAILABLE", _UNAVAILABLE_MESSAGE)
        else:
            await self._call_app(self._send_with_limit_info)
        if not self_charging:
            self.state.stats.count_call(self._route_key())

    async def _answer_fault(self, fault: FiredFault, token: str) -> bool:
        """Respond in place of the org for faults that stop the request; return True if it did."""
        kind = fault.kind
        if kind is FaultKind.DELAY:
            await asyncio.sleep(fault.delay_ms / 1000)
            return False
        if kind in (FaultKind.DROP_AFTER, FaultKind.COMMIT_THEN_503):
            return False
        if kind is FaultKind.DROP_BEFORE:
            await _drop_connection(self.receive)
            return True
        if kind is FaultKind.INVALID_SESSION_ID:
            self.state.tokens.expire(token)
            await self._reply(401, "INVALID_SESSION_ID", _SESSION_EXPIRED)
            return True
        status, code, message = _FAULT_ANSWERS[kind]
        await self._reply(status, code, message)
        return True

    async def _call_app(self, send: Send) -> None:
        await self.app(self.scope, self.receive, send)

    async def _send_with_limit_info(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            headers.append((b"sforce-limit-info", self._limit_info()))
            message["headers"] = headers
        await self.send(message)

    def _limit_info(self) -> bytes:
        return self.state.limits.usage().header().encode()

    async def _reply(self, status: int, code: str, message: str) -> None:
        extra = [(b"sforce-limit-info", self._limit_info())]
        await _send_json(self.send, status, error_body(code, message), extra)

    def _route_key(self) -> str:
        route = self.scope.get("route")
        template = getattr(route, "path", None)
        if isinstance(template, str) and template.startswith("/services/data/v{version}"):
            return f"{self.method} {template[len('/services/data/v{version}') :] or '/'}"
        return f"{self.method} {self.rest}"


_FAULT_ANSWERS: dict[FaultKind, tuple[int, str, str]] = {
    FaultKind.REQUEST_LIMIT_EXCEEDED: (403, REQUEST_LIMIT_EXCEEDED, CONCURRENT_LIMIT_MESSAGE),
    FaultKind.DAILY_LIMIT: (403, REQUEST_LIMIT_EXCEEDED, DAILY_LIMIT_MESSAGE),
    FaultKind.SERVER_UNAVAILABLE: (503, "SERVER_UNAVAILABLE", _UNAVAILABLE_MESSAGE),
    FaultKind.INTERNAL_ERROR: (500, "UNKNOWN_EXCEPTION", _INTERNAL_ERROR_MESSAGE),
    FaultKind.UNABLE_TO_LOCK_ROW: (400, "UNABLE_TO_LOCK_ROW", _LOCK_MESSAGE),
    FaultKind.QUERY_TIMEOUT: (400, "QUERY_TIMEOUT", _QUERY_TIMEOUT_MESSAGE),
}


def _bearer_token(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = bytes(value).decode("latin-1").partition(" ")
            token = token.strip()
            return token if scheme.lower() in ("bearer", "oauth") and token else None
    return None


def _oversized(scope: Scope) -> tuple[int, bytes] | None:
    uri_bytes = len(scope.get("raw_path") or scope["path"].encode()) + len(scope["query_string"])
    if scope["query_string"]:
        uri_bytes += 1
    if uri_bytes > MAX_URI_BYTES:
        return 414, _URI_TOO_LONG_HTML
    header_bytes = sum(len(name) + len(value) + 4 for name, value in scope["headers"])
    if uri_bytes + header_bytes > MAX_URI_BYTES:
        return 431, _HEADERS_TOO_LARGE_HTML
    return None


def _from_loopback(scope: Scope) -> bool:
    client = scope.get("client")
    if client is None:
        # An in-process ASGI client has no address; it runs in this very process.
        return True
    return is_loopback_host(str(client[0]))


def _strip_trailing_slash(scope: Scope) -> None:
    # Clients such as simple-salesforce call `/limits/` and `/sobjects/Contact/`.
    path: str = scope["path"]
    if len(path) > 1 and path.endswith("/"):
        scope["path"] = path.rstrip("/")
        raw = scope.get("raw_path")
        if isinstance(raw, bytes):
            scope["raw_path"] = raw.rstrip(b"/")


async def _swallow(message: Message) -> None:
    """Discard the org's response, for faults that replace or drop it."""


async def _send_json(
    send: Send, status: int, body: object, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    payload = json.dumps(body).encode()
    headers = [
        (b"content-type", b"application/json;charset=UTF-8"),
        (b"content-length", str(len(payload)).encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def _send_html(send: Send, status: int, body: bytes) -> None:
    headers = [
        (b"content-type", b"text/html;charset=iso-8859-1"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _drop_connection(receive: Receive) -> None:
    """Close the client's connection without writing a byte.

    uvicorn's `receive` is a bound method of its per-request cycle, which owns the
    transport; aborting it closes the socket. Waiting for uvicorn to notice the loss
    keeps it from writing its own 500 response afterwards.
    """
    cycle = getattr(receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        msg = "the sandbox dropped this request's connection (DROP fault)"
        raise ConnectionDroppedError(msg)
    transport.abort()
    for _ in range(200):
        if getattr(cycle, "disconnected", True):
            return
        await asyncio.sleep(0.001)
