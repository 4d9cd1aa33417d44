"""The FastAPI app of `sfseg serve`: routes under `/v1`, health checks and metrics.

`create_app(config)` opens the store and the Salesforce client when the app starts
(or takes ones passed in), resumes jobs an earlier process left unfinished, and at
shutdown drains the job runner before closing them.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse

import sfseg
from sfseg.salesforce import SalesforceClient
from sfseg.segments.store import Store
from sfseg.service.auth import ReadKey
from sfseg.service.config import ServiceConfig
from sfseg.service.errors import DOMAIN_ERRORS
from sfseg.service.limits import BodySizeLimit
from sfseg.service.metrics import RequestMetrics, ServiceMetrics
from sfseg.service.problems import PROBLEM_MEDIA_TYPE, install_problem_handlers
from sfseg.service.routes import errors as errors_routes
from sfseg.service.routes import health, jobs, segments
from sfseg.service.runner import JobRunner
from sfseg.service.state import ServiceState

__all__ = ["create_app"]

logger = logging.getLogger("sfseg.service")

PROBLEM_SCHEMA_REF = "#/components/schemas/ProblemOut"

API_TITLE = "sfseg"
API_DESCRIPTION = (
    "Customer segments in Salesforce: create them from criteria, assign Contacts and Leads "
    "as CampaignMembers, analyze them. Every endpoint but /healthz and /readyz needs "
    "`Authorization: Bearer KEY` with a key from `sfseg keys create`. Errors are "
    "`application/problem+json`."
)


def _open(
    config: ServiceConfig, store: Store | None, client: SalesforceClient | None
) -> ServiceState:
    store = store or Store(config.store_url)
    client = client or SalesforceClient(config.connection)
    metrics = ServiceMetrics()
    metrics.watch_client(lambda: client.api_calls)
    runner = JobRunner(
        client,
        store,
        workers=config.workers,
        max_jobs=config.max_jobs,
        write_options=config.write_options,
    )
    return ServiceState(config=config, store=store, client=client, metrics=metrics, runner=runner)


def _problem_media_type(document: dict[str, Any]) -> dict[str, Any]:
    """Declare error responses as `application/problem+json`, the type they are sent with."""
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                first: dict[str, Any] = next(iter(content.values()), {})
                schema = first.get("schema", {})
                # FastAPI lists error models under the route's own media type (text/html
                # for the report); problems are sent as problem+json. /readyz's 503 is a
                # Readiness document, not a problem, and keeps its type.
                if status[:1] in "45" and schema.get("$ref") == PROBLEM_SCHEMA_REF:
                    response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": schema}}
    return document


def create_app(
    config: ServiceConfig, *, store: Store | None = None, client: SalesforceClient | None = None
) -> FastAPI:
    """Build the service app; `store` and `client` default to ones made from `config`.

    Store and client passed in are not closed at shutdown; ones the app made are.
    """
    owns_store, owns_client = store is None, client is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = _open(config, store, client)
        app.state.service = state
        if config.resume_at_start:
            state.runner.resume_left_over()
        try:
            yield
        finally:
            state.runner.shutdown(config.drain_seconds)
            state.metrics.close()
            if owns_client:
                state.client.close()
            if owns_store:
                state.store.close()

    app = FastAPI(
        title=API_TITLE,
        version=sfseg.__version__,
        description=API_DESCRIPTION,
        lifespan=lifespan,
        # FastAPI's /docs and /redoc pages load their scripts from a CDN; the service
        # serves only its own content, so they are off. /openapi.json is served below,
        # behind an API key like every endpoint but the health checks.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    install_problem_handlers(app, DOMAIN_ERRORS)
    for router in (health.router, segments.router, jobs.router, errors_routes.router):
        app.include_router(router)

    app.add_middleware(RequestMetrics, metrics=lambda: app.state.service.metrics)
    app.add_middleware(BodySizeLimit, max_bytes=config.max_body_bytes)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            app.openapi_schema = _problem_media_type(document)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/openapi.json", include_in_schema=False)
    def openapi_document(_key: ReadKey) -> JSONResponse:
        return JSONResponse(app.openapi())

    return app
