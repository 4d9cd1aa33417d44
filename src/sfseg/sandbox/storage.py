"""SQLite storage of the sandbox org.

One table per object, named exactly the object's API name, with one column per
stored field, named exactly the field's API name (identifiers are always quoted:
`Case` is an SQL keyword). Column encoding, shared with the query engine:

- text-like types (string, textarea, picklist, email, phone, url, combobox, id,
  reference): TEXT; ids in their 18-character form; multipicklist TEXT `a;b;c`;
- boolean: INTEGER 0/1, never NULL; int: INTEGER; double, currency, percent: REAL;
- date: TEXT `YYYY-MM-DD`; time: TEXT `HH:MM:SS.sssZ`; NULL is null;
- datetime: TEXT `YYYY-MM-DDTHH:MM:SS.sss+0000`, the wire format. It is UTC and fixed
  width, so text order is time order. Compound address/location fields have no column.

Tables whose names start with `_sfseg_` are the sandbox's own bookkeeping.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from sfseg.sandbox.clock import Clock
from sfseg.sandbox.metadata import (
    NUMBER_TYPES,
    FieldSchema,
    FieldType,
    ObjectSchema,
    OrgSchema,
)
from sfseg.soql.ids import to_18

__all__ = ["ID_POD", "OrgStore", "column_type", "insert_statement", "quote"]

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Characters 4-5 of a Salesforce id name the pod. The sandbox uses its own pair, so
# generated ids do not collide with ids loaded from a real org's export.
ID_POD = "8s"
_ID_COUNTER_WIDTH = 10


def quote(identifier: str) -> str:
    """Return `identifier` as a quoted SQLite identifier."""
    return '"' + identifier.replace('"', '""') + '"'


def insert_statement(sobject: str, columns: Sequence[str]) -> str:
    """Return `INSERT INTO "T" ("a", "b") VALUES (?, ?)` for the given columns."""
    placeholders = ", ".join("?" for _ in columns)
    names = ", ".join(quote(column) for column in columns)
    return f"INSERT INTO {quote(sobject)} ({names}) VALUES ({placeholders})"


def column_type(field: FieldSchema) -> str:
    """Return the SQLite column type of a stored field."""
    if field.type in {FieldType.BOOLEAN, FieldType.INT}:
        return "INTEGER"
    if field.type in NUMBER_TYPES:
        return "REAL"
    return "TEXT"


# Lookups that segmentation never filters on alone; indexing them would double the
# time to build a large org for little gain.
_UNINDEXED = frozenset({
    "Id", "CreatedById", "LastModifiedById", "OwnerId", "RecordTypeId",
    "LeadOrContactOwnerId", "CampaignMemberRecordTypeId",
})


def _indexed(field: FieldSchema) -> bool:
    if field.name in _UNINDEXED:
        return False
    return (
        field.type is FieldType.REFERENCE
        or field.external_id
        or field.unique
        or field.name == "Email"
    )


def _base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, remainder = divmod(number, 62)
        digits.append(_BASE62[remainder])
    text = "".join(reversed(digits)) or "0"
    return text.rjust(width, "0")


class OrgStore:
    """The SQLite database of one org: a connection, the lock that guards it, the schema.

    Hold `lock` for every use of `connection`; it is an RLock so a write may nest
    helper calls. The connection is in autocommit mode: writes group themselves with
    SAVEPOINT (see `sfseg.sandbox.org.Org.transaction`).
    """

    def __init__(self, schema: OrgSchema, path: str | None = None,
                 clock: Clock | None = None) -> None:
        self.schema = schema
        self.clock = clock or Clock()
        self.path = path
        self.lock = threading.RLock()
        # Next id counter by key prefix, mirrored in _sfseg_sequence. A rolled-back write
        # leaves a gap in the numbers, never a reused id.
        self._next_id: dict[str, int] = {}
        self.connection = sqlite3.connect(
            path or ":memory:", check_same_thread=False, isolation_level=None
        )
        self.file_backed = path is not None and path != ":memory:"
        with self.lock:
            self.connection.execute("PRAGMA temp_store=MEMORY")
            self.connection.execute("PRAGMA cache_size=-65536")
        self._create_bookkeeping()

    # ----------------------------------------------------------------- setup

    def begin_bulk_load(self) -> None:
        """Trade durability for speed while a new database file is being seeded."""
        if self.file_backed:
            with self.lock:
                self.connection.execute("PRAGMA journal_mode=MEMORY")
                self.connection.execute("PRAGMA synchronous=OFF")

    def build_indexes(self) -> None:
        """Create every missing index, sorting with two threads (after a bulk load)."""
        with self.lock:
            self.connection.execute("PRAGMA threads=2")
            for sobject in self.schema:
                self.create_indexes(sobject)

    def enable_wal(self) -> None:
        """Switch a database file to WAL with normal sync, so readers do not block the writer."""
        if self.file_backed:
            with self.lock:
                self.connection.execute("PRAGMA journal_mode=WAL")
                self.connection.execute("PRAGMA synchronous=NORMAL")

    def _create_bookkeeping(self) -> None:
        with self.lock:
            self.connection.execute(
                "CREATE TABLE IF NOT EXISTS _sfseg_sequence "
                "(prefix TEXT PRIMARY KEY, next INTEGER NOT NULL)"
            )
            self.connection.execute(
                "CREATE TABLE IF NOT EXISTS _sfseg_meta (key TEXT PRIMARY KEY, value TEXT)"
            )

    def create_tables(self, *, indexes: bool = True) -> None:
        """Create a table for every object that has none yet, and add missing columns."""
        with self.lock:
            for sobject in self.schema:
                self.ensure_table(sobject, indexes=indexes)

    def ensure_table(self, sobject: ObjectSchema, *, indexes: bool = True) -> None:
        """Create `sobject`'s table, or add the columns of fields added since."""
        with self.lock:
            existing = self._columns(sobject.name)
            if not existing:
                self.connection.execute(self._create_statement(sobject))
            else:
                for field in sobject.stored_fields():
                    if field.name not in existing:
                        self.connection.execute(
                            f"ALTER TABLE {quote(sobject.name)} ADD COLUMN "
                            f"{quote(field.name)} {column_type(field)}"
                            + (" NOT NULL DEFAULT 0" if field.type is FieldType.BOOLEAN else "")
                        )
            if indexes:
                self.create_indexes(sobject)

    def _columns(self, table: str) -> set[str]:
        rows = self.connection.execute(f"PRAGMA table_info({quote(table)})").fetchall()
        return {row[1] for row in rows}

    @staticmethod
    def _create_statement(sobject: ObjectSchema) -> str:
        columns = []
        for field in sobject.stored_fields():
            if field.name == "Id":
                columns.append('"Id" TEXT PRIMARY KEY')
            elif field.type is FieldType.BOOLEAN:
                columns.append(f"{quote(field.name)} INTEGER NOT NULL DEFAULT 0")
            else:
                columns.append(f"{quote(field.name)} {column_type(field)}")
        return f"CREATE TABLE {quote(sobject.name)} ({', '.join(columns)})"

    def create_indexes(self, sobject: ObjectSchema) -> None:
        """Index reference fields (but owner, audit and record-type lookups), external-id
        and unique fields, and Email.

        The indexes are partial (`WHERE col IS NOT NULL`): SQLite uses them for
        `col = ?`, joins and IN, and a column that is mostly null costs little.
        """
        with self.lock:
            for field in sobject.stored_fields():
                if not _indexed(field):
                    continue
                index = quote(f"ix_{sobject.name}_{field.name}")
                column = quote(field.name)
                self.connection.execute(
                    f"CREATE INDEX IF NOT EXISTS {index} ON {quote(sobject.name)} ({column}) "
                    f"WHERE {column} IS NOT NULL"
                )

    # ------------------------------------------------------------------ ids

    def new_ids(self, sobject: ObjectSchema, count: int = 1) -> list[str]:
        """Reserve `count` new 18-character ids for `sobject`."""
        with self.lock:
            start = self._next_id.get(sobject.key_prefix)
            if start is None:
                row = self.connection.execute(
                    "SELECT next FROM _sfseg_sequence WHERE prefix = ?", (sobject.key_prefix,)
                ).fetchone()
                start = row[0] if row else 1
            self._next_id[sobject.key_prefix] = start + count
            self.connection.execute(
                "INSERT INTO _sfseg_sequence (prefix, next) VALUES (?, ?) "
                "ON CONFLICT(prefix) DO UPDATE SET next = excluded.next",
                (sobject.key_prefix, start + count),
            )
        stem = sobject.key_prefix + ID_POD
        return [to_18(stem + _base62(n, _ID_COUNTER_WIDTH)) for n in range(start, start + count)]

    def new_id(self, sobject: ObjectSchema) -> str:
        """Reserve one new 18-character id."""
        return self.new_ids(sobject, 1)[0]

    # ----------------------------------------------------------------- rows

    def fetch_row(self, sobject: str, record_id: str) -> dict[str, Any] | None:
        """Return the row with this 18-character id as a dict (deleted rows included)."""
        with self.lock:
            cursor = self.connection.execute(
                f'SELECT * FROM {quote(sobject)} WHERE "Id" = ?', (record_id,)
            )
            row = cursor.fetchone()
            if row is None:
                return None
            names = [description[0] for description in cursor.description]
        return dict(zip(names, row, strict=True))

    def insert_row(self, sobject: str, row: dict[str, Any]) -> None:
        """Insert one row given as column → value."""
        names = list(row)
        placeholders = ", ".join("?" for _ in names)
        sql = (
            f"INSERT INTO {quote(sobject)} ({', '.join(quote(n) for n in names)}) "
            f"VALUES ({placeholders})"
        )
        with self.lock:
            self.connection.execute(sql, [row[n] for n in names])

    def insert_many(self, sobject: str, columns: Sequence[str],
                    rows: Iterable[Sequence[Any]]) -> None:
        """Insert prepared tuples with one `executemany` (for seed loading)."""
        with self.lock:
            self.connection.executemany(insert_statement(sobject, columns), rows)

    def update_row(self, sobject: str, record_id: str, changes: dict[str, Any]) -> None:
        """Set columns of one row."""
        if not changes:
            return
        assignments = ", ".join(f"{quote(name)} = ?" for name in changes)
        with self.lock:
            self.connection.execute(
                f'UPDATE {quote(sobject)} SET {assignments} WHERE "Id" = ?',
                [*changes.values(), record_id],
            )

    def count(self, sobject: str, *, include_deleted: bool = False) -> int:
        """Return the number of rows of `sobject`."""
        where = "" if include_deleted else ' WHERE "IsDeleted" = 0'
        with self.lock:
            row = self.connection.execute(
                f"SELECT COUNT(*) FROM {quote(sobject)}{where}"
            ).fetchone()
        return int(row[0])

    # ------------------------------------------------------------ metadata

    def get_meta(self, key: str) -> Any:
        """Return a JSON value stored under `key` in the bookkeeping table, or None."""
        with self.lock:
            row = self.connection.execute(
                "SELECT value FROM _sfseg_meta WHERE key = ?", (key,)
            ).fetchone()
        return None if row is None else json.loads(row[0])

    def set_meta(self, key: str, value: Any) -> None:
        """Store a JSON value under `key`."""
        with self.lock:
            self.connection.execute(
                "INSERT INTO _sfseg_meta (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value)),
            )

    def close(self) -> None:
        """Close the connection."""
        with self.lock:
            self.connection.close()
