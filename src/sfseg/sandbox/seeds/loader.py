"""Bulk record loading for seeds: lenient value conversion, ids, audit fields, and one
`executemany` per batch, then `finalize` computes what Salesforce derives on save.

Seed data skips the per-record validation of `Org.create` (it is an import of data
that lived in an org), but converts every value to its column encoding.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from sfseg.sandbox.metadata import NUMBER_TYPES, FieldSchema, FieldType, ObjectSchema
from sfseg.sandbox.seeds.finalize import ensure_default_statuses
from sfseg.sandbox.seeds.schema_file import add_custom_field, add_custom_object
from sfseg.sandbox.values import format_datetime, parse_date, parse_datetime
from sfseg.soql.ids import is_salesforce_id, to_18

if TYPE_CHECKING:
    from sfseg.sandbox.org import Org

__all__ = ["RecordLoader", "convert_loose"]

logger = logging.getLogger("sfseg.sandbox.seeds")

_TRUE = {"true", "1", "yes", "y"}
_AUDIT = ("CreatedDate", "LastModifiedDate", "SystemModstamp")


def convert_loose(field: FieldSchema, value: Any) -> Any:
    """Convert an exported value (string or JSON) to the column encoding; "" is null.

    Unparseable numbers and dates become null rather than failing the whole seed.
    """
    if value is None or value == "":
        return 0 if field.type is FieldType.BOOLEAN else None
    kind = field.type
    converter: Callable[[Any], Any] = _CONVERTERS.get(kind, _text)
    try:
        return converter(value)
    except (ValueError, TypeError):
        logger.warning("seed value %r is not a valid %s for %s; stored as null",
                       value, kind.value, field.name)
        return 0 if kind is FieldType.BOOLEAN else None


def _boolean(value: Any) -> int:
    return int(value is True or str(value).strip().lower() in _TRUE)


def _integer(value: Any) -> int:
    return int(float(value))


def _number(value: Any) -> float:
    return float(value)


def _date(value: Any) -> str:
    text = str(value)
    return parse_date(text[:10]).isoformat()


def _datetime(value: Any) -> str:
    text = str(value)
    if len(text) == 10:
        text += "T00:00:00Z"
    return format_datetime(parse_datetime(text.replace(" ", "T", 1)))


def _reference(value: Any) -> str | None:
    text = str(value)
    return to_18(text) if is_salesforce_id(text) else None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_CONVERTERS: dict[FieldType, Callable[[Any], Any]] = {
    FieldType.BOOLEAN: _boolean,
    FieldType.INT: _integer,
    FieldType.DATE: _date,
    FieldType.DATETIME: _datetime,
    FieldType.REFERENCE: _reference,
    FieldType.ID: _reference,
    **{kind: _number for kind in NUMBER_TYPES},
}


class RecordLoader:
    """Insert exported records into an org: resolves field names case-insensitively,
    adds unknown `__c` fields (and objects) as text, skips unknown standard fields."""

    def __init__(self, org: Org) -> None:
        self.org = org
        self.skipped_fields: dict[str, set[str]] = {}
        self.loaded: dict[str, int] = {}

    def object_schema(self, name: str) -> ObjectSchema:
        """Return the object, creating a custom object for an unknown `__c` name."""
        sobject = self.org.schema.get(name)
        if sobject is None:
            if not name.lower().endswith("__c"):
                msg = (
                    f"seed data names sObject {name!r}, which the sandbox does not model; "
                    "remove it from the export or give it a custom (__c) name"
                )
                raise ValueError(msg)
            sobject = add_custom_object(self.org.store, name)
        return sobject

    def field(self, sobject: ObjectSchema, name: str) -> FieldSchema | None:
        """Return the field called `name` (any case); add a text field for an unknown
        `__c` name; None (and remembered) for an unknown standard field."""
        field = sobject.field(name)
        if field is None and name.lower().endswith("__c"):
            field = add_custom_field(self.org.store, sobject.name, name)
        if field is None or not field.is_stored:
            self.skipped_fields.setdefault(sobject.name, set()).add(name)
            return None
        return field

    def insert(self, sobject_name: str, records: Iterable[dict[str, Any]]) -> list[str]:
        """Insert records (field name → exported value; `Id` optional) and return their ids."""
        sobject = self.object_schema(sobject_name)
        rows = [self._row(sobject, record) for record in records]
        if not rows:
            return []
        if sobject.name == "CampaignMemberStatus":
            self._make_room_for_statuses(rows)
        columns = sorted({name for row in rows for name in row})
        now = format_datetime(self.org.clock.now())
        defaults = self._defaults(sobject, now)
        columns = sorted(set(columns) | set(defaults))
        tuples = [
            tuple(row[name] if name in row else defaults.get(name) for name in columns)
            for row in rows
        ]
        self.org.store.insert_many(sobject.name, columns, tuples)
        self.loaded[sobject.name] = self.loaded.get(sobject.name, 0) + len(rows)
        self.org.records_written[sobject.name] += len(rows)
        return [row["Id"] for row in rows]

    def _make_room_for_statuses(self, rows: list[dict[str, Any]]) -> None:
        """Let loaded statuses replace the automatic "Sent"/"Responded" of the same label,
        and a loaded default take over, as a status created in Salesforce would."""
        ensure_default_statuses(self.org)
        connection = self.org.store.connection
        for row in rows:
            connection.execute(
                'DELETE FROM "CampaignMemberStatus" WHERE "CampaignId" = ? '
                'AND lower("Label") = lower(?)',
                (row.get("CampaignId"), row.get("Label")),
            )
            if row.get("IsDefault"):
                connection.execute(
                    'UPDATE "CampaignMemberStatus" SET "IsDefault" = 0 WHERE "CampaignId" = ?',
                    (row.get("CampaignId"),),
                )

    def _row(self, sobject: ObjectSchema, record: dict[str, Any]) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for name, value in record.items():
            if name == "attributes":
                continue
            field = self.field(sobject, name)
            if field is None:
                continue
            row[field.name] = convert_loose(field, value)
        if not row.get("Id"):
            row["Id"] = self.org.store.new_id(sobject)
        return row

    def _defaults(self, sobject: ObjectSchema, now: str) -> dict[str, Any]:
        user = self.org.default_user_id
        defaults: dict[str, Any] = {"IsDeleted": 0, "CreatedById": user, "LastModifiedById": user}
        defaults.update({name: now for name in _AUDIT})
        if sobject.field("OwnerId") is not None:
            defaults["OwnerId"] = user
        for field in sobject.stored_fields():
            if field.type is FieldType.BOOLEAN:
                defaults.setdefault(field.name, int(bool(field.default_value)))
            elif field.picklist_default() is not None:
                defaults.setdefault(field.name, field.picklist_default())
        return defaults

    def report(self) -> None:
        """Log which unknown standard fields were skipped.

        Record counts are logged by `load_seed` once the whole seed is in: this loader
        sees only the records it inserted, not the derived or invented ones.
        """
        for sobject, names in sorted(self.skipped_fields.items()):
            logger.info("seed skipped unknown %s fields: %s", sobject, ", ".join(sorted(names)))
