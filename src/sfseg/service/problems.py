"""Errors as `application/problem+json` (RFC 9457), mapped from exceptions in one table.

Every error response has a stable `type` URI under `https://sfseg.dev/problems/`, a short
`title`, the HTTP `status` and a `detail` naming the bad value. Salesforce errors add
`errorCode`. The URIs are identifiers, not pages the service fetches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "Problem",
    "ProblemError",
    "install_problem_handlers",
    "problem_response",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"
# The request scope key under which the body-size middleware leaves its limit.
LIMIT_SCOPE_KEY = "sfseg.max_body_bytes"
TYPE_BASE = "https://sfseg.dev/problems/"


@dataclass(frozen=True, slots=True)
class Problem:
    """One kind of error response: its `type` slug, title and HTTP status."""

    slug: str
    title: str
    status: int


class ProblemError(Exception):
    """An error the service returns as the given problem, with `detail` as the message."""

    def __init__(self, problem: Problem, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.problem = problem
        self.detail = detail
        self.extra = extra


def problem_response(problem: Problem, detail: str, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + problem.slug,
        "title": problem.title,
        "status": problem.status,
        "detail": detail,
    }
    body.update(extra)
    headers = {"WWW-Authenticate": "Bearer"} if problem.status == 401 else None
    return JSONResponse(
        body, status_code=problem.status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


HTTP_PROBLEMS = {
    400: Problem("bad-request", "Bad request", 400),
    401: Problem("unauthorized", "Missing or invalid API key", 401),
    403: Problem("forbidden", "Not allowed for this API key", 403),
    404: Problem("not-found", "Not found", 404),
    405: Problem("method-not-allowed", "Method not allowed", 405),
    409: Problem("conflict", "Conflict", 409),
    413: Problem("payload-too-large", "Request body too large", 413),
    415: Problem("unsupported-media-type", "Unsupported media type", 415),
    422: Problem("invalid-request", "Invalid request", 422),
    429: Problem("too-many-requests", "Too many requests", 429),
    500: Problem("internal-error", "Internal error", 500),
}


def too_large_detail(max_bytes: int, size: int | None = None) -> str:
    what = "request body" if size is None else f"request body of {size:,} bytes"
    return (
        f"{what} is over the limit of {max_bytes:,} bytes; split the customer ids over "
        "several requests"
    )


def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    problem = HTTP_PROBLEMS.get(exc.status_code) or Problem(
        "http-error", "HTTP error", exc.status_code
    )
    detail = str(exc.detail)
    # The body-size middleware leaves its limit in the scope, so that a body cut off
    # while streaming is explained like one refused by its Content-Length.
    limit = request.scope.get(LIMIT_SCOPE_KEY)
    if exc.status_code == 413 and isinstance(limit, int):
        detail = too_large_detail(limit)
    return problem_response(problem, detail)


def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "loc": list(error.get("loc", ())),
            "msg": error.get("msg", ""),
            "type": error.get("type", ""),
        }
        for error in exc.errors()
    ]
    first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
    where = ".".join(str(part) for part in first["loc"])
    detail = f"{where}: {first['msg']}" if where else str(first["msg"])
    return problem_response(HTTP_PROBLEMS[422], detail, errors=errors)


def _problem_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(exc.problem, exc.detail, **exc.extra)


ExceptionMapper = Callable[[Exception], ProblemError]


def install_problem_handlers(app: FastAPI, mappers: dict[type[Exception], ExceptionMapper]) -> None:
    """Return HTTP, validation and `ProblemError` errors, and the domain exceptions in
    `mappers` (exception class → function building the `ProblemError`), as problem+json."""
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ProblemError, _problem_error)
    for exc_class, mapper in mappers.items():

        def handler(
            request: Request, exc: Exception, mapper: ExceptionMapper = mapper
        ) -> JSONResponse:
            return _problem_error(request, mapper(exc))

        app.add_exception_handler(exc_class, handler)
