"""Bulk API 2.0: ingest any number of records and stream large query results.

An ingest writes the records as CSV (see `bulk2_csv`), one job per upload of at most
100 MB, and returns one result per input record in input order. A query job's results
are read page by page and typed from describe (see `bulk2_query`).

API calls per ingest job: create, upload, close, one per poll, then one per result file
that has rows (successful, failed, unprocessed). A query costs create, polls and one
call per page.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sfseg.salesforce import wire
from sfseg.salesforce.bulk2_csv import (
    MAX_UPLOAD_BYTES,
    CsvPart,
    InvalidValueError,
    collect_columns,
    split_records,
)
from sfseg.salesforce.bulk2_jobs import (
    BulkJobError,
    JobKind,
    JobState,
    PollPolicy,
    job_path,
    wait_for_job,
)
from sfseg.salesforce.bulk2_query import (
    ColumnTyper,
    expand_compound_fields,
    iter_result_pages,
    parse_page,
)
from sfseg.salesforce.bulk2_results import BulkRowResult, ResultMatcher, iter_csv_rows
from sfseg.salesforce.errors import ConfigurationError, SalesforceError
from sfseg.salesforce.records import RecordErrorDetail, RecordResult
from sfseg.soql import ast

if TYPE_CHECKING:
    from sfseg.salesforce.client import SalesforceClient

__all__ = [
    "DEFAULT_QUERY_PAGE_SIZE",
    "INGEST_OPERATIONS",
    "Bulk2",
    "BulkJobError",
    "IngestResult",
    "JobState",
    "PollPolicy",
]

INGEST_OPERATIONS = frozenset({"insert", "update", "upsert", "delete", "hardDelete"})
# Rows per results page; Salesforce lets the caller choose (maxRecords) and this keeps a
# page of typical segment rows within a few megabytes.
DEFAULT_QUERY_PAGE_SIZE = 50_000
# Status code given to rows the client never sent or Salesforce never processed.
NOT_SENT_CODE = "INVALID_TYPE_ON_FIELD_IN_RECORD"
NOT_PROCESSED_CODE = "NOT_PROCESSED"


@dataclass
class IngestResult:
    """The outcome of one ingest: one `RecordResult` per input record, in input order.

    `api_calls` counts every call the ingest made. `partial` is True when any record
    failed, so a run with failures never reads as a plain success.

    NOTE: `api_calls` is the change in `client.api_calls`, so calls that other threads
    make on the same client meanwhile are counted too.
    """

    records: list[RecordResult]
    job_ids: list[str] = field(default_factory=list)
    api_calls: int = 0

    @property
    def succeeded(self) -> int:
        """Number of records written."""
        return sum(1 for result in self.records if result.success)

    @property
    def failed(self) -> int:
        """Number of records not written (rejected, failed or not processed)."""
        return len(self.records) - self.succeeded

    @property
    def partial(self) -> bool:
        return self.failed > 0


def _record_result(row: BulkRowResult) -> RecordResult:
    errors = [RecordErrorDetail(error.status_code, error.message, list(error.fields)) for error in row.errors]
    return RecordResult(id=row.id, success=row.success, created=row.created, errors=errors)


def _failure(code: str, message: str, fields: list[str] | None = None) -> RecordResult:
    return RecordResult(id=None, success=False, created=None, errors=[RecordErrorDetail(code, message, fields or [])])


class Bulk2:
    """Bulk API 2.0 over a `SalesforceClient` (use `client.bulk2`).

    Args:
        client: the connected client; every call goes through `client.request`.
        max_upload_bytes: the largest CSV upload, header included; one job per upload.
        max_records_per_job: the maximum number of records per job, or None for no count limit.
        poll: how often to ask for a job's state.
        page_size: rows per query results page (`maxRecords`).
    """

    def __init__(
        self,
        client: SalesforceClient,
        *,
        max_upload_bytes: int = MAX_UPLOAD_BYTES,
        max_records_per_job: int | None = None,
        poll: PollPolicy | None = None,
        page_size: int = DEFAULT_QUERY_PAGE_SIZE,
    ) -> None:
        self._client = client
        self.max_upload_bytes = max_upload_bytes
        self.max_records_per_job = max_records_per_job
        self.poll = poll or PollPolicy()
        self.page_size = page_size

    # -- ingest --------------------------------------------------------------

    def ingest(
        self,
        sobject: str,
        operation: str,
        records: Iterable[Mapping[str, Any]],
        *,
        external_id_field: str | None = None,
        field_types: dict[str, str] | None = None,
    ) -> IngestResult:
        """Write records with Bulk API 2.0 and return one result per record, in input order.

        A key absent from a record leaves that field unchanged; a None value sets it to
        null. A record with a value that has no exact CSV form (NaN, a naive datetime)
        is not sent and gets a failed result naming the column.

        Args:
            sobject: the object API name, e.g. `CampaignMember`.
            operation: insert, update, upsert, delete or hardDelete.
            records: mappings of field name to value; update and delete need `Id`.
            external_id_field: the External ID field an upsert matches on.
            field_types: describe `type` by field name; read from describe when None.

        Raises:
            ConfigurationError: an unknown operation, or upsert without external_id_field.
            BulkJobError: a job ended Failed or Aborted; `.result` contains the results so far.
            SalesforceError: a call failed after the client's retries.
        """
        self._check_operation(operation, external_id_field)
        rows = list(records)
        columns = collect_columns(rows)
        types = field_types if field_types is not None else self._field_types(sobject)
        calls_before = self._client.api_calls
        results: list[RecordResult | None] = [None] * len(rows)
        result = IngestResult(records=[])

        rejected: list[tuple[int, InvalidValueError]] = []
        parts = split_records(
            rows,
            columns,
            field_types=types,
            max_bytes=self.max_upload_bytes,
            max_records=self.max_records_per_job,
            rejected=rejected,
        )
        try:
            for part in parts:
                self._flush_rejected(rejected, results)
                self._run_job(sobject, operation, external_id_field, columns, part, results, result)
            self._flush_rejected(rejected, results)
        except BulkJobError as error:
            error.result = self._finish(result, results, calls_before)
            raise
        return self._finish(result, results, calls_before)

    @staticmethod
    def _check_operation(operation: str, external_id_field: str | None) -> None:
        if operation not in INGEST_OPERATIONS:
            message = f"Bulk operation {operation!r} is unknown; use one of {', '.join(sorted(INGEST_OPERATIONS))}"
            raise ConfigurationError(message)
        if operation == "upsert" and not external_id_field:
            message = "a Bulk upsert needs external_id_field, the External ID field to match records on"
            raise ConfigurationError(message)

    def _field_types(self, sobject: str) -> dict[str, str]:
        described = self._client.describe(sobject)
        return {name: field.type for name, field in described.fields.items()}

    @staticmethod
    def _flush_rejected(rejected: list[tuple[int, InvalidValueError]], results: list[RecordResult | None]) -> None:
        for index, error in rejected:
            message = f"not sent: {error}"
            results[index] = _failure(NOT_SENT_CODE, message, [error.column])
        rejected.clear()

    def _finish(self, result: IngestResult, results: list[RecordResult | None], calls_before: int) -> IngestResult:
        missing = "Salesforce returned no result for this row"
        result.records = [item if item is not None else _failure(NOT_PROCESSED_CODE, missing) for item in results]
        result.api_calls = self._client.api_calls - calls_before
        return result

    def _create_ingest_job(self, sobject: str, operation: str, external_id_field: str | None) -> str:
        body: dict[str, Any] = {
            "object": sobject,
            "operation": operation,
            "contentType": "CSV",
            "lineEnding": "LF",
            "columnDelimiter": "COMMA",
        }
        if external_id_field:
            body["externalIdFieldName"] = external_id_field
        # A repeated create leaves at most one empty Open job behind, which Salesforce
        # removes after 24 hours, so the call may be replayed.
        response = self._client.request("POST", job_path(self._client, JobKind.INGEST), json=body, replay_safe=True)
        return str(wire.loads(response.content)["id"])

    def _upload_and_close(self, job_id: str, part: CsvPart) -> None:
        # A replayed upload would append the rows a second time, so it is never replayed.
        self._client.request(
            "PUT",
            job_path(self._client, JobKind.INGEST, job_id, "batches"),
            content=part.data,
            headers={"Content-Type": "text/csv"},
            replay_safe=False,
        )
        try:
            self._client.request(
                "PATCH",
                job_path(self._client, JobKind.INGEST, job_id),
                json={"state": JobState.UPLOAD_COMPLETE.value},
                replay_safe=True,
            )
        except SalesforceError:
            # A replayed close (its first response lost) is rejected as a state change,
            # but the job is closed all the same when it has left Open.
            path = job_path(self._client, JobKind.INGEST, job_id)
            info = wire.loads(self._client.request("GET", path, replay_safe=True).content)
            if info.get("state") == JobState.OPEN.value:
                raise

    def _run_job(
        self,
        sobject: str,
        operation: str,
        external_id_field: str | None,
        columns: list[str],
        part: CsvPart,
        results: list[RecordResult | None],
        result: IngestResult,
    ) -> None:
        job_id = self._create_ingest_job(sobject, operation, external_id_field)
        result.job_ids.append(job_id)
        self._upload_and_close(job_id, part)
        try:
            info = wait_for_job(self._client, JobKind.INGEST, job_id, self.poll)
        except BulkJobError as error:
            self._collect(job_id, error.job_info, columns, part, results, stopped=error.message)
            raise
        self._collect(job_id, info, columns, part, results, stopped=None)

    def _result_text(self, job_id: str, name: str) -> str:
        path = job_path(self._client, JobKind.INGEST, job_id, name)
        return self._client.request("GET", path, headers={"Accept": "text/csv"}, replay_safe=True).text

    def _collect(
        self,
        job_id: str,
        info: Mapping[str, Any],
        columns: list[str],
        part: CsvPart,
        results: list[RecordResult | None],
        stopped: str | None,
    ) -> None:
        uploaded = itertools.islice(iter_csv_rows(part.data.decode("utf-8")), 1, None)
        matcher = ResultMatcher(columns, zip(part.row_indexes, uploaded, strict=True))
        processed = int(info.get("numberRecordsProcessed") or 0)
        failed = int(info.get("numberRecordsFailed") or 0)
        if processed > failed:
            matcher.add_successful(self._result_text(job_id, "successfulResults"))
        if failed:
            matcher.add_failed(self._result_text(job_id, "failedResults"))
        for index, row in matcher.results.items():
            results[index] = _record_result(row)
        reason = stopped or f"job {job_id} returned no result for this row"
        for index in matcher.missing():
            results[index] = _failure(NOT_PROCESSED_CODE, f"not processed: {reason}")

    # -- query ---------------------------------------------------------------

    def query(self, soql: str | ast.Query, *, include_deleted: bool = False) -> Iterator[dict[str, Any]]:
        """Run a Bulk API 2.0 query job and yield its rows, typed from describe.

        Compound fields (`MailingAddress`) are replaced by their component fields before
        the query is sent, because Bulk query refuses them. Rows are dicts keyed by the
        column header (`Account.Name` for a parent field); nulls are None. Pages are read
        lazily, one at a time. A query with no rows yields nothing.

        Raises:
            BulkJobError: the job ended Failed or Aborted.
            SalesforceError: a call failed after the client's retries.
        """
        from sfseg import soql as soql_layer

        query = soql if isinstance(soql, ast.Query) else soql_layer.parse(soql)
        return self._query_rows(query, include_deleted)

    def _query_rows(self, query: ast.Query, include_deleted: bool) -> Iterator[dict[str, Any]]:
        from sfseg import soql as soql_layer

        query = expand_compound_fields(query, self._client.describe)
        body = {
            "operation": "queryAll" if include_deleted else "query",
            "query": soql_layer.render(query),
            "contentType": "CSV",
            "columnDelimiter": "COMMA",
            "lineEnding": "LF",
        }
        response = self._client.request("POST", job_path(self._client, JobKind.QUERY), json=body, replay_safe=True)
        job_id = str(wire.loads(response.content)["id"])
        wait_for_job(self._client, JobKind.QUERY, job_id, self.poll)

        typer = ColumnTyper(self._client.describe(query.from_.sobject), self._client.describe)
        results_path = job_path(self._client, JobKind.QUERY, job_id, "results")
        for page in iter_result_pages(self._client, results_path, self.page_size):
            yield from parse_page(page, typer)
