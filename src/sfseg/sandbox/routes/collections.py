"""sObject Collections: create, update, upsert, delete and retrieve up to 200 records
in one call (`/composite/sobjects`).

Record errors never fail the call: the response is 200 with one result per record, in
input order, whose errors use the key `statusCode` (top-level REST errors use
`errorCode`). A failed create has no `id` key. With `allOrNone` one failure rolls
every write back and the other records report ALL_OR_NONE_OPERATION_ROLLED_BACK.
Record-level faults (UNABLE_TO_LOCK_ROW on a share of rows) are drawn per record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sfseg.sandbox.routes.deps import ApiError, ApiResponse, Endpoint, RestRequest
from sfseg.sandbox.routes.sobjects import canonical_sobject
from sfseg.sandbox.state import SandboxState
from sfseg.soql.ids import is_salesforce_id, to_18

if TYPE_CHECKING:
    from sfseg.sandbox.metadata import RecordError

__all__ = ["ENDPOINTS", "MAX_RECORDS", "MAX_RETRIEVE_IDS"]

MAX_RECORDS = 200
# POST /composite/sobjects/{Type} reads up to 2,000 ids (GET is bounded by the URL limit).
MAX_RETRIEVE_IDS = 2_000
ROLLED_BACK = "ALL_OR_NONE_OPERATION_ROLLED_BACK"
ROLLED_BACK_MESSAGE = (
    "Record rolled back because not all records were valid and the request was using "
    "AllOrNone header"
)
LOCK_MESSAGE = "unable to obtain exclusive access to this record"


@dataclass(slots=True)
class _Outcome:
    """One record's result while a collections call runs."""

    id: str | None = None
    success: bool = True
    created: bool | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    keep_id_on_failure: bool = False

    def fail(self, code: str, message: str, fields: list[str] | None = None) -> None:
        self.success = False
        self.errors = [{"statusCode": code, "message": message, "fields": fields or []}]

    def fail_record(self, exc: RecordError) -> None:
        """Fail with every validation error of the record, as Salesforce lists them."""
        self.success = False
        self.errors = [
            {"statusCode": error.error_code, "message": str(error.message),
             "fields": list(error.fields or [])}
            for error in exc.errors
        ]

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if self.id is not None and (self.success or self.keep_id_on_failure):
            body["id"] = self.id
        body["success"] = self.success
        body["errors"] = self.errors
        if self.created is not None:
            body["created"] = self.created
        return body


class _RollBackError(Exception):
    """Raised inside the org transaction so an allOrNone call leaves nothing behind."""


def _too_many(limit: int) -> ApiError:
    message = f"record limit reached. cannot submit more than {limit} records into this call"
    return ApiError(400, "EXCEEDED_ID_LIMIT", message)


def _all_or_none(value: object) -> bool:
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


def _records(request: RestRequest) -> tuple[list[dict[str, Any]], bool]:
    body = request.json_object()
    records = body.get("records")
    if not isinstance(records, list) or not all(isinstance(item, dict) for item in records):
        raise ApiError(400, "INVALID_FIELD", "records must be a JSON array of sObjects")
    if len(records) > MAX_RECORDS:
        raise _too_many(MAX_RECORDS)
    return records, _all_or_none(body.get("allOrNone", False))


def _record_type(state: SandboxState, record: dict[str, Any]) -> str | None:
    attributes = record.get("attributes")
    name = attributes.get("type") if isinstance(attributes, dict) else None
    schema = state.org.schema.get(name) if isinstance(name, str) else None
    return str(schema.name) if schema is not None else None


def _fields_of(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key != "attributes"}


def _run_each(
    state: SandboxState,
    request: RestRequest,
    items: list[Any],
    all_or_none: bool,
    write: Callable[[Any, _Outcome], None],
) -> list[_Outcome]:
    """Write every item in order, then roll all back if allOrNone and one failed."""
    from sfseg.sandbox.org import RecordError

    outcomes = [_Outcome() for _ in items]

    def write_all() -> None:
        for item, outcome in zip(items, outcomes, strict=True):
            fault = state.faults.record_fault(request.method, request.path)
            if fault is not None:
                outcome.fail(fault, LOCK_MESSAGE)
                continue
            try:
                write(item, outcome)
            except RecordError as exc:
                outcome.fail_record(exc)
        if all_or_none and not all(outcome.success for outcome in outcomes):
            raise _RollBackError

    try:
        with state.org.transaction():
            write_all()
    except _RollBackError:
        for outcome in outcomes:
            if outcome.success:
                outcome.fail(ROLLED_BACK, ROLLED_BACK_MESSAGE)
    return outcomes


def _results_response(outcomes: list[_Outcome]) -> ApiResponse:
    return ApiResponse(200, [outcome.to_json() for outcome in outcomes])


# Operations ---------------------------------------------------------------------------


def create(state: SandboxState, request: RestRequest) -> ApiResponse:
    records, all_or_none = _records(request)

    def write(record: dict[str, Any], outcome: _Outcome) -> None:
        sobject = _record_type(state, record)
        if sobject is None:
            outcome.fail("INVALID_TYPE", "sObject type is missing or not supported in attributes")
            return
        fields = _fields_of(record)
        if any(key.lower() == "id" for key in fields):
            outcome.fail("INVALID_FIELD", "Cannot specify Id in an insert call", ["Id"])
            return
        outcome.id = state.org.create(sobject, fields)

    return _results_response(_run_each(state, request, records, all_or_none, write))


def update(state: SandboxState, request: RestRequest) -> ApiResponse:
    records, all_or_none = _records(request)

    def write(record: dict[str, Any], outcome: _Outcome) -> None:
        fields = _fields_of(record)
        record_id = next((fields.pop(key) for key in list(fields) if key.lower() == "id"), None)
        if not isinstance(record_id, str) or not record_id:
            outcome.fail("MISSING_ARGUMENT", "Id not specified in an update call")
            return
        if is_salesforce_id(record_id):
            outcome.id = to_18(record_id)
            outcome.keep_id_on_failure = True
        sobject = _record_type(state, record)
        if sobject is None:
            outcome.fail("INVALID_TYPE", "sObject type is missing or not supported in attributes")
            return
        state.org.update(sobject, record_id, fields)

    return _results_response(_run_each(state, request, records, all_or_none, write))


def upsert(state: SandboxState, request: RestRequest) -> ApiResponse:
    from sfseg.sandbox.org import MultipleMatchesError

    sobject = canonical_sobject(state, request.path_params["sobject"])
    external_field = request.path_params["field"]
    schema = state.org.schema.get(sobject)
    found = schema.field(external_field) if schema is not None else None
    if found is None or not (found.external_id or found.name == "Id"):
        message = f"Provided external ID field does not exist or is not accessible: {external_field}"
        raise ApiError(404, "NOT_FOUND", message)
    records, all_or_none = _records(request)

    def write(record: dict[str, Any], outcome: _Outcome) -> None:
        fields = _fields_of(record)
        value = next((v for k, v in fields.items() if k.lower() == found.name.lower()), None)
        if value is None or value == "":
            outcome.fail("MISSING_ARGUMENT", f"{found.name} not specified", [found.name])
            return
        try:
            record_id, created = state.org.upsert(sobject, found.name, str(value), fields)
        except MultipleMatchesError as exc:
            message = f"more than one record found for external id field: {list(exc.ids)}"
            outcome.fail("DUPLICATE_EXTERNAL_ID", message, [found.name])
            return
        outcome.id, outcome.created = record_id, created
        outcome.keep_id_on_failure = True

    return _results_response(_run_each(state, request, records, all_or_none, write))


def delete(state: SandboxState, request: RestRequest) -> ApiResponse:
    ids = [value for value in request.query.get("ids", "").split(",") if value]
    if not ids:
        raise ApiError(400, "MISSING_ARGUMENT", "ids must name at least one record")
    if len(ids) > MAX_RECORDS:
        raise _too_many(MAX_RECORDS)
    all_or_none = _all_or_none(request.query.get("allOrNone", "false"))

    def write(record_id: str, outcome: _Outcome) -> None:
        schema = state.org.schema.by_key_prefix(record_id[:3]) if is_salesforce_id(record_id) else None
        if schema is None:
            outcome.fail("MALFORMED_ID", f"malformed id {record_id}")
            return
        outcome.id = to_18(record_id)
        outcome.keep_id_on_failure = True
        state.org.delete(schema.name, record_id)

    return _results_response(_run_each(state, request, ids, all_or_none, write))


def _retrieve_many(
    state: SandboxState, request: RestRequest, ids: list[str], fields: list[str] | None
) -> ApiResponse:
    from sfseg.sandbox.org import RecordError

    sobject = canonical_sobject(state, request.path_params["sobject"])
    records: list[dict[str, Any] | None] = []
    for record_id in ids:
        try:
            records.append(state.org.retrieve(sobject, record_id, fields, request.version))
        except RecordError as exc:
            if exc.error_code == "INVALID_FIELD":
                raise
            records.append(None)  # an invalid, deleted or other-type id gets null
    return ApiResponse(200, records)


def _split(raw: str | None) -> list[str]:
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


def retrieve_get(state: SandboxState, request: RestRequest) -> ApiResponse:
    ids = _split(request.query.get("ids"))
    if not ids:
        raise ApiError(400, "MISSING_ARGUMENT", "ids must name at least one record")
    fields = _split(request.query.get("fields")) or None
    return _retrieve_many(state, request, ids, fields)


def retrieve_post(state: SandboxState, request: RestRequest) -> ApiResponse:
    body = request.json_object()
    ids, fields = body.get("ids"), body.get("fields")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise ApiError(400, "MISSING_ARGUMENT", "ids must be a JSON array of record ids")
    if len(ids) > MAX_RETRIEVE_IDS:
        raise _too_many(MAX_RETRIEVE_IDS)
    if fields is not None and not (isinstance(fields, list) and all(isinstance(f, str) for f in fields)):
        raise ApiError(400, "INVALID_FIELD", "fields must be a JSON array of field names")
    return _retrieve_many(state, request, ids, fields or None)


ENDPOINTS = [
    Endpoint(("POST",), "/composite/sobjects", create, heavy=True),
    Endpoint(("PATCH",), "/composite/sobjects", update, heavy=True),
    Endpoint(("DELETE",), "/composite/sobjects", delete, heavy=True),
    Endpoint(("GET",), "/composite/sobjects/{sobject}", retrieve_get, heavy=True),
    Endpoint(("POST",), "/composite/sobjects/{sobject}", retrieve_post, heavy=True),
    Endpoint(("PATCH",), "/composite/sobjects/{sobject}/{field}", upsert, heavy=True),
]
