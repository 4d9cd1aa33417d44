"""Loader for CumulusCI datasets: an SQLite dump (`.sql` text, or an `.db` file) with the
`mapping.yml` that maps each sObject to a table, fields to columns and lookups to
parent tables.

Conventions of `cci task run extract_dataset` handled here:
- the record id column is the one mapped to `Id` (`sf_id` contains real 18-character ids;
  an integer `id` is replaced by a new sandbox id and lookups are re-pointed);
- a lookup column is named by `key_field`, else the field name in snake case
  (`CampaignId` → `campaign_id`, `Location__c` → `location__c`);
- `filters` are SQL conditions on the source table;
- record types come from `<table>_rt_mapping` (record_type_id → developer_name);
- every value is text and the empty string is null.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from sfseg.sandbox.seeds.loader import RecordLoader
from sfseg.sandbox.storage import quote
from sfseg.soql.ids import is_salesforce_id, to_18

__all__ = ["load_cumulusci"]


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def open_dump(path: Path) -> sqlite3.Connection:
    """Open a CumulusCI dataset: run an `.sql` dump into memory, or open an SQLite file."""
    if path.suffix.lower() == ".sql":
        connection = sqlite3.connect(":memory:")
        connection.executescript(path.read_text(encoding="utf-8"))
        return connection
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def load_cumulusci(loader: RecordLoader, dump_path: Path, mapping_path: Path, *,
                   skip_object: Callable[[str], bool] = lambda name: False) -> None:
    """Load every mapping step whose table exists in the dump.

    `skip_object(name)` returns True for sObjects to leave out; lookups to them are
    dropped too.
    """
    mapping = yaml.safe_load(mapping_path.read_text(encoding="utf-8"))
    source = open_dump(dump_path)
    try:
        step_loader = _StepLoader(loader, source, skip_object)
        for step in mapping.values():
            step_loader.load(step)
    finally:
        source.close()


class _StepLoader:
    def __init__(self, loader: RecordLoader, source: sqlite3.Connection,
                 skip_object: Callable[[str], bool]) -> None:
        self.loader = loader
        self.source = source
        self.skip_object = skip_object
        self.tables = {row[0] for row in source.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        # table → {source id → sandbox id}, for dumps with local integer ids.
        self.id_maps: dict[str, dict[str, str]] = {}
        self.table_objects: dict[str, str] = {}

    def load(self, step: dict[str, Any]) -> None:
        sobject = step["sf_object"]
        table = step.get("table", sobject)
        self.table_objects[table] = sobject
        if self.skip_object(sobject) or table not in self.tables:
            return
        columns = self._columns(table)
        fields = _as_mapping(step.get("fields", {}))
        lookups = step.get("lookups") or {}
        id_column = fields.pop("Id", None) or ("id" if "id" in columns else None)
        select = {name: column for name, column in fields.items() if column in columns}
        lookup_columns = self._lookup_columns(lookups, columns)
        rows = self._fetch(table, id_column, select, lookup_columns, step.get("filters") or [])
        record_types = self._record_types(table, sobject)
        records = [self._record(row, sobject, id_column, select, lookups, lookup_columns,
                                record_types) for row in rows]
        self._add_lookup_fields(sobject, lookups, lookup_columns)
        ids = self.loader.insert(sobject, records)
        if id_column:
            self.id_maps[table] = {
                str(row[id_column]): new for row, new in zip(rows, ids, strict=True)
            }

    def _columns(self, table: str) -> set[str]:
        return {row[1] for row in self.source.execute(f"PRAGMA table_info({quote(table)})")}

    def _lookup_columns(self, lookups: dict[str, Any], columns: set[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for name, spec in lookups.items():
            spec = spec or {}
            target_table = spec.get("table", "")
            if self.skip_object(self.table_objects.get(target_table, target_table)):
                continue
            for candidate in (spec.get("key_field"), name, name.lower(), _snake(name)):
                if candidate and candidate in columns:
                    found[name] = candidate
                    break
        return found

    def _fetch(self, table: str, id_column: str | None, select: dict[str, str],
               lookup_columns: dict[str, str], filters: list[str]) -> list[dict[str, Any]]:
        wanted = sorted({*select.values(), *lookup_columns.values(),
                         *([id_column] if id_column else [])})
        where = " AND ".join(f"({condition})" for condition in filters)
        sql = f"SELECT {', '.join(quote(c) for c in wanted)} FROM {quote(table)}"
        cursor = self.source.execute(sql + (f" WHERE {where}" if where else ""))
        names = [description[0] for description in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]

    def _record(self, row: dict[str, Any], sobject: str, id_column: str | None,
                select: dict[str, str], lookups: dict[str, Any],
                lookup_columns: dict[str, str],
                record_types: dict[str, str]) -> dict[str, Any]:
        record: dict[str, Any] = {name: row[column] for name, column in select.items()}
        if id_column and is_salesforce_id(str(row[id_column] or "")):
            record["Id"] = to_18(str(row[id_column]))
        for name, column in lookup_columns.items():
            record[name] = self._parent_id(row[column], (lookups[name] or {}).get("table", ""))
        record_type = record.get("RecordTypeId")
        if record_type and record_type in record_types:
            record["RecordTypeId"] = record_types[record_type]
        return record

    def _parent_id(self, value: Any, table: str) -> str | None:
        if value in (None, ""):
            return None
        text = str(value)
        if is_salesforce_id(text):
            return to_18(text)
        return self.id_maps.get(table, {}).get(text)

    def _add_lookup_fields(self, sobject: str, lookups: dict[str, Any],
                           lookup_columns: dict[str, str]) -> None:
        """Declare custom lookups (`Location__c` → Account) as reference fields."""
        from sfseg.sandbox.seeds.schema_file import add_custom_field

        schema = self.loader.object_schema(sobject)
        for name in lookup_columns:
            if schema.field(name) is None and name.lower().endswith("__c"):
                target_table = (lookups[name] or {}).get("table", "")
                target = self.table_objects.get(target_table, target_table)
                add_custom_field(self.loader.org.store, schema.name, name,
                                 {"type": "reference", "referenceTo": target})

    def _record_types(self, table: str, sobject: str) -> dict[str, str]:
        """Create the dump's record types for `sobject`; map source id → sandbox id."""
        mapping_table = f"{table}_rt_mapping"
        if mapping_table not in self.tables:
            return {}
        result: dict[str, str] = {}
        org = self.loader.org
        for record_type_id, developer_name in self.source.execute(
            f"SELECT record_type_id, developer_name FROM {quote(mapping_table)}"
        ):
            existing = org.store.connection.execute(
                'SELECT "Id" FROM "RecordType" WHERE "SobjectType" = ? AND "DeveloperName" = ?',
                (sobject, developer_name),
            ).fetchone()
            if existing is None:
                new_id = to_18(record_type_id) if is_salesforce_id(record_type_id) else None
                (created,) = self.loader.insert("RecordType", [{
                    "Id": new_id, "DeveloperName": developer_name, "SobjectType": sobject,
                    "Name": developer_name.replace("_", " "), "IsActive": True,
                }])
                existing = (created,)
            result[record_type_id] = existing[0]
        return result


def _as_mapping(fields: Any) -> dict[str, str]:
    """Return the step's fields as {sObject field: column}; a list maps names to themselves."""
    if isinstance(fields, list):
        return {name: name for name in fields}
    return {str(name): str(column) for name, column in dict(fields).items()}
