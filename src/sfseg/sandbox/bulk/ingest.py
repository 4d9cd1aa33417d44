"""Ingest rows of a Bulk API 2.0 job through the org, one row at a time.

Each row passes through the same `Org` calls as the REST endpoints, so validation and
the Campaign rules (a second member of a campaign fails with DUPLICATE_VALUE, converted
leads are refused, ...) apply to bulk rows as well. Cell rules follow Salesforce's
"Prepare CSV Files" page: an empty cell leaves the field unchanged, `#N/A` sets it to
null, and a column such as `Account.External_Id__c` sets the `AccountId` lookup to the
Account whose external id matches the cell. Cells are text, so a value of the wrong
type fails with INVALID_TYPE_ON_FIELD_IN_RECORD and a checkbox takes true/false or 1/0.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sfseg.sandbox.bulk import codes
from sfseg.sandbox.bulk.jobs import BulkApiError, IngestJob
from sfseg.sandbox.metadata import FieldSchema, ObjectSchema, RecordError

if TYPE_CHECKING:
    from sfseg.sandbox.faults import FaultInjector
    from sfseg.sandbox.org import Org

__all__ = [
    "NULL_MARKER",
    "ColumnPlan",
    "RowOutcome",
    "format_sf_error",
    "plan_columns",
    "process_row",
]

NULL_MARKER = "#N/A"
_LOCK_MESSAGE = "unable to obtain exclusive access to this record"


@dataclass(frozen=True)
class ColumnPlan:
    """The target of one CSV column: a field, or a lookup through an external id."""

    name: str
    field: FieldSchema | None
    parent_object: str | None = None
    parent_field: str | None = None

    @property
    def is_id(self) -> bool:
        return self.name.lower() == "id"


@dataclass(frozen=True)
class RowOutcome:
    """The result of one row: the record id, and either `created` or an `sf__Error` text."""

    record_id: str
    created: bool | None
    error: str | None = None


def format_sf_error(error: RecordError) -> str:
    """Format an error as the `sf__Error` cell: `CODE:message:fields --` (`CODE:message:--`).

    A row with several validation errors (`CombinedRecordError`) reports its primary,
    the first: a Bulk API result row carries one error where REST lists them all.
    """
    tail = ",".join(error.fields) + " --" if error.fields else "--"
    return f"{error.error_code}:{error.message}:{tail}"


def _relationship_column(sobject: ObjectSchema, schema_lookup: Any, name: str) -> ColumnPlan:
    relationship, _, target_field = name.partition(".")
    # A polymorphic lookup names its target object first, as in `Lead:Who.Email`.
    target_hint, _, relationship = relationship.rpartition(":")
    reference = sobject.parent_relationship(relationship)
    if reference is None or "." in target_field:
        msg = f"InvalidBatch : Field name not found : {name}"
        raise BulkApiError(codes.INVALIDBATCH, msg)
    parent_name = target_hint or reference.reference_to[0]
    parent = schema_lookup(parent_name)
    parent_field = parent.field(target_field) if parent is not None else None
    if parent_field is None or not (parent_field.external_id or parent_field.id_lookup):
        msg = (
            f"InvalidBatch : Field name not found : {name}; the parent field must be an "
            "External ID or idLookup field"
        )
        raise BulkApiError(codes.INVALIDBATCH, msg)
    return ColumnPlan(name, reference, parent_name, parent_field.name)


def plan_columns(org: Org, job: IngestJob) -> list[ColumnPlan]:
    """Map the upload header to fields; raise BulkApiError naming an unknown column."""
    sobject = org.schema.require(job.object)
    plans: list[ColumnPlan] = []
    for name in job.header:
        if "." in name:
            plans.append(_relationship_column(sobject, org.schema.get, name))
            continue
        field = sobject.field(name)
        if field is None:
            msg = f"InvalidBatch : Field name not found : {name}"
            raise BulkApiError(codes.INVALIDBATCH, msg)
        plans.append(ColumnPlan(field.name if name.lower() != "id" else "Id", field))
    _check_required_columns(job, plans)
    return plans


def _check_required_columns(job: IngestJob, plans: Sequence[ColumnPlan]) -> None:
    names = {plan.name.lower() for plan in plans}
    if job.operation in ("update", "delete", "hardDelete") and "id" not in names:
        msg = f"InvalidBatch : Field name not found : Id; a {job.operation} job needs an Id column"
        raise BulkApiError(codes.INVALIDBATCH, msg)
    if job.operation in ("delete", "hardDelete") and len(plans) != 1:
        msg = f"InvalidBatch : The '{job.operation}' batch must contain only an Id column"
        raise BulkApiError(codes.INVALIDBATCH, msg)
    external = (job.external_id_field or "").lower()
    if job.operation == "upsert" and external not in names:
        msg = f"InvalidBatch : Field name not found : {job.external_id_field}; an upsert needs that column"
        raise BulkApiError(codes.INVALIDBATCH, msg)


def _lookup_parent(org: Org, plan: ColumnPlan, value: str) -> str:
    assert plan.parent_object is not None and plan.parent_field is not None
    store = org.store
    sql = f'SELECT Id FROM "{plan.parent_object}" WHERE "{plan.parent_field}" = ? AND IsDeleted = 0 LIMIT 2'
    try:
        with store.lock:
            rows = store.connection.execute(sql, (value,)).fetchall()
    except sqlite3.Error as exc:
        msg = f"Foreign key external ID: {value} could not be read: {exc}"
        raise RecordError(codes.INVALID_FIELD, msg, [plan.name]) from exc
    if not rows:
        msg = f"Foreign key external ID: {value} not found for field {plan.parent_field} in entity {plan.parent_object}"
        raise RecordError(codes.INVALID_FIELD, msg, [plan.name])
    if len(rows) > 1:
        msg = f"Foreign key external ID: {value} matches more than one {plan.parent_object} on {plan.parent_field}"
        raise RecordError(codes.DUPLICATE_EXTERNAL_ID, msg, [plan.name])
    return str(rows[0][0])


def _row_fields(org: Org, plans: Sequence[ColumnPlan], cells: Sequence[str]) -> tuple[str | None, dict[str, Any]]:
    record_id: str | None = None
    fields: dict[str, Any] = {}
    for plan, cell in zip(plans, cells, strict=True):
        if plan.is_id:
            record_id = cell or None
            continue
        if cell == "":
            continue  # an empty cell leaves the field unchanged
        if plan.parent_object is not None:
            assert plan.field is not None
            fields[plan.field.name] = None if cell == NULL_MARKER else _lookup_parent(org, plan, cell)
            continue
        assert plan.field is not None
        fields[plan.field.name] = None if cell == NULL_MARKER else cell
    return record_id, fields


def _apply(org: Org, job: IngestJob, record_id: str | None, fields: dict[str, Any]) -> RowOutcome:
    operation = job.operation
    if operation == "insert":
        return RowOutcome(org.create(job.object, fields, text_values=True), created=True)
    if record_id is None and operation != "upsert":
        raise RecordError(codes.MISSING_ARGUMENT, "Id not specified in an update call", ["Id"])
    if operation == "update":
        assert record_id is not None
        org.update(job.object, record_id, fields, text_values=True)
        return RowOutcome(record_id, created=False)
    if operation in ("delete", "hardDelete"):
        # NOTE: hardDelete deletes like delete here; Salesforce also skips the recycle bin.
        assert record_id is not None
        org.delete(job.object, record_id)
        return RowOutcome(record_id, created=False)
    external_field = _external_field_name(org, job)
    value = fields.pop(external_field, None)
    if value is None:
        msg = f"{external_field} not specified"
        raise RecordError(codes.MISSING_ARGUMENT, msg, [external_field])
    new_id, created = org.upsert(job.object, external_field, str(value), fields,
                                 text_values=True)
    return RowOutcome(new_id, created=created)


def _external_field_name(org: Org, job: IngestJob) -> str:
    field = org.schema.require(job.object).field(job.external_id_field or "")
    return field.name if field is not None else str(job.external_id_field)


def process_row(
    org: Org,
    faults: FaultInjector,
    job: IngestJob,
    plans: Sequence[ColumnPlan],
    cells: Sequence[str],
) -> RowOutcome:
    """Write one row and return its outcome; record errors become the `error` text."""
    given_id = ""
    try:
        if len(cells) != len(plans):
            msg = f"the row has {len(cells)} values but the header has {len(plans)} columns"
            raise RecordError(codes.INVALID_FIELD, msg)
        record_id, fields = _row_fields(org, plans, cells)
        given_id = record_id or ""
        fault = faults.record_fault("PUT", f"/jobs/ingest/{job.id}/batches")
        if fault is not None:
            raise RecordError(fault, _LOCK_MESSAGE)
        return _apply(org, job, record_id, fields)
    except RecordError as error:
        return RowOutcome(given_id, created=None, error=format_sf_error(error))
