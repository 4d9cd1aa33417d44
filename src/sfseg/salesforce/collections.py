"""sObject Collections: create, update, upsert, delete and retrieve, up to 200 records a call.

Results come back one per input record, in input order:
- a record Salesforce rejects carries every error of its entry;
- a call that fails as a whole marks each of its records failed with that error;
- records rejected only with a transient error (UNABLE_TO_LOCK_ROW) are sent
  again on their own after a wait, and the others are not sent twice.

A write stops part-way only when going on cannot help: the daily quota or the
reserve is reached, sign-in fails, or a create's outcome is unknown. The
exception then carries `record_results`: one `RecordResult` per input record,
or None for records not sent and for those of the call whose outcome is unknown.

Replay rules: an update, an upsert by external id or a delete may be sent twice
without harm, so a lost response is retried. A create may not. When a create's
response is lost after sending, or is a 5xx, `WriteOutcomeUnknownError` is raised,
and the layer above looks the records up before sending them again.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sfseg.salesforce import wire
from sfseg.salesforce.describe import convert_record
from sfseg.salesforce.errors import (
    AuthenticationError,
    FatalAPIError,
    InvalidRecordError,
    QuotaExceededError,
    RetriableAPIError,
    SalesforceError,
    SessionExpiredError,
    TransportError,
    WriteOutcomeUnknownError,
)
from sfseg.salesforce.logs import logger
from sfseg.salesforce.records import RecordErrorDetail, RecordResult
from sfseg.salesforce.retry import backoff

if TYPE_CHECKING:
    from sfseg.salesforce.client import SalesforceClient

__all__ = ["BATCH_SIZE", "RETRIED_RECORD_ERRORS", "RETRIEVE_BATCH_SIZE", "Collections"]

#: Records per create/update/upsert/delete call (REST API: "up to 200 records").
BATCH_SIZE = 200
#: Ids per retrieve call in the POST form (up to 2,000).
RETRIEVE_BATCH_SIZE = 2_000
#: Per-record codes that mean "not applied, try again": the record was locked by
#: another transaction for longer than the server's 10-second lock wait.
RETRIED_RECORD_ERRORS = frozenset({"UNABLE_TO_LOCK_ROW"})

# Errors that stop the whole write instead of failing the records of one call,
# because the next calls would fail the same way or this call's outcome is unknown.
_STOP_ERRORS: tuple[type[SalesforceError], ...] = (
    WriteOutcomeUnknownError,
    QuotaExceededError,
    AuthenticationError,
    SessionExpiredError,
)


_Payload = tuple[dict[str, str] | None, dict[str, Any] | None]


@dataclass(frozen=True, slots=True)
class _Write:
    method: str
    path: str
    replay_safe: bool
    all_or_none: bool


class Collections:
    """sObject Collections on one client; every method returns one result per input, in order."""

    def __init__(self, client: SalesforceClient) -> None:
        self._client = client

    def create(
        self, records: Sequence[Mapping[str, Any]], *, sobject: str | None = None, all_or_none: bool = False
    ) -> list[RecordResult]:
        """Create records; each needs `attributes.type` or the `sobject` argument.

        Raises:
            InvalidRecordError: a value is NaN or infinite (nothing is sent).
            WriteOutcomeUnknownError: a call's response was lost; see the module notes.
        """
        prepared = _prepare(records, sobject, with_id=False)
        write = _Write("POST", self._client.data_path("composite/sobjects"), False, all_or_none)
        return self._write_records(write, prepared)

    def update(
        self, records: Sequence[Mapping[str, Any]], *, sobject: str | None = None, all_or_none: bool = False
    ) -> list[RecordResult]:
        """Update records by their `Id` (or `id`)."""
        prepared = _prepare(records, sobject, with_id=True)
        write = _Write("PATCH", self._client.data_path("composite/sobjects"), True, all_or_none)
        return self._write_records(write, prepared)

    def upsert(
        self,
        sobject: str,
        external_id_field: str,
        records: Sequence[Mapping[str, Any]],
        *,
        all_or_none: bool = False,
    ) -> list[RecordResult]:
        """Create or update records matched by `external_id_field`; results carry `created`."""
        prepared = _prepare(records, sobject, with_id=False)
        path = self._client.data_path(
            f"composite/sobjects/{quote(sobject, safe='')}/{quote(external_id_field, safe='')}"
        )
        return self._write_records(_Write("PATCH", path, True, all_or_none), prepared)

    def delete(self, ids: Sequence[str], *, all_or_none: bool = False) -> list[RecordResult]:
        """Delete records by id (mixed objects allowed)."""
        write = _Write("DELETE", self._client.data_path("composite/sobjects"), True, all_or_none)

        def payload(pending: list[int]) -> _Payload:
            # Ids go in the query string: DELETE takes no body here.
            return {"ids": ",".join(ids[i] for i in pending), "allOrNone": str(all_or_none).lower()}, None

        return self._write(write, len(ids), payload)

    def retrieve(
        self, sobject: str, ids: Sequence[str], fields: Sequence[str]
    ) -> list[dict[str, Any] | None]:
        """Read records by id, typed from describe; None where an id matched nothing readable."""
        path = self._client.data_path(f"composite/sobjects/{quote(sobject, safe='')}")
        found: list[dict[str, Any] | None] = []
        for start in range(0, len(ids), RETRIEVE_BATCH_SIZE):
            body = {"ids": list(ids[start : start + RETRIEVE_BATCH_SIZE]), "fields": list(fields)}
            # A POST here only reads, so it may be replayed.
            response = self._client.request("POST", path, json=body, replay_safe=True)
            for item in wire.loads(response.content):
                found.append(convert_record(item, self._client.describe) if item else None)
        return found

    # --- shared write loop ------------------------------------------------------

    def _write_records(self, write: _Write, prepared: list[dict[str, Any]]) -> list[RecordResult]:
        def payload(pending: list[int]) -> _Payload:
            # allOrNone goes in the body with the records, as Salesforce expects.
            return None, {"allOrNone": write.all_or_none, "records": [prepared[i] for i in pending]}

        return self._write(write, len(prepared), payload)

    def _write(self, write: _Write, size: int, payload: Callable[[list[int]], _Payload]) -> list[RecordResult]:
        results: list[RecordResult | None] = [None] * size
        for start in range(0, size, BATCH_SIZE):
            indices = list(range(start, min(start + BATCH_SIZE, size)))
            self._send_batch(write, indices, results, payload)
        return _finished(results)

    def _send_batch(
        self,
        write: _Write,
        indices: list[int],
        results: list[RecordResult | None],
        payload: Callable[[list[int]], _Payload],
    ) -> None:
        policy = self._client.retry_policy
        pending = indices
        attempt = 1
        while pending:
            items = self._call(write, pending, results, payload)
            if items is None:
                return
            retry = [
                i for i, item in zip(pending, items, strict=True)
                if _store(results, i, item) and attempt < policy.max_attempts and not write.all_or_none
            ]
            if not retry:
                return
            wait_for = backoff(attempt, None, policy)
            logger.warning(
                "salesforce.retry_scheduled retry_num=%d wait_for=%.2f caused_by=%s method=%s path=%s records=%d",
                attempt, wait_for, "UNABLE_TO_LOCK_ROW", write.method, write.path, len(retry),
                extra={"retry_num": attempt, "wait_for": wait_for, "caused_by": "UNABLE_TO_LOCK_ROW"},
            )
            policy.sleep(wait_for)
            attempt += 1
            pending = retry

    def _call(
        self,
        write: _Write,
        pending: list[int],
        results: list[RecordResult | None],
        payload: Callable[[list[int]], _Payload],
    ) -> list[Any] | None:
        params, body = payload(pending)
        try:
            response = self._client.request(write.method, write.path, params=params, json=body, replay_safe=write.replay_safe)
        except _STOP_ERRORS as exc:
            for i in pending:
                results[i] = None  # not applied, or (for a lost create) not known
            exc.record_results = list(results)
            raise
        except (FatalAPIError, RetriableAPIError, TransportError) as exc:
            detail = RecordErrorDetail.from_error(exc)
            for i in pending:
                results[i] = RecordResult.failed(detail)
            return None
        items = wire.loads(response.content)
        if not isinstance(items, list) or len(items) != len(pending):
            count = len(items) if isinstance(items, list) else "no list"
            detail = RecordErrorDetail("UNEXPECTED_RESPONSE", f"expected {len(pending)} results, got {count}")
            for i in pending:
                results[i] = RecordResult.failed(detail)
            return None
        return items


def _store(results: list[RecordResult | None], index: int, item: Mapping[str, Any]) -> bool:
    """Store one record's result; True when it failed only with errors worth retrying."""
    result = RecordResult.from_json(item)
    results[index] = result
    return (not result.success) and bool(result.errors) and all(
        e.status_code in RETRIED_RECORD_ERRORS for e in result.errors
    )


def _finished(results: list[RecordResult | None]) -> list[RecordResult]:
    missing = RecordErrorDetail("NOT_SENT", "the record was not sent")
    return [r if r is not None else RecordResult.failed(missing) for r in results]


def _prepare(records: Iterable[Mapping[str, Any]], sobject: str | None, *, with_id: bool) -> list[dict[str, Any]]:
    prepared = []
    for index, record in enumerate(records):
        _check_values(index, record)
        body = dict(record)
        if "attributes" not in body:
            if sobject is None:
                msg = f"record {index} has no attributes.type and no sobject was given"
                raise InvalidRecordError(msg, hint="pass sobject= or add {'attributes': {'type': ...}}")
            body["attributes"] = {"type": sobject}
        if with_id and not (body.get("Id") or body.get("id")):
            msg = f"record {index} has no Id to update"
            raise InvalidRecordError(msg, fields=["Id"], hint="add the record's Id")
        prepared.append(body)
    return prepared


def _check_values(index: int, record: Mapping[str, Any]) -> None:
    for name, value in record.items():
        if isinstance(value, float) and not math.isfinite(value) or isinstance(value, Decimal) and not value.is_finite():
            msg = f"record {index} field {name} is {value}, which Salesforce cannot store"
            raise InvalidRecordError(msg, fields=[name], hint="send null (None) or a finite number")
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            msg = f"record {index} field {name} is the datetime {value.isoformat()} without a time zone"
            raise InvalidRecordError(msg, fields=[name], hint="give an aware datetime, for example with tzinfo=datetime.UTC")
