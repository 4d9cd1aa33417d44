"""The sandbox org as an ASGI app: `create_app(config)` builds a FastAPI app whose
`app.state.sandbox` is the live SandboxState."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from fastapi import APIRouter, FastAPI, Request
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from sfseg.sandbox.config import SandboxConfig
from sfseg.sandbox.metadata import RecordError
from sfseg.sandbox.middleware import SandboxGateway
from sfseg.sandbox.query import QueryError
from sfseg.sandbox.routes import all_endpoints, bulk, reports
from sfseg.sandbox.routes.admin import router as admin_router
from sfseg.sandbox.routes.deps import (
    NOT_FOUND_MESSAGE,
    Endpoint,
    endpoint,
    error_body,
    method_not_allowed,
    record_error_body,
)
from sfseg.sandbox.routes.oauth import identity_router
from sfseg.sandbox.routes.oauth import router as oauth_router
from sfseg.sandbox.routes.versions import router as versions_router
from sfseg.sandbox.state import SandboxState, build_state

__all__ = ["API_PREFIX", "create_app"]

logger = logging.getLogger("sfseg.sandbox.http")

API_PREFIX = "/services/data/v{version}"


def _api_router(endpoints: Iterable[Endpoint]) -> APIRouter:
    router = APIRouter()
    for item in endpoints:
        path = API_PREFIX + ("" if item.path == "/" else item.path)
        router.add_api_route(
            path,
            endpoint(item.operation),
            methods=list(item.methods),
            name=f"{item.operation.__name__}:{'/'.join(item.methods)}",
        )
    return router


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "").replace(" ", "").split(",")
        error = method_not_allowed(request.method, [name for name in allowed if name])
        return JSONResponse(error_body(error.code, error.message), status_code=405)
    if exc.status_code == 404:
        return JSONResponse(error_body("NOT_FOUND", NOT_FOUND_MESSAGE), status_code=404)
    return JSONResponse(error_body("UNKNOWN_EXCEPTION", str(exc.detail)), exc.status_code)


async def _record_error(request: Request, exc: Exception) -> Response:
    # Routes outside the operation table (bulk, reports) may let these escape.
    status = int(getattr(exc, "http_status", 400))
    if isinstance(exc, RecordError):
        return JSONResponse(record_error_body(exc), status_code=status)
    body = error_body(
        str(getattr(exc, "error_code", "UNKNOWN_EXCEPTION")),
        str(getattr(exc, "message", exc)),
        list(getattr(exc, "fields", None) or []),
    )
    return JSONResponse(body, status_code=status)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    logger.error("%s %s failed: %r", request.method, request.url.path, exc, exc_info=exc)
    message = f"An unexpected error occurred in the sandbox: {type(exc).__name__}"
    return JSONResponse(error_body("UNKNOWN_EXCEPTION", message), status_code=500)


def create_app(config: SandboxConfig, *, state: SandboxState | None = None) -> FastAPI:
    """Build the sandbox app; opens the org from `config.seed` unless `state` is given."""
    state = state if state is not None else build_state(config)
    app = FastAPI(
        title="sfseg sandbox org",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.sandbox = state

    app.include_router(versions_router)
    app.include_router(oauth_router)
    app.include_router(identity_router)
    app.include_router(admin_router)
    app.include_router(_api_router(all_endpoints()))
    app.include_router(bulk.router, prefix=API_PREFIX)
    app.include_router(reports.router, prefix=API_PREFIX)

    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RecordError, _record_error)
    app.add_exception_handler(QueryError, _record_error)
    app.add_exception_handler(Exception, _unexpected_error)
    app.add_middleware(SandboxGateway, state=state)
    return app
