"""Bulk API 2.0 query jobs in the sandbox: check the SOQL, run it, serve result pages.

Bulk query refuses what Salesforce's Bulk query refuses ("Query jobs" in the Bulk API
2.0 guide): GROUP BY, OFFSET, TYPEOF, aggregate functions, parent-to-child subqueries
and compound address or geolocation fields. Results are CSV with relationship columns
named by their path (`Account.Name`), a quoted header on every page, and nulls as empty
cells. A page's `Sforce-Locator` is the base64 text of the next row number, and the
literal string `null` on the last page.
"""

from __future__ import annotations

import base64
import binascii
import tempfile
import threading
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from sfseg.sandbox.bulk import codes
from sfseg.sandbox.bulk.jobs import BulkApiError
from sfseg.sandbox.metadata import COMPOUND_TYPES, ObjectSchema, OrgSchema
from sfseg.soql import ast

__all__ = [
    "LAST_PAGE_LOCATOR",
    "QueryResults",
    "ResultColumn",
    "decode_locator",
    "encode_locator",
    "select_columns",
]

LAST_PAGE_LOCATOR = "null"
_COMPOUND_MESSAGE = "Selecting compound data not supported in Bulk Query"


@dataclass(frozen=True)
class ResultColumn:
    """One result column: its header text and the wire keys that lead to its value."""

    header: str
    path: tuple[str, ...]


def _unsupported(message: str) -> BulkApiError:
    return BulkApiError(codes.FUNCTIONALITY_NOT_ENABLED, message)


def _no_such_column(name: str, sobject: ObjectSchema) -> BulkApiError:
    message = (
        f"No such column '{name}' on entity '{sobject.name}'. If you are attempting to use a "
        "custom field, be sure to append the '__c' after the custom field name. Please "
        "reference your WSDL or the describe call for the appropriate names."
    )
    return BulkApiError(codes.INVALID_FIELD, message)


def _resolve_path(schema: OrgSchema, root: ObjectSchema, parts: Sequence[str], alias: str | None) -> tuple[str, ...]:
    names = list(parts)
    if len(names) > 1 and names[0].lower() in {root.name.lower(), (alias or "").lower()}:
        names = names[1:]
    current = root
    wire_path: list[str] = []
    for relationship in names[:-1]:
        reference = current.parent_relationship(relationship)
        if reference is None or not reference.reference_to:
            raise _no_such_column(relationship, current)
        wire_path.append(reference.relationship_name or relationship)
        parent = schema.get(reference.reference_to[0])
        if parent is None:
            raise _no_such_column(relationship, current)
        current = parent
    field = current.field(names[-1])
    if field is None:
        raise _no_such_column(names[-1], current)
    if field.type in COMPOUND_TYPES:
        raise _unsupported(_COMPOUND_MESSAGE)
    wire_path.append(field.name)
    return tuple(wire_path)


def _check_clauses(query: ast.Query) -> None:
    if query.group_by is not None or query.having is not None:
        msg = "GROUP BY is not supported in Bulk Query"
        raise _unsupported(msg)
    if query.offset is not None:
        msg = "OFFSET is not supported in Bulk Query"
        raise _unsupported(msg)


def select_columns(schema: OrgSchema, query: ast.Query) -> list[ResultColumn]:
    """Return the result columns of a bulk query, in select order.

    Raises:
        BulkApiError: FUNCTIONALITY_NOT_ENABLED for SOQL that Bulk query does not run,
            INVALID_FIELD for an unknown field, INVALID_TYPE for an unknown object.
    """
    _check_clauses(query)
    root = schema.get(query.from_.sobject)
    if root is None:
        message = f"sObject type '{query.from_.sobject}' is not supported."
        raise BulkApiError(codes.INVALID_TYPE, message)
    columns: list[ResultColumn] = []
    for item in query.select:
        if isinstance(item, ast.SubQuery):
            msg = "Parent-to-child relationship queries are not supported in Bulk Query"
            raise _unsupported(msg)
        if isinstance(item, ast.TypeOf):
            msg = "TYPEOF is not supported in Bulk Query"
            raise _unsupported(msg)
        expression = item.expression if isinstance(item, ast.SelectField) else item
        if not isinstance(expression, ast.FieldPath):
            msg = "Aggregate and function calls are not supported in Bulk Query"
            raise _unsupported(msg)
        path = _resolve_path(schema, root, expression.parts, query.from_.alias)
        header = ".".join(expression.parts[1:] if len(path) < len(expression.parts) else expression.parts)
        columns.append(ResultColumn(header, path))
    return columns


def encode_locator(row: int) -> str:
    """Return the locator of the page starting at `row` (base64 text, no padding)."""
    return base64.b64encode(str(row).encode("ascii")).decode("ascii").rstrip("=")


def decode_locator(locator: str) -> int:
    """Return the row a locator points at; raise BulkApiError for a locator not issued here."""
    try:
        padded = locator + "=" * (-len(locator) % 4)
        row = int(base64.b64decode(padded, validate=True).decode("ascii"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        row = -1
    if row < 0:
        message = f"Invalid locator: {locator}; pass the Sforce-Locator header of the previous page"
        raise BulkApiError(codes.INVALIDLOCATOR, message)
    return row


def _format_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float):
        text = repr(value)
    else:
        text = str(value)
    return '"' + text.replace('"', '""') + '"'


def _value_at(record: Mapping[str, Any], path: Sequence[str]) -> Any:
    current: Any = record
    for key in path:
        if not isinstance(current, Mapping):
            return None
        current = current.get(key)
    return current


class QueryResults:
    """The CSV rows of a finished query, kept in a temporary file with row offsets.

    Offsets let any page be read without holding the rows in memory.
    """

    def __init__(self, columns: Sequence[ResultColumn], delimiter: str, newline: str) -> None:
        self.columns = list(columns)
        self._delimiter = delimiter
        self._newline = newline
        self._file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self._offsets = array("q", [0])
        self._lock = threading.Lock()
        self.header = self._line(['"' + c.header.replace('"', '""') + '"' for c in self.columns])

    def _line(self, cells: Sequence[str]) -> bytes:
        return (self._delimiter.join(cells) + self._newline).encode("utf-8")

    @property
    def row_count(self) -> int:
        return len(self._offsets) - 1

    def append(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Write records as CSV rows; return how many were written."""
        written = 0
        with self._lock:
            self._file.seek(0, 2)
            position = self._offsets[-1]
            for record in records:
                line = self._line([_format_cell(_value_at(record, c.path)) for c in self.columns])
                self._file.write(line)
                position += len(line)
                self._offsets.append(position)
                written += 1
        return written

    def page(self, start: int, max_records: int) -> tuple[bytes, int, str]:
        """Return (CSV with header, number of rows, next locator) for rows from `start`."""
        end = min(start + max_records, self.row_count)
        if start >= end:
            return self.header, 0, LAST_PAGE_LOCATOR
        with self._lock:
            self._file.seek(self._offsets[start])
            body = self._file.read(self._offsets[end] - self._offsets[start])
        locator = encode_locator(end) if end < self.row_count else LAST_PAGE_LOCATOR
        return self.header + body, end - start, locator

    def close(self) -> None:
        with self._lock:
            self._file.close()
