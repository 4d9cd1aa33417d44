"""Indexes the compiled statements rely on, created when an engine opens an org.

Text comparisons ignore case (`COLLATE NOCASE`), so the storage's binary-collation
indexes cannot serve `Email = '...'`, `Email IN (...)` or `Name LIKE 'Acme%'`. A
NOCASE index on the text fields that are looked up (external ids, unique fields,
idLookup fields such as Name, and Email) can. A partial index over deleted rows makes
the live-row count (`COUNT(*)` minus deleted rows) nearly free.

Index names start with `qx_` so they never collide with the storage's own `ix_` ones.
`CREATE INDEX IF NOT EXISTS` makes reopening an org file cheap.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from sfseg.sandbox.metadata import FieldSchema, ObjectSchema, OrgSchema
from sfseg.sandbox.query.expressions import TEXT_TYPES
from sfseg.sandbox.query.sql import identifier

__all__ = ["ensure_query_indexes", "index_statements"]


def _looked_up(field: FieldSchema) -> bool:
    wanted = field.external_id or field.unique or field.id_lookup or field.name == "Email"
    return wanted and field.is_stored and str(field.type) in TEXT_TYPES


def index_statements(sobject: ObjectSchema) -> Iterator[str]:
    """Yield the CREATE INDEX statements for one object's table."""
    table = identifier(sobject.name)
    deleted = identifier("IsDeleted")
    yield (
        f"CREATE INDEX IF NOT EXISTS {identifier(f'qx_{sobject.name}_deleted')} "
        f"ON {table} ({deleted}) WHERE {deleted} = 1"
    )
    for field in sobject.fields.values():
        if not _looked_up(field):
            continue
        column = identifier(field.name)
        name = identifier(f"qx_{sobject.name}_{field.name}_nocase")
        yield (
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column} COLLATE NOCASE) "
            f"WHERE {column} IS NOT NULL"
        )


def ensure_query_indexes(connection: sqlite3.Connection, schema: OrgSchema) -> None:
    """Create the query indexes for every object that has a table (hold the store lock)."""
    tables = {
        row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    for sobject in schema:
        if sobject.name not in tables:
            continue
        for statement in index_statements(sobject):
            connection.execute(statement)
