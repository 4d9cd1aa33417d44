"""Bulk API 2.0 endpoints: `/jobs/ingest` and `/jobs/query` under `/services/data/vXX.X`.

The app's middleware authenticates and counts every call; these handlers do the work.
Create and close return 200 with job info, an upload returns 201 with an empty body,
and a job's failed-row file is `failedResults` while the never-processed one is the
all-lower-case `unprocessedrecords` (Bulk API 2.0 guide).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from sfseg.sandbox.bulk import codes
from sfseg.sandbox.bulk.csvdata import parse_upload, write_csv
from sfseg.sandbox.bulk.jobs import (
    DELIMITERS,
    INGEST_OPERATIONS,
    LINE_ENDINGS,
    QUERY_OPERATIONS,
    BulkApiError,
    BulkJob,
    IngestJob,
    JobState,
    QueryJob,
    new_job_id,
)
from sfseg.sandbox.bulk.query import QueryResults, decode_locator, select_columns
from sfseg.sandbox.bulk.service import BulkService, bulk_service
from sfseg.sandbox.query import QueryError
from sfseg.sandbox.state import SandboxState

__all__ = ["router"]

router = APIRouter()

_CSV = "text/csv"
# A multipart job create may carry at most 100,000 characters of CSV ("Create a Job and
# Upload Data" in the Bulk API 2.0 guide).
MULTIPART_MAX_CHARS = 100_000
_Handler = Callable[..., Coroutine[Any, Any, Response]]


def _state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


def _error(exc: BulkApiError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.http_status)


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except json.JSONDecodeError as exc:
        message = f"The request body is not valid JSON: {exc.msg}"
        raise BulkApiError(codes.JSON_PARSER_ERROR, message) from exc
    if not isinstance(body, dict):
        raise BulkApiError(codes.JSON_PARSER_ERROR, "The request body must be a JSON object")
    return body


def _format_options(body: dict[str, Any]) -> tuple[str, str]:
    delimiter = str(body.get("columnDelimiter") or "COMMA")
    line_ending = str(body.get("lineEnding") or "LF")
    if delimiter not in DELIMITERS:
        message = f"Invalid columnDelimiter {delimiter}; use one of {', '.join(DELIMITERS)}"
        raise BulkApiError(codes.INVALIDJOB, message)
    if line_ending not in LINE_ENDINGS:
        raise BulkApiError(codes.INVALIDJOB, f"Invalid lineEnding {line_ending}; use LF or CRLF")
    content_type = str(body.get("contentType") or "CSV")
    if content_type != "CSV":
        raise BulkApiError(codes.INVALIDJOB, f"Invalid contentType {content_type}; Bulk API 2.0 takes CSV")
    return delimiter, line_ending


def _new_ingest_job(state: SandboxState, version: str, body: dict[str, Any]) -> IngestJob:
    operation = str(body.get("operation") or "")
    if operation not in INGEST_OPERATIONS:
        message = f"Invalid operation {operation!r}; use one of {', '.join(sorted(INGEST_OPERATIONS))}"
        raise BulkApiError(codes.INVALIDJOB, message)
    sobject = state.org.schema.get(str(body.get("object") or ""))
    if sobject is None:
        raise BulkApiError(codes.INVALIDJOB, f"Unable to find object: {body.get('object')}")
    external_id = body.get("externalIdFieldName")
    if operation == "upsert":
        field = sobject.field(str(external_id or ""))
        if field is None or not (field.external_id or field.id_lookup):
            message = (
                f"External ID was blank or not an External ID field for {sobject.name}: "
                f"{external_id}. An upsert needs an External ID or idLookup field."
            )
            raise BulkApiError(codes.INVALIDJOB, message)
        external_id = field.name
    delimiter, line_ending = _format_options(body)
    now = state.clock.now()
    return IngestJob(
        id=new_job_id(),
        operation=operation,
        object=sobject.name,
        api_version=version,
        created_by_id=state.default_user.user_id,
        created_date=now,
        system_modstamp=now,
        column_delimiter=delimiter,
        line_ending=line_ending,
        external_id_field=str(external_id) if operation == "upsert" else None,
    )


def _bulk_errors(handler: _Handler) -> _Handler:
    """Turn a BulkApiError raised by a handler into Salesforce's error body."""

    @functools.wraps(handler)
    async def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return await handler(*args, **kwargs)
        except BulkApiError as exc:
            return _error(exc)

    return wrapper


# -- ingest ------------------------------------------------------------------


@router.post("/jobs/ingest")
@_bulk_errors
async def create_ingest_job(version: str, request: Request) -> Response:
    state = _state(request)
    service = bulk_service(state)
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        body, data = await _multipart_job(request)
    else:
        body, data = await _json_body(request), None
    job = _new_ingest_job(state, version, body)
    service.add(job)
    if data is not None:
        # A multipart create carries its data and starts in UploadComplete.
        job.upload.extend(data)
        job.uploads = 1
        job.set_state(JobState.UPLOAD_COMPLETE, state.clock.now())
        service.submit(state, job)
    return JSONResponse(job.info(detailed=False))


async def _multipart_job(request: Request) -> tuple[dict[str, Any], bytes]:
    """Read the `job` (JSON) and `content` (CSV) parts of a multipart job create."""
    form = await request.form()
    job_part, content_part = form.get("job"), form.get("content")
    if job_part is None or content_part is None:
        message = "A multipart job create needs a 'job' part (JSON) and a 'content' part (CSV)"
        raise BulkApiError(codes.INVALIDJOB, message)
    job_text = job_part if isinstance(job_part, str) else (await job_part.read()).decode("utf-8")
    data = content_part.encode("utf-8") if isinstance(content_part, str) else await content_part.read()
    if len(data.decode("utf-8", "replace")) > MULTIPART_MAX_CHARS:
        message = (
            f"The 'content' part has more than {MULTIPART_MAX_CHARS} characters; upload larger "
            "data with PUT .../batches"
        )
        raise BulkApiError(codes.CLIENTINPUTERROR, message)
    try:
        body = json.loads(job_text)
    except json.JSONDecodeError as exc:
        message = f"The 'job' part is not valid JSON: {exc.msg}"
        raise BulkApiError(codes.JSON_PARSER_ERROR, message) from exc
    if not isinstance(body, dict):
        message = "The 'job' part must be a JSON object"
        raise BulkApiError(codes.JSON_PARSER_ERROR, message)
    return body, data


@router.get("/jobs/ingest")
@_bulk_errors
async def list_ingest_jobs(version: str, request: Request) -> Response:
    jobs = bulk_service(_state(request)).list_jobs(IngestJob)
    records = [job.info(detailed=False) for job in jobs if isinstance(job, IngestJob)]
    return JSONResponse({"done": True, "records": records, "nextRecordsUrl": None})


@router.put("/jobs/ingest/{job_id}/batches")
@_bulk_errors
async def upload_job_data(version: str, job_id: str, request: Request) -> Response:
    state = _state(request)
    service = bulk_service(state)
    job = service.get(job_id, IngestJob)
    assert isinstance(job, IngestJob)
    data = await request.body()
    with job.lock:
        if job.state is not JobState.OPEN:
            message = f"Job {job.id} is in state {job.state.value}; data can be uploaded only while it is Open"
            raise BulkApiError(codes.INVALIDJOBSTATE, message)
        if len(job.upload) + len(data) > service.settings.max_upload_bytes:
            message = (
                f"The upload of {len(job.upload) + len(data)} bytes exceeds the limit of "
                f"{service.settings.max_upload_bytes} bytes; split the data into several jobs"
            )
            raise BulkApiError(codes.CLIENTINPUTERROR, message)
        job.upload.extend(data)
        job.uploads += 1
    return Response(status_code=201)


def _change_state(state: SandboxState, service: BulkService, job: BulkJob, body: dict[str, Any]) -> None:
    requested = str(body.get("state") or "")
    with job.lock:
        closing = requested == JobState.UPLOAD_COMPLETE and job.state is JobState.OPEN
        aborting = requested == JobState.ABORTED and not job.terminal
        if not (closing or aborting):
            message = f"Changing job {job.id} from {job.state.value} to {requested or 'no state'} is not allowed"
            raise BulkApiError(codes.INVALIDJOBSTATE, message)
        job.set_state(JobState(requested), state.clock.now())
    if closing:
        service.submit(state, job)


@router.patch("/jobs/ingest/{job_id}")
@_bulk_errors
async def change_ingest_job(version: str, job_id: str, request: Request) -> Response:
    state = _state(request)
    service = bulk_service(state)
    job = service.get(job_id, IngestJob)
    _change_state(state, service, job, await _json_body(request))
    assert isinstance(job, IngestJob)
    return JSONResponse(job.info(detailed=False))


@router.get("/jobs/ingest/{job_id}")
@_bulk_errors
async def get_ingest_job(version: str, job_id: str, request: Request) -> Response:
    job = bulk_service(_state(request)).get(job_id, IngestJob)
    assert isinstance(job, IngestJob)
    with job.lock:
        return JSONResponse(job.info(detailed=True))


def _delete(service: BulkService, job: BulkJob) -> Response:
    if job.state in (JobState.OPEN, JobState.IN_PROGRESS) or (
        isinstance(job, QueryJob) and job.state is JobState.UPLOAD_COMPLETE
    ):
        message = "Error encountered when deleting the job because the job is not terminated"
        raise BulkApiError(codes.API_ERROR, message)
    service.remove(job.id)
    return Response(status_code=204)


@router.delete("/jobs/ingest/{job_id}")
@_bulk_errors
async def delete_ingest_job(version: str, job_id: str, request: Request) -> Response:
    service = bulk_service(_state(request))
    return _delete(service, service.get(job_id, IngestJob))


async def _ingest_results(request: Request, job_id: str, kind: str) -> Response:
    job = bulk_service(_state(request)).get(job_id, IngestJob)
    assert isinstance(job, IngestJob)
    # Writing a 100,000-row results file takes about a second (measured on two cores). On
    # the event loop that would stall every other request, polls included, so a thread does it.
    data = await run_in_threadpool(_results_csv, job, kind)
    return Response(data, media_type=_CSV)


def _results_csv(job: IngestJob, kind: str) -> bytes:
    """Write one of a job's result files; `kind` is successful, failed or unprocessed."""
    newline, delimiter = job.newline, job.delimiter
    upload = b""
    with job.lock:
        # Copies, so that the worker can go on recording rows while the CSV is written.
        header = list(job.header)
        if kind == "unprocessed":
            rows = job.rows[job.records_processed :] if job.rows else []
            if not job.rows:
                upload = bytes(job.upload)
        elif kind == "successful":
            rows = [[record_id, created, *cells] for record_id, created, cells in job.successes]
        else:
            rows = [[record_id, error, *cells] for record_id, error, cells in job.failures]
    if kind == "unprocessed":
        if upload:
            header, rows = parse_upload(upload, delimiter)
        return write_csv(header, rows, delimiter=delimiter, newline=newline)
    first = ["sf__Id", "sf__Created"] if kind == "successful" else ["sf__Id", "sf__Error"]
    return write_csv([*first, *header], rows, delimiter=delimiter, newline=newline)


@router.get("/jobs/ingest/{job_id}/successfulResults")
@router.get("/jobs/ingest/{job_id}/successfulResults/")
@_bulk_errors
async def successful_results(version: str, job_id: str, request: Request) -> Response:
    return await _ingest_results(request, job_id, "successful")


@router.get("/jobs/ingest/{job_id}/failedResults")
@router.get("/jobs/ingest/{job_id}/failedResults/")
@_bulk_errors
async def failed_results(version: str, job_id: str, request: Request) -> Response:
    return await _ingest_results(request, job_id, "failed")


@router.get("/jobs/ingest/{job_id}/unprocessedrecords")
@router.get("/jobs/ingest/{job_id}/unprocessedrecords/")
@_bulk_errors
async def unprocessed_records(version: str, job_id: str, request: Request) -> Response:
    return await _ingest_results(request, job_id, "unprocessed")


# -- query -------------------------------------------------------------------


def _new_query_job(state: SandboxState, version: str, body: dict[str, Any]) -> QueryJob:
    from sfseg.soql import SoqlSyntaxError, parse

    operation = str(body.get("operation") or "query")
    if operation not in QUERY_OPERATIONS:
        raise BulkApiError(codes.INVALIDJOB, f"Invalid operation {operation!r}; use query or queryAll")
    soql = str(body.get("query") or "")
    try:
        parsed = parse(soql)
    except SoqlSyntaxError as exc:
        raise BulkApiError(codes.MALFORMED_QUERY, str(exc)) from exc
    columns = select_columns(state.org.schema, parsed)
    try:
        # Compiling checks the WHERE and ORDER BY clauses, so a bad query is rejected
        # when the job is created instead of failing it later.
        state.queries.compile(parsed, include_deleted=operation == "queryAll")
    except QueryError as exc:
        raise BulkApiError(exc.error_code, exc.message, exc.http_status) from exc
    delimiter, line_ending = _format_options(body)
    now = state.clock.now()
    job = QueryJob(
        id=new_job_id(),
        operation=operation,
        object=state.org.schema.require(parsed.from_.sobject).name,
        api_version=version,
        created_by_id=state.default_user.user_id,
        created_date=now,
        system_modstamp=now,
        column_delimiter=delimiter,
        line_ending=line_ending,
        state=JobState.UPLOAD_COMPLETE,
        query=soql,
        columns=[column.header for column in columns],
    )
    job.results = QueryResults(columns, job.delimiter, job.newline)
    return job


@router.post("/jobs/query")
@_bulk_errors
async def create_query_job(version: str, request: Request) -> Response:
    state = _state(request)
    service = bulk_service(state)
    job = _new_query_job(state, version, await _json_body(request))
    service.reserve_query_job()
    service.add(job)
    service.submit(state, job)
    return JSONResponse(job.info(detailed=False))


@router.get("/jobs/query")
@_bulk_errors
async def list_query_jobs(version: str, request: Request) -> Response:
    jobs = bulk_service(_state(request)).list_jobs(QueryJob)
    records = [job.info(detailed=False) for job in jobs if isinstance(job, QueryJob)]
    return JSONResponse({"done": True, "records": records, "nextRecordsUrl": None})


@router.get("/jobs/query/{job_id}")
@_bulk_errors
async def get_query_job(version: str, job_id: str, request: Request) -> Response:
    job = bulk_service(_state(request)).get(job_id, QueryJob)
    assert isinstance(job, QueryJob)
    with job.lock:
        return JSONResponse(job.info(detailed=True))


@router.patch("/jobs/query/{job_id}")
@_bulk_errors
async def change_query_job(version: str, job_id: str, request: Request) -> Response:
    state = _state(request)
    job = bulk_service(state).get(job_id, QueryJob)
    body = await _json_body(request)
    _change_state(state, bulk_service(state), job, body)
    assert isinstance(job, QueryJob)
    return JSONResponse(job.info(detailed=False))


@router.delete("/jobs/query/{job_id}")
@_bulk_errors
async def delete_query_job(version: str, job_id: str, request: Request) -> Response:
    service = bulk_service(_state(request))
    return _delete(service, service.get(job_id, QueryJob))


def _page_size(raw: str | None, default: int) -> int:
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise BulkApiError(codes.INVALIDURL, f"maxRecords {raw!r} must be a positive whole number")
    return int(raw)


@router.get("/jobs/query/{job_id}/results")
@_bulk_errors
async def query_results(version: str, job_id: str, request: Request) -> Response:
    service = bulk_service(_state(request))
    job = service.get(job_id, QueryJob)
    assert isinstance(job, QueryJob)
    if version != job.api_version:
        # NOTE: Salesforce returns 409 here; the exact errorCode is not documented.
        message = (
            f"Job {job.id} was created with API version {job.api_version}; request its results "
            f"under /services/data/v{job.api_version}"
        )
        raise BulkApiError(codes.INVALIDVERSION, message, 409)
    if job.state is not JobState.JOB_COMPLETE:
        message = f"Job {job.id} is in state {job.state.value}; results are ready once it is JobComplete"
        raise BulkApiError(codes.INVALIDJOBSTATE, message)
    max_records = _page_size(request.query_params.get("maxRecords"), service.settings.default_page_records)
    locator = request.query_params.get("locator")
    start = decode_locator(locator) if locator and locator != "null" else 0
    results = job.results
    assert isinstance(results, QueryResults)
    data, count, next_locator = results.page(start, max_records)
    headers = {"Sforce-Locator": next_locator, "Sforce-NumberOfRecords": str(count)}
    return Response(data, media_type=_CSV, headers=headers)
