"""CSV for Bulk API 2.0 ingest jobs: value formatting and splitting into uploads.

Salesforce reads ingest CSV with these rules (Bulk API 2.0 guide, "Prepare CSV Files"):
an empty cell leaves the field unchanged, `#N/A` sets it to null, booleans are `true` or
`false`, dates are `yyyy-MM-dd` and datetimes `yyyy-MM-ddTHH:mm:ss.SSSZ`. Values are quoted
as RFC 4180 specifies: a quote inside a value is doubled and a newline inside a quoted value is
part of the value, so one record may span several lines. An upload is therefore split at
record boundaries by byte size, never by counting lines.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = [
    "MAX_UPLOAD_BYTES",
    "NULL_MARKER",
    "CsvPart",
    "InvalidValueError",
    "collect_columns",
    "format_value",
    "split_records",
]

# Bulk API 2.0 accepts at most 150 MB per upload after base64 encoding, which is about
# 100 MB of raw CSV ("Bulk API 2.0 limits", upload_job_data.htm).
MAX_UPLOAD_BYTES = 100_000_000

# An ingest cell holding exactly this text sets the field to null; an empty cell leaves
# the field unchanged.
NULL_MARKER = "#N/A"

_DATE_TYPES = frozenset({"date"})
_DATETIME_TYPES = frozenset({"datetime"})
_TIME_TYPES = frozenset({"time"})


class InvalidValueError(ValueError):
    """A record value that cannot be written to Bulk API CSV without changing it."""

    def __init__(self, column: str, value: object, reason: str) -> None:
        self.column = column
        self.value = value
        self.reason = reason
        super().__init__(f"{column}: {value!r} {reason}")


@dataclass
class CsvPart:
    """One upload: CSV bytes with the header first, and the input positions of its rows."""

    data: bytes
    row_indexes: list[int] = field(default_factory=list)

    @property
    def record_count(self) -> int:
        return len(self.row_indexes)


def _format_decimal(value: Decimal, column: str) -> str:
    if not value.is_finite():
        raise InvalidValueError(column, value, "is not a finite number; Salesforce stores no NaN or infinity")
    # Fixed-point notation keeps every digit and never writes an exponent.
    return format(value, "f")


def _format_float(value: float, column: str) -> str:
    if not math.isfinite(value):
        raise InvalidValueError(column, value, "is not a finite number; Salesforce stores no NaN or infinity")
    # repr gives the shortest text that reads back as the same float.
    return _format_decimal(Decimal(repr(value)), column)


def _format_datetime(value: dt.datetime, column: str, field_type: str | None) -> str:
    if field_type in _DATE_TYPES:
        raise InvalidValueError(column, value, "is a datetime but the field is a date; pass a datetime.date")
    if value.tzinfo is None:
        raise InvalidValueError(column, value, "is a naive datetime; pass an aware datetime (UTC)")
    utc = value.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _format_date(value: dt.date, column: str, field_type: str | None) -> str:
    if field_type in _DATETIME_TYPES:
        raise InvalidValueError(column, value, "is a date but the field is a datetime; pass an aware datetime")
    return value.isoformat()


def _format_time(value: dt.time, column: str) -> str:
    return value.strftime("%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def format_value(value: object, column: str, field_type: str | None = None) -> str:
    """Format one record value as the text of a Bulk API ingest cell.

    Args:
        value: the Python value; None means "set the field to null".
        column: the column name, used in error messages.
        field_type: the describe `type` of the field when known (`date`, `datetime`, ...).

    Raises:
        InvalidValueError: NaN or infinity, a naive datetime, a datetime for a date field
            (or the reverse), or a type with no CSV form.
    """
    if value is None:
        return NULL_MARKER
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return _format_decimal(value, column)
    if isinstance(value, float):
        return _format_float(value, column)
    if isinstance(value, dt.datetime):
        return _format_datetime(value, column, field_type)
    if isinstance(value, dt.date):
        return _format_date(value, column, field_type)
    if isinstance(value, dt.time) and (field_type is None or field_type in _TIME_TYPES):
        return _format_time(value, column)
    if isinstance(value, list | tuple | set | frozenset) and all(isinstance(v, str) for v in value):
        # Multi-select picklist values are written as one cell joined by semicolons.
        return ";".join(value)
    raise InvalidValueError(column, value, f"has type {type(value).__name__}, which has no Bulk API CSV form")


def collect_columns(records: Iterable[Mapping[str, Any]]) -> list[str]:
    """Return the union of the records' keys in first-seen order (the CSV header)."""
    seen: dict[str, None] = {}
    for record in records:
        for key in record:
            seen.setdefault(key, None)
    return list(seen)


class _RowEncoder:
    """Encodes rows one at a time so that each row's byte size is known exactly."""

    def __init__(self, line_ending: str, delimiter: str) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(
            self._buffer, delimiter=delimiter, lineterminator=line_ending, quoting=csv.QUOTE_MINIMAL
        )

    def encode(self, cells: Sequence[str]) -> bytes:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow(cells)
        return self._buffer.getvalue().encode("utf-8")


def _row_cells(
    record: Mapping[str, Any], columns: Sequence[str], field_types: Mapping[str, str]
) -> list[str]:
    # An absent key is an empty cell (field left unchanged); None is #N/A (set to null).
    return [
        format_value(record[column], column, field_types.get(column.lower())) if column in record else ""
        for column in columns
    ]


def split_records(
    records: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    *,
    field_types: Mapping[str, str] | None = None,
    max_bytes: int = MAX_UPLOAD_BYTES,
    max_records: int | None = None,
    line_ending: str = "\n",
    delimiter: str = ",",
    rejected: list[tuple[int, InvalidValueError]] | None = None,
) -> Iterator[CsvPart]:
    """Write records as CSV uploads of at most `max_bytes` bytes each, header included.

    Every part starts with the header row and ends at a record boundary. A record whose
    values cannot be written is left out; its input position and error are appended to
    `rejected` (or the error is raised when `rejected` is None).

    Args:
        records: the rows, in input order.
        columns: the header, e.g. from `collect_columns`.
        field_types: describe `type` by lower-case column name, for date and datetime checks.
        max_bytes: the largest upload in bytes, header included.
        max_records: the most records per part, or None for no count limit.
        line_ending: "\\n" for a job created with lineEnding LF, "\\r\\n" for CRLF.
        delimiter: the character that matches the job's columnDelimiter.
        rejected: a list that collects (input position, error) for rows left out.

    Raises:
        InvalidValueError: a value has no CSV form and `rejected` is None.
        ValueError: the header alone, or one record with the header, exceeds `max_bytes`.
    """
    encoder = _RowEncoder(line_ending, delimiter)
    header = encoder.encode(columns)
    if len(header) >= max_bytes:
        msg = f"the CSV header takes {len(header)} bytes, over the upload limit of {max_bytes}; send fewer columns"
        raise ValueError(msg)
    types = {key.lower(): value for key, value in (field_types or {}).items()}

    chunks: list[bytes] = [header]
    size = len(header)
    indexes: list[int] = []
    for index, record in enumerate(records):
        try:
            row = encoder.encode(_row_cells(record, columns, types))
        except InvalidValueError as exc:
            if rejected is None:
                raise
            rejected.append((index, exc))
            continue
        if len(header) + len(row) > max_bytes:
            msg = f"record {index} takes {len(row)} bytes of CSV, over the upload limit of {max_bytes}"
            raise ValueError(msg)
        full = size + len(row) > max_bytes or (max_records is not None and len(indexes) >= max_records)
        if full and indexes:
            yield CsvPart(b"".join(chunks), indexes)
            chunks, size, indexes = [header], len(header), []
        chunks.append(row)
        size += len(row)
        indexes.append(index)
    if indexes:
        yield CsvPart(b"".join(chunks), indexes)
