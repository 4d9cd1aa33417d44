"""The request and response types every REST operation of the sandbox works with.

An operation is a plain function `(state, request) -> ApiResponse`. The same function
serves a real HTTP request and a Composite subrequest, so both take one code path.
`endpoint()` adapts an operation to a FastAPI route, `Dispatcher` finds the operation
for a subrequest URL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import compile_path

from sfseg.sandbox.state import SandboxState

__all__ = [
    "ApiError",
    "ApiResponse",
    "Dispatcher",
    "Endpoint",
    "Operation",
    "RestRequest",
    "endpoint",
    "error_body",
    "run_operation",
    "sandbox_state",
]

NOT_FOUND_MESSAGE = "The requested resource does not exist"


def error_body(code: str, message: str, fields: list[str] | None = None) -> list[dict[str, Any]]:
    """Salesforce's REST error body: an array of `{message, errorCode[, fields]}`."""
    entry: dict[str, Any] = {"message": message, "errorCode": code}
    if fields is not None:
        entry["fields"] = fields
    return [entry]


class ApiError(Exception):
    """An error response from the sandbox's own checks (not the org's)."""

    def __init__(
        self, status: int, code: str, message: str, fields: list[str] | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields

    def response(self) -> ApiResponse:
        return ApiResponse(self.status, error_body(self.code, self.message, self.fields))


def not_found() -> ApiError:
    return ApiError(404, "NOT_FOUND", NOT_FOUND_MESSAGE)


@dataclass(slots=True)
class ApiResponse:
    """Status, JSON body (None for no body) and extra headers of one response."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def to_http(self) -> Response:
        if self.body is None and self.status in (204, 304):
            return Response(status_code=self.status, headers=self.headers)
        return JSONResponse(self.body, status_code=self.status, headers=self.headers)


@dataclass(slots=True)
class RestRequest:
    """One REST call, from HTTP or from a Composite subrequest.

    `path` is the part after `/services/data/vXX.X`; `body` is raw bytes from HTTP,
    or the already decoded JSON of a subrequest (`json_body`).
    """

    method: str
    path: str
    version: str
    path_params: Mapping[str, str]
    query: QueryParams
    headers: Headers
    body: bytes = b""
    json_body: Any = None
    has_json_body: bool = False
    in_composite: bool = False

    def json(self) -> Any:
        """Return the decoded JSON body; raise JSON_PARSER_ERROR when it is not JSON."""
        if self.has_json_body:
            return self.json_body
        try:
            self.json_body = json.loads(self.body or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ApiError(400, "JSON_PARSER_ERROR", _parser_message(self.body, exc)) from None
        self.has_json_body = True
        return self.json_body

    def json_object(self) -> dict[str, Any]:
        """Return the body as a JSON object; raise JSON_PARSER_ERROR for anything else."""
        value = self.json()
        if not isinstance(value, dict):
            kind = "START_ARRAY" if isinstance(value, list) else "VALUE"
            msg = f"Cannot deserialize instance of object from {kind} value at [line:1, column:1]"
            raise ApiError(400, "JSON_PARSER_ERROR", msg)
        return value

    @property
    def version_prefix(self) -> str:
        return f"/services/data/v{self.version}"


def _parser_message(body: bytes, exc: ValueError) -> str:
    # Salesforce parses with Jackson and reports its message with the line and column.
    if isinstance(exc, UnicodeDecodeError):
        return "Invalid UTF-8 start byte at [line:1, column:1]"
    assert isinstance(exc, json.JSONDecodeError)
    where = f"at [line:{exc.lineno}, column:{exc.colno}]"
    if exc.pos >= len(exc.doc):
        return f"Unexpected end-of-input: {exc.msg} {where}"
    char = exc.doc[exc.pos]
    return f"Unexpected character ('{char}' (code {ord(char)})): {exc.msg} {where}"


Operation = Callable[[SandboxState, RestRequest], ApiResponse]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One operation and where it lives below `/services/data/vXX.X`."""

    methods: tuple[str, ...]
    path: str
    operation: Operation
    # Composite counts toward its limit of 5 the subrequests that are collections or queries.
    heavy: bool = False


def run_operation(state: SandboxState, operation: Operation, request: RestRequest) -> ApiResponse:
    """Run `operation`, turning the org's and the query engine's errors into error responses."""
    from sfseg.sandbox.org import RecordError
    from sfseg.sandbox.query import QueryError

    try:
        return operation(state, request)
    except ApiError as exc:
        return exc.response()
    except RecordError as exc:
        return ApiResponse(exc.http_status, record_error_body(exc))
    except QueryError as exc:
        return ApiResponse(exc.http_status, error_body(exc.error_code, exc.message, []))


def record_error_body(exc: Any) -> list[dict[str, Any]]:
    """Build the REST error array of a record error: one entry per validation error of
    the record (`CombinedRecordError.errors`), as Salesforce lists them all."""
    return [
        entry
        for error in getattr(exc, "errors", None) or [exc]
        for entry in error_body(error.error_code, error.message, list(error.fields or []))
    ]


def sandbox_state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


def endpoint(operation: Operation) -> Callable[[Request], Any]:
    """Adapt an operation to a Starlette/FastAPI endpoint under `/services/data/v{version}`."""

    async def handle(request: Request) -> Response:
        params = dict(request.path_params)
        version = params.pop("version")
        prefix = f"/services/data/v{version}"
        rest = RestRequest(
            method=request.method,
            path=request.url.path[len(prefix) :] or "/",
            version=version,
            path_params=params,
            query=request.query_params,
            headers=request.headers,
            body=await request.body(),
        )
        state = sandbox_state(request)
        answer = await run_in_threadpool(run_operation, state, operation, rest)
        return answer.to_http()

    handle.__name__ = operation.__name__
    return handle


class Dispatcher:
    """Finds the operation for a method and a path below `/services/data/vXX.X`."""

    def __init__(self, endpoints: Iterable[Endpoint]) -> None:
        self._routes: list[tuple[re.Pattern[str], Endpoint]] = []
        for item in endpoints:
            pattern, _, _ = compile_path(item.path)
            self._routes.append((pattern, item))

    def match(self, method: str, path: str) -> tuple[Endpoint, dict[str, str]] | None:
        """Return the endpoint and its path parameters; raise 405 when only the method differs."""
        allowed: list[str] = []
        for pattern, item in self._routes:
            found = pattern.match(path)
            if found is None:
                continue
            if method.upper() in item.methods:
                return item, found.groupdict()
            allowed.extend(item.methods)
        if allowed:
            raise method_not_allowed(method, allowed)
        return None


def method_not_allowed(method: str, allowed: Iterable[str]) -> ApiError:
    names = ",".join(sorted(set(allowed) | ({"HEAD"} if "GET" in allowed else set())))
    message = f"HTTP Method '{method.upper()}' not allowed. Allowed are {names}"
    return ApiError(405, "METHOD_NOT_ALLOWED", message)
