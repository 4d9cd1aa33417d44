"""Writing CampaignMember rows, with per-row outcomes journalled as they arrive.

REST route: rows go out as sObject Collections (200 records each) inside Composite
requests (5 collections each, so 1,000 rows per API call), at most `concurrency`
Composite requests in flight for the campaign. Bulk route: one Bulk API 2.0 ingest
job per operation.

Exactly once:
- Each chunk's items get `attempts + 1` in the store before the request goes out,
  and their outcomes in one transaction when the response arrives.
- When a response is lost (connection dropped, HTTP 5xx after commit, process
  killed), the items stay pending with attempts above zero. Before sending them
  again, their members are looked up: an add found is `created`, a removal not
  found is `removed`, and only the rest are sent again.
- Re-sending an add is safe anyway: CampaignMember is unique per campaign and
  contact or lead, and `DUPLICATE_VALUE` on insert is recorded as `already_member`.

Rows that fail with `UNABLE_TO_LOCK_ROW` are retried alone after a wait. The daily
API limit stops the run with `LimitReachedError`; the journal holds what was done.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from sfseg.salesforce import CompositeSubresponse, RecordResult, SalesforceClient
from sfseg.salesforce.bulk2 import NOT_PROCESSED_CODE
from sfseg.salesforce.errors import (
    QuotaExceededError,
    RetriableAPIError,
    SalesforceError,
    TransportError,
    error_class,
)
from sfseg.segments import jobs
from sfseg.segments.customers import CONTACT
from sfseg.segments.errorlog import record_error
from sfseg.segments.jobs import ItemState
from sfseg.segments.plan import ROWS_PER_COLLECTION, ROWS_PER_COMPOSITE, Action, Outcome
from sfseg.segments.reconcile import lookup_members
from sfseg.segments.store import Store

__all__ = [
    "TRANSIENT_ROW_ERRORS",
    "LimitReachedError",
    "Progress",
    "StopRequestedError",
    "WriteOptions",
    "Writer",
]

logger = logging.getLogger("sfseg.segments")

# Per-row error codes worth another try of the same row after a wait.
TRANSIENT_ROW_ERRORS = frozenset({"UNABLE_TO_LOCK_ROW"})
# An insert of an existing member (Salesforce: "Already a campaign member.").
DUPLICATE_MEMBER = "DUPLICATE_VALUE"
# A delete of a member that is already gone.
ALREADY_DELETED = frozenset({"ENTITY_IS_DELETED", "INVALID_CROSS_REFERENCE_KEY"})

CAMPAIGN_MEMBER = "CampaignMember"
# Describe types of the columns sent to Bulk ingest, given so the upload needs no
# describe call.
_BULK_FIELD_TYPES = {
    "Id": "id", "CampaignId": "reference", "ContactId": "reference", "LeadId": "reference", "Status": "picklist",
}  # fmt: skip


class LimitReachedError(Exception):
    """The daily API limit stopped the run; the job resumes once calls are available."""

    def __init__(self, cause: SalesforceError) -> None:
        super().__init__(str(cause))
        self.cause = cause


class StopRequestedError(Exception):
    """Raised by a `Progress` hook to stop a run at a chunk boundary and leave its job `running`.

    The job keeps no error state, so whatever resumes `running` jobs (the service at its
    next start) continues it. The service raises a subclass when it shuts down.
    """


class Progress:
    """Receives progress of long steps; the default does nothing.

    The CLI passes a Rich implementation. `total` may be None when unknown. A hook may
    raise `StopRequestedError` to stop the run.
    """

    def start(self, step: str, total: int | None) -> None:
        """Begin a step."""

    def advance(self, step: str, amount: int) -> None:
        """Report `amount` more units done in a step."""

    def finish(self, step: str) -> None:
        """End a step."""


@dataclass(slots=True)
class WriteOptions:
    """Tuning of the writer; the defaults suit Salesforce, tests shorten the waits."""

    concurrency: int = 2
    transient_retries: int = 3
    unknown_retries: int = 3
    retry_wait_s: float = 2.0
    sleep: Callable[[float], None] = time.sleep


@dataclass(slots=True)
class _Chunk:
    """One Composite request: up to five collections of up to 200 items each."""

    groups: list[list[ItemState]] = field(default_factory=list)

    @property
    def items(self) -> list[ItemState]:
        return [item for group in self.groups for item in group]


class Writer:
    """Writes a job's items to one campaign and records each outcome in the store."""

    def __init__(
        self,
        client: SalesforceClient,
        store: Store,
        campaign_id: str,
        *,
        status: str | None,
        options: WriteOptions | None = None,
        progress: Progress | None = None,
        segment_id: str | None = None,
        job_id: str | None = None,
    ) -> None:
        self.client = client
        self.store = store
        self.campaign_id = campaign_id
        self.status = status
        self.options = options or WriteOptions()
        self.progress = progress or Progress()
        self.segment_id = segment_id
        self.job_id = job_id

    # --- public ---------------------------------------------------------------

    def write_rest(self, items: Sequence[ItemState]) -> None:
        """Write pending items through Collections in Composite until each has an outcome.

        Raises:
            LimitReachedError: the daily API limit stopped the run.
        """
        todo = [item for item in items if item.outcome is Outcome.PENDING and item.action is not Action.NONE]
        self.progress.start("write", len(todo))
        transient_rounds = unknown_rounds = 0
        while todo:
            self._settle_unknown(todo)
            sendable = [item for item in todo if item.outcome is Outcome.PENDING]
            retry_rows = self._send_chunks(sendable)

            unknown = [item for item in sendable if item.outcome_unknown]
            todo = []
            if unknown:
                unknown_rounds += 1
                if unknown_rounds > self.options.unknown_retries:
                    self._fail(unknown, "OUTCOME_UNKNOWN", "no answer from Salesforce after several tries")
                else:
                    todo.extend(unknown)
            if retry_rows:
                transient_rounds += 1
                if transient_rounds > self.options.transient_retries:
                    self._fail_transient(retry_rows)
                else:
                    self.options.sleep(self.options.retry_wait_s * transient_rounds)
                    todo.extend(retry_rows)
        self.progress.finish("write")

    def write_bulk(self, items: Sequence[ItemState]) -> None:
        """Write pending items with Bulk API 2.0 ingest jobs, one per operation.

        Rows that fail with a transient error, and rows whose outcome is unknown
        after the job, go through the REST route.
        """
        todo = [item for item in items if item.outcome is Outcome.PENDING and item.action is not Action.NONE]
        self._settle_unknown(todo)
        self.progress.start("write", len(todo))
        leftovers: list[ItemState] = []
        for action in (Action.ADD, Action.UPDATE, Action.REMOVE):
            rows = [item for item in todo if item.action is action and item.outcome is Outcome.PENDING]
            if rows:
                leftovers.extend(self._bulk_operation(action, rows))
        self.progress.finish("write")
        if leftovers:
            self.write_rest(leftovers)

    # --- unknown outcomes -------------------------------------------------------

    def _settle_unknown(self, items: Sequence[ItemState]) -> None:
        """Look up members for items sent without a recorded response, and settle those found."""
        unknown = [item for item in items if item.outcome_unknown and item.resolved_id and item.sobject]
        if not unknown:
            return
        members = self._call(
            lambda: lookup_members(
                self.client, self.campaign_id, [(i.resolved_id, i.sobject) for i in unknown]  # type: ignore[misc]
            )
        )
        settled = []
        for item in unknown:
            assert item.resolved_id is not None
            member = members.get(item.resolved_id)
            if item.action is Action.ADD and member is not None:
                item.member_id = member.member_id
                item.settle(Outcome.CREATED, message="member found after a write whose response was lost")
                settled.append(item)
            elif item.action is Action.REMOVE and member is None:
                item.settle(Outcome.REMOVED, message="member gone after a delete whose response was lost")
                settled.append(item)
        logger.info(
            "write.unknown_outcomes looked_up=%d settled=%d campaign=%s",
            len(unknown), len(settled), self.campaign_id,
        )  # fmt: skip
        jobs.save_items(self.store, settled)
        self.progress.advance("write", len(settled))

    # --- REST --------------------------------------------------------------------

    def _send_chunks(self, items: Sequence[ItemState]) -> list[ItemState]:
        """Send items in Composite chunks; return the rows to retry for a transient error."""
        retry_rows: list[ItemState] = []
        chunks = iter(_chunks(items))
        limit_error: QuotaExceededError | None = None
        with ThreadPoolExecutor(max_workers=max(1, self.options.concurrency)) as pool:
            running: dict[Future[list[CompositeSubresponse] | SalesforceError], _Chunk] = {}
            while True:
                while limit_error is None and len(running) < max(1, self.options.concurrency):
                    chunk = next(chunks, None)
                    if chunk is None:
                        break
                    jobs.mark_sent(self.store, chunk.items)
                    running[pool.submit(self._send_chunk, chunk)] = chunk
                if not running:
                    break
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    chunk = running.pop(future)
                    answer = future.result()
                    if isinstance(answer, QuotaExceededError):
                        limit_error = answer
                        continue
                    retry_rows.extend(self._record_chunk(chunk, answer))
        if limit_error is not None:
            raise LimitReachedError(limit_error)
        return retry_rows

    def _send_chunk(self, chunk: _Chunk) -> list[CompositeSubresponse] | SalesforceError:
        subrequests = [self._subrequest(index, group) for index, group in enumerate(chunk.groups)]
        try:
            return self.client.composite(subrequests)
        except SalesforceError as error:
            return error

    def _subrequest(self, index: int, group: Sequence[ItemState]) -> dict[str, Any]:
        base = self.client.data_path("composite/sobjects")
        action = group[0].action
        reference = f"w{index}"
        if action is Action.ADD:
            records = [self._insert_record(item) for item in group]
            return {"method": "POST", "url": base, "referenceId": reference,
                    "body": {"allOrNone": False, "records": records}}  # fmt: skip
        if action is Action.UPDATE:
            records = [
                {"attributes": {"type": CAMPAIGN_MEMBER}, "id": item.member_id, "Status": self.status}
                for item in group
            ]
            return {"method": "PATCH", "url": base, "referenceId": reference,
                    "body": {"allOrNone": False, "records": records}}  # fmt: skip
        member_ids = ",".join(str(item.member_id) for item in group)
        return {"method": "DELETE", "url": f"{base}?ids={member_ids}&allOrNone=false", "referenceId": reference}

    def _insert_record(self, item: ItemState) -> dict[str, Any]:
        record: dict[str, Any] = {"attributes": {"type": CAMPAIGN_MEMBER}, "CampaignId": self.campaign_id}
        record["ContactId" if item.sobject == CONTACT else "LeadId"] = item.resolved_id
        if self.status is not None:
            record["Status"] = self.status
        return record

    def _record_chunk(self, chunk: _Chunk, answer: list[CompositeSubresponse] | SalesforceError) -> list[ItemState]:
        retry_rows: list[ItemState] = []
        settled: list[ItemState] = []
        if isinstance(answer, SalesforceError):
            settled = self._chunk_error(chunk.items, answer)
        else:
            for group, response in zip(chunk.groups, answer, strict=True):
                done, retry = self._record_group(group, response)
                settled.extend(done)
                retry_rows.extend(retry)
        jobs.save_items(self.store, settled)
        self.progress.advance("write", len(settled))
        return retry_rows

    def _chunk_error(self, items: Sequence[ItemState], error: SalesforceError) -> list[ItemState]:
        if isinstance(error, TransportError | RetriableAPIError):
            # The request may have been applied: the items stay pending and are looked
            # up before being sent again.
            self._log_unknown(len(items), error)
            return []
        for item in items:
            item.answered = True
            item.settle(Outcome.FAILED, error_code=error.error_code, message=error.message, fields=error.fields)
        return list(items)

    def _record_group(
        self, group: Sequence[ItemState], response: CompositeSubresponse
    ) -> tuple[list[ItemState], list[ItemState]]:
        status, body = response.http_status, response.body
        if status >= 500:
            return [], []
        if status >= 400 or not isinstance(body, list):
            code, message, fields = _first_error(body, status)
            error = error_class(status, code, message)
            if issubclass(error, RetriableAPIError):
                for item in group:
                    item.answered = True
                return [], list(group)
            for item in group:
                item.settle(Outcome.FAILED, error_code=code, message=message, fields=fields)
            return list(group), []

        settled: list[ItemState] = []
        retry: list[ItemState] = []
        for item, result in zip(group, body, strict=True):
            if self._record_row(item, result):
                settled.append(item)
            else:
                retry.append(item)
        return settled, retry

    def _record_row(self, item: ItemState, result: Mapping[str, Any]) -> bool:
        """Set the item's outcome from one Collections result; False to retry the row."""
        if result.get("success"):
            if item.action is Action.ADD:
                item.member_id = result.get("id") or item.member_id
                item.settle(Outcome.CREATED)
            elif item.action is Action.UPDATE:
                item.settle(Outcome.UPDATED)
            else:
                item.settle(Outcome.REMOVED)
            return True

        errors = result.get("errors") or [{}]
        code = str(errors[0].get("statusCode") or "") or None
        message = str(errors[0].get("message") or "")
        fields = [str(f) for f in errors[0].get("fields") or ()]
        if code in TRANSIENT_ROW_ERRORS:
            item.error_code, item.message = code, message
            item.answered = True
            return False
        if item.action is Action.ADD and code == DUPLICATE_MEMBER:
            item.settle(Outcome.ALREADY_MEMBER, message=message or None)
        elif item.action is Action.REMOVE and code in ALREADY_DELETED:
            item.settle(Outcome.REMOVED, message=f"already removed ({code})")
        else:
            item.settle(Outcome.FAILED, error_code=code, message=message, fields=fields)
        return True

    def _log_unknown(self, rows: int, error: SalesforceError) -> None:
        logger.warning("write.outcome_unknown rows=%d job=%s cause=%s", rows, self.job_id, error)
        record_error(
            self.store, operation="assign.write", error=error,
            segment_id=self.segment_id, job_id=self.job_id,
        )  # fmt: skip

    def _fail_transient(self, items: Sequence[ItemState]) -> None:
        for item in items:
            item.settle(
                Outcome.FAILED,
                error_code=item.error_code,
                message=f"{item.message} (still failing after {self.options.transient_retries} retries)",
            )
        jobs.save_items(self.store, items)

    def _fail(self, items: Sequence[ItemState], code: str, message: str) -> None:
        for item in items:
            item.settle(Outcome.FAILED, error_code=code, message=message)
        jobs.save_items(self.store, items)

    def _call(self, function: Callable[[], Any]) -> Any:
        try:
            return function()
        except QuotaExceededError as error:
            raise LimitReachedError(error) from error

    # --- Bulk ---------------------------------------------------------------------

    def _bulk_operation(self, action: Action, items: Sequence[ItemState]) -> list[ItemState]:
        """Run one ingest job; return the rows to send again through REST."""
        operation, records = self._bulk_records(action, items)
        jobs.mark_sent(self.store, items)
        try:
            result = self.client.bulk2.ingest(CAMPAIGN_MEMBER, operation, records, field_types=_BULK_FIELD_TYPES)
        except QuotaExceededError as error:
            raise LimitReachedError(error) from error
        except (TransportError, RetriableAPIError) as error:
            self._log_unknown(len(items), error)
            self._settle_unknown(items)
            return [item for item in items if item.outcome is Outcome.PENDING]

        retry: list[ItemState] = []
        settled: list[ItemState] = []
        for item, row in zip(items, result.records, strict=True):
            if _not_processed(row):
                # No result for the row: it may or may not have been written, so it is
                # looked up and, if absent, sent again through REST.
                retry.append(item)
            elif self._record_row(item, _bulk_row(row)):
                settled.append(item)
            else:
                retry.append(item)
        jobs.save_items(self.store, settled)
        self.progress.advance("write", len(settled))
        return retry

    def _bulk_records(self, action: Action, items: Sequence[ItemState]) -> tuple[str, list[dict[str, Any]]]:
        if action is Action.ADD:
            rows = []
            for item in items:
                record = self._insert_record(item)
                del record["attributes"]
                rows.append(record)
            return "insert", rows
        if action is Action.UPDATE:
            return "update", [{"Id": item.member_id, "Status": self.status} for item in items]
        return "delete", [{"Id": item.member_id} for item in items]


def _chunks(items: Sequence[ItemState]) -> Iterator[_Chunk]:
    """Group items into Composite chunks of up to 5 same-action collections of 200."""
    chunk = _Chunk()
    for action in (Action.ADD, Action.UPDATE, Action.REMOVE):
        rows = [item for item in items if item.action is action]
        for start in range(0, len(rows), ROWS_PER_COLLECTION):
            chunk.groups.append(rows[start : start + ROWS_PER_COLLECTION])
            if len(chunk.groups) * ROWS_PER_COLLECTION >= ROWS_PER_COMPOSITE:
                yield chunk
                chunk = _Chunk()
    if chunk.groups:
        yield chunk


def _first_error(body: Any, status: int) -> tuple[str | None, str, list[str]]:
    if isinstance(body, list) and body and isinstance(body[0], Mapping):
        first = body[0]
        code = str(first.get("errorCode") or first.get("statusCode") or "") or None
        return code, str(first.get("message") or ""), [str(f) for f in first.get("fields") or ()]
    return None, f"HTTP {status} from the Collections subrequest", []


def _not_processed(row: RecordResult) -> bool:
    return not row.success and any(error.status_code == NOT_PROCESSED_CODE for error in row.errors)


def _bulk_row(row: RecordResult) -> Mapping[str, Any]:
    """Turn one ingest result into the Collections result shape."""
    errors = [{"statusCode": e.status_code, "message": e.message, "fields": list(e.fields)} for e in row.errors]
    return {"success": row.success, "id": row.id, "errors": errors}
