"""`/healthz`, `/readyz` (no key needed) and `/metrics`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select, text

from sfseg.segments.jobs import JobState
from sfseg.segments.store.models import Job
from sfseg.service.auth import ReadKey
from sfseg.service.models import Health, Readiness
from sfseg.service.routes.responses import problems
from sfseg.service.state import ServiceState, get_state

__all__ = ["router"]

router = APIRouter(tags=["health"])
State = Annotated[ServiceState, Depends(get_state)]


@router.get("/healthz", response_model=Health, summary="The process is up")
async def healthz() -> Health:
    # On the event loop, not the worker threads: it responds even when they are all busy.
    return Health(status="ok")


def _store_status(state: ServiceState) -> str:
    try:
        with state.store.session() as session:
            session.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:  # any failure means not ready; the reason is shown
        return f"{type(exc).__name__}: {exc}"[:300]


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "The store or the org is not reachable."}},
    summary="The store and the org are reachable",
)
def readyz(state: State) -> JSONResponse:
    checks = {"store": _store_status(state), "salesforce": state.org_status()}
    ready = all(value == "ok" for value in checks.values())
    body = Readiness(status="ready" if ready else "not_ready", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}},
            "description": "Prometheus text format.",
        },
        **problems((401, 500)),
    },
    summary="Prometheus metrics",
)
def metrics(state: State, _key: ReadKey) -> Response:
    counts = {job_state.value: 0 for job_state in JobState}
    with state.store.session() as session:
        for job_state, number in session.execute(
            select(Job.state, func.count()).group_by(Job.state)
        ):
            counts[job_state] = number
    for job_state, number in counts.items():
        state.metrics.jobs.labels(job_state).set(number)
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
