"""sObject resources: describe, create, retrieve, update, delete and upsert."""

from __future__ import annotations

from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from sfseg.sandbox.routes.deps import (
    ApiError,
    ApiResponse,
    Endpoint,
    RestRequest,
    not_found,
)
from sfseg.sandbox.state import SandboxState
from sfseg.soql.ids import is_salesforce_id

__all__ = ["ENDPOINTS", "canonical_sobject", "record_url"]


def record_url(request: RestRequest, sobject: str, record_id: str) -> str:
    return f"{request.version_prefix}/sobjects/{sobject}/{record_id}"


def canonical_sobject(state: SandboxState, name: str) -> str:
    """Return the object's API name as the schema spells it; 404 when unknown."""
    schema = state.org.schema.get(name)
    if schema is None:
        raise not_found()
    return str(schema.name)


def _external_id_missing(value: str) -> ApiError:
    message = f"Provided external ID field does not exist or is not accessible: {value}"
    return ApiError(404, "NOT_FOUND", message)


def _field_list(request: RestRequest) -> list[str] | None:
    raw = request.query.get("fields")
    if raw is None:
        return None
    return [name.strip() for name in raw.split(",") if name.strip()]


def _check_no_id(fields: dict[str, Any]) -> None:
    if any(key.lower() == "id" for key in fields):
        raise ApiError(
            400, "INVALID_FIELD", "The Id field should not be specified in the sobject data."
        )


def _record_fields(request: RestRequest) -> dict[str, Any]:
    body = request.json_object()
    body.pop("attributes", None)
    return body


# Object-level resources ---------------------------------------------------------------


def describe_global(state: SandboxState, request: RestRequest) -> ApiResponse:
    return ApiResponse(200, state.org.describe_global(request.version))


def sobject_info(state: SandboxState, request: RestRequest) -> ApiResponse:
    sobject = canonical_sobject(state, request.path_params["sobject"])
    listing = state.org.describe_global(request.version)
    entry = next(item for item in listing["sobjects"] if item["name"] == sobject)
    return ApiResponse(200, {"objectDescribe": entry, "recentItems": []})


def describe(state: SandboxState, request: RestRequest) -> ApiResponse:
    sobject = canonical_sobject(state, request.path_params["sobject"])
    # The schema never changes while the server runs, so it was last modified at start.
    modified = state.started_at
    headers = {"Last-Modified": format_datetime(modified, usegmt=True)}
    since = request.headers.get("if-modified-since")
    if since:
        try:
            if parsedate_to_datetime(since) >= modified:
                return ApiResponse(304, None, headers)
        except (TypeError, ValueError):
            pass  # Salesforce ignores a date it cannot parse and returns the full describe.
    return ApiResponse(200, state.org.describe(sobject, request.version), headers)


def create(state: SandboxState, request: RestRequest) -> ApiResponse:
    sobject = canonical_sobject(state, request.path_params["sobject"])
    fields = _record_fields(request)
    _check_no_id(fields)
    record_id = state.org.create(sobject, fields)
    return ApiResponse(
        201,
        {"id": record_id, "success": True, "errors": []},
        {"Location": record_url(request, sobject, record_id)},
    )


# Record resources -------------------------------------------------------------------


def _record_id(request: RestRequest) -> str:
    value = request.path_params["record_id"]
    if not is_salesforce_id(value):
        # Salesforce reads a non-id in the id slot as an external-id field name.
        raise _external_id_missing(value)
    return value


def retrieve(state: SandboxState, request: RestRequest) -> ApiResponse:
    sobject = canonical_sobject(state, request.path_params["sobject"])
    record_id = _record_id(request)
    record = state.org.retrieve(sobject, record_id, _field_list(request), request.version)
    return ApiResponse(200, record)


def update(state: SandboxState, request: RestRequest) -> ApiResponse:
    sobject = canonical_sobject(state, request.path_params["sobject"])
    record_id = _record_id(request)
    fields = _record_fields(request)
    fields = {key: value for key, value in fields.items() if key.lower() != "id"}
    state.org.update(sobject, record_id, fields)
    return ApiResponse(204)


def delete(state: SandboxState, request: RestRequest) -> ApiResponse:
    sobject = canonical_sobject(state, request.path_params["sobject"])
    state.org.delete(sobject, _record_id(request))
    return ApiResponse(204)


def create_with_id_path(state: SandboxState, request: RestRequest) -> ApiResponse:
    """`POST /sobjects/{Type}/Id`: an insert that names Id as its external id (v37+)."""
    if request.path_params["record_id"].lower() != "id":
        raise _external_id_missing(request.path_params["record_id"])
    return create(state, request)


# External ids -----------------------------------------------------------------------


def _multiple_choices(request: RestRequest, sobject: str, ids: list[str]) -> ApiResponse:
    return ApiResponse(300, [record_url(request, sobject, record_id) for record_id in ids])


def upsert(state: SandboxState, request: RestRequest) -> ApiResponse:
    from sfseg.sandbox.org import MultipleMatchesError

    sobject = canonical_sobject(state, request.path_params["sobject"])
    field = request.path_params["field"]
    fields = _record_fields(request)
    try:
        record_id, created = state.org.upsert(sobject, field, request.path_params["value"], fields)
    except MultipleMatchesError as exc:
        return _multiple_choices(request, sobject, list(exc.ids))
    body = {"id": record_id, "success": True, "errors": [], "created": created}
    if not created:
        return ApiResponse(200, body)
    return ApiResponse(201, body, {"Location": record_url(request, sobject, record_id)})


def retrieve_by_external_id(state: SandboxState, request: RestRequest) -> ApiResponse:
    sobject = canonical_sobject(state, request.path_params["sobject"])
    name = request.path_params["field"]
    schema = state.org.schema.get(sobject)
    found = schema.field(name) if schema is not None else None
    if found is None or not (found.external_id or found.id_lookup):
        raise _external_id_missing(name)
    ids = state.org.find_by_external_id(sobject, str(found.name), request.path_params["value"])
    if not ids:
        raise not_found()
    if len(ids) > 1:
        return _multiple_choices(request, sobject, ids)
    record = state.org.retrieve(sobject, ids[0], _field_list(request), request.version)
    return ApiResponse(200, record)


ENDPOINTS = [
    Endpoint(("GET",), "/sobjects", describe_global),
    Endpoint(("GET",), "/sobjects/{sobject}", sobject_info),
    Endpoint(("POST",), "/sobjects/{sobject}", create),
    Endpoint(("GET",), "/sobjects/{sobject}/describe", describe),
    Endpoint(("GET",), "/sobjects/{sobject}/{record_id}", retrieve),
    Endpoint(("PATCH",), "/sobjects/{sobject}/{record_id}", update),
    Endpoint(("DELETE",), "/sobjects/{sobject}/{record_id}", delete),
    Endpoint(("POST",), "/sobjects/{sobject}/{record_id}", create_with_id_path),
    Endpoint(("GET",), "/sobjects/{sobject}/{field}/{value}", retrieve_by_external_id),
    Endpoint(("PATCH",), "/sobjects/{sobject}/{field}/{value}", upsert),
]
