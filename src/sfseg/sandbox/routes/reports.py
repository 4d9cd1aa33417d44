"""Reports and Dashboards REST API endpoints under `/services/data/vXX.X/analytics`.

Report types, stored reports (list, describe, create, delete) and synchronous runs:
`GET .../reports/{id}` runs the saved definition, `POST` with `{"reportMetadata": ...}`
runs it with overrides that are not saved. `includeDetails=true` adds detail rows.
`POST .../reports/{id}/instances` runs a report asynchronously; its result is fetched from
`.../instances/{instanceId}`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from sfseg.sandbox.bulk.jobs import format_timestamp
from sfseg.sandbox.reports.run import ReportError, extended_metadata, run_report
from sfseg.sandbox.reports.store import StoredReport, new_instance_id, report_store
from sfseg.sandbox.reports.types import REPORT_TYPES, get_report_type
from sfseg.sandbox.state import SandboxState

__all__ = ["router"]

router = APIRouter()

_Handler = Callable[..., Coroutine[Any, Any, Response]]
_OVERRIDABLE = (
    "reportFormat",
    "detailColumns",
    "reportFilters",
    "reportBooleanFilter",
    "aggregates",
    "groupingsDown",
    "groupingsAcross",
    "standardDateFilter",
)


def _state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


def _report_errors(handler: _Handler) -> _Handler:
    """Turn a ReportError raised by a handler into Salesforce's error body."""

    @functools.wraps(handler)
    async def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return await handler(*args, **kwargs)
        except ReportError as exc:
            return JSONResponse(exc.body(), status_code=exc.http_status)

    return wrapper


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except json.JSONDecodeError as exc:
        message = f"The request body is not valid JSON: {exc.msg}"
        raise ReportError(message, "JSON_PARSER_ERROR") from exc
    if not isinstance(body, dict):
        message = "The request body must be a JSON object with reportMetadata"
        raise ReportError(message, "JSON_PARSER_ERROR")
    return body


def _urls(version: str, report_id: str) -> dict[str, str]:
    base = f"/services/data/v{version}/analytics/reports/{report_id}"
    return {"url": base, "describeUrl": f"{base}/describe", "instancesUrl": f"{base}/instances"}


def _describe(version: str, report: StoredReport) -> dict[str, Any]:
    return {
        "attributes": {"type": "Report", "reportId": report.id, "reportName": report.metadata["name"],
                       **_urls(version, report.id)},
        "reportMetadata": report.metadata,
        "reportExtendedMetadata": extended_metadata(report.report_type, report.metadata),
        "reportTypeMetadata": report.report_type.type_metadata(),
    }


@router.get("/analytics/reportTypes")
@_report_errors
async def list_report_types(version: str, request: Request) -> Response:
    categories: dict[str, list[dict[str, Any]]] = {}
    for report_type in REPORT_TYPES.values():
        categories.setdefault(report_type.category, []).append(report_type.summary(version))
    return JSONResponse([{"label": label, "reportTypes": types} for label, types in categories.items()])


@router.get("/analytics/reportTypes/{type_name}")
@_report_errors
async def describe_report_type(version: str, type_name: str, request: Request) -> Response:
    report_type = get_report_type(type_name)
    if report_type is None:
        message = "The requested resource does not exist"
        raise ReportError(message, "NOT_FOUND", 404)
    metadata = {
        "name": report_type.label,
        "reportType": {"type": report_type.type, "label": report_type.label},
        "reportFormat": "TABULAR",
        "detailColumns": list(report_type.default_columns),
        "groupingsDown": [],
        "aggregates": ["RowCount"],
        "reportFilters": [],
    }
    return JSONResponse(
        {
            "reportMetadata": metadata,
            "reportExtendedMetadata": extended_metadata(report_type, metadata),
            "reportTypeMetadata": report_type.type_metadata(),
        }
    )


@router.get("/analytics/reports")
@_report_errors
async def list_reports(version: str, request: Request) -> Response:
    store = report_store(_state(request))
    body = [
        {"id": report.id, "name": report.metadata["name"], **_urls(version, report.id)}
        for report in list(store.reports.values())
    ]
    return JSONResponse(body)


@router.post("/analytics/reports")
@_report_errors
async def create_report(version: str, request: Request) -> Response:
    body = await _json_body(request)
    metadata = body.get("reportMetadata")
    if not isinstance(metadata, dict):
        message = "The request body needs a reportMetadata object"
        raise ReportError(message)
    report = report_store(_state(request)).create(metadata)
    return JSONResponse(_describe(version, report))


@router.get("/analytics/reports/{report_id}/describe")
@_report_errors
async def describe_report(version: str, report_id: str, request: Request) -> Response:
    report = report_store(_state(request)).get(report_id)
    return JSONResponse(_describe(version, report))


@router.delete("/analytics/reports/{report_id}")
@_report_errors
async def delete_report(version: str, report_id: str, request: Request) -> Response:
    report_store(_state(request)).delete(report_id)
    return Response(status_code=204)


def _run(version: str, request: Request, report_id: str, overrides: dict[str, Any]) -> Response:
    state = _state(request)
    store = report_store(state)
    store.get(report_id)
    store.count_run(state.clock.now())
    return JSONResponse(_run_body(version, request, report_id, overrides))


def _run_body(version: str, request: Request, report_id: str, overrides: dict[str, Any]) -> dict[str, Any]:
    state = _state(request)
    report = report_store(state).get(report_id)
    metadata = dict(report.metadata)
    for key in _OVERRIDABLE:
        if key in overrides:
            metadata[key] = overrides[key]
    include_details = request.query_params.get("includeDetails", "false").lower() == "true"
    attributes = {"type": "Report", "reportId": report.id, "reportName": report.metadata["name"],
                  "describeUrl": _urls(version, report.id)["describeUrl"],
                  "instancesUrl": _urls(version, report.id)["instancesUrl"]}
    return run_report(state.queries, report.report_type, metadata, include_details=include_details,
                      attributes=attributes)


@router.get("/analytics/reports/{report_id}")
@_report_errors
async def run_report_get(version: str, report_id: str, request: Request) -> Response:
    return await run_in_threadpool(_run, version, request, report_id, {})


@router.post("/analytics/reports/{report_id}")
@_report_errors
async def run_report_post(version: str, report_id: str, request: Request) -> Response:
    body = await _json_body(request)
    overrides = body.get("reportMetadata") or {}
    if not isinstance(overrides, dict):
        message = "reportMetadata must be a JSON object of overrides"
        raise ReportError(message)
    return await run_in_threadpool(_run, version, request, report_id, overrides)


# -- asynchronous runs -----------------------------------------------------------
# The sandbox runs an instance at once. Creation reports "New", as Salesforce does, and
# the fetched instance reports "Success".


def _instance_summary(version: str, report_id: str, instance_id: str, body: dict[str, Any]) -> dict[str, Any]:
    attributes = body["attributes"]
    return {
        "id": instance_id,
        "status": attributes["status"],
        "url": f"/services/data/v{version}/analytics/reports/{report_id}/instances/{instance_id}",
        "ownerId": attributes["ownerId"],
        "hasDetailRows": body["hasDetailRows"],
        "requestDate": attributes["requestDate"],
        "completionDate": attributes["completionDate"],
    }


def _run_instance(version: str, request: Request, report_id: str, overrides: dict[str, Any]) -> Response:
    state = _state(request)
    store = report_store(state)
    report = store.get(report_id)
    instance_id = new_instance_id()
    requested = format_timestamp(state.clock.now())
    body = _run_body(version, request, report_id, overrides)
    body["attributes"] = {
        "type": "ReportInstance",
        "id": instance_id,
        "reportId": report.id,
        "reportName": report.metadata["name"],
        "status": "Success",
        "ownerId": state.default_user.user_id,
        "requestDate": requested,
        "completionDate": format_timestamp(state.clock.now()),
    }
    with store.lock:
        store.instances[instance_id] = (report.id, body)
    summary = _instance_summary(version, report.id, instance_id, body)
    return JSONResponse({**summary, "status": "New", "completionDate": None})


@router.post("/analytics/reports/{report_id}/instances")
@_report_errors
async def create_instance(version: str, report_id: str, request: Request) -> Response:
    body = await _json_body(request)
    overrides = body.get("reportMetadata") or {}
    if not isinstance(overrides, dict):
        message = "reportMetadata must be a JSON object of overrides"
        raise ReportError(message)
    return await run_in_threadpool(_run_instance, version, request, report_id, overrides)


@router.get("/analytics/reports/{report_id}/instances")
@_report_errors
async def list_instances(version: str, report_id: str, request: Request) -> Response:
    store = report_store(_state(request))
    report = store.get(report_id)
    with store.lock:
        found = [(key, body) for key, (owner, body) in store.instances.items() if owner == report.id]
    return JSONResponse([_instance_summary(version, report.id, key, body) for key, body in found])


@router.get("/analytics/reports/{report_id}/instances/{instance_id}")
@_report_errors
async def get_instance(version: str, report_id: str, instance_id: str, request: Request) -> Response:
    store = report_store(_state(request))
    report = store.get(report_id)
    found = store.instances.get(instance_id)
    if found is None or found[0] != report.id:
        message = "The requested resource does not exist"
        raise ReportError(message, "NOT_FOUND", 404)
    return JSONResponse(found[1])
