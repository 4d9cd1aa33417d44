"""Bulk API 2.0 ingest results: parse the result CSVs and put them back in input order.

Salesforce returns three CSVs per ingest job, in no guaranteed order relative to the
upload: `successfulResults` (`sf__Id`, `sf__Created`, then the uploaded columns),
`failedResults` (`sf__Id`, `sf__Error`, then the uploaded columns) and
`unprocessedrecords` (the uploaded columns only). Rows carry no input position, so this
module matches each result row to an uploaded row by the echoed cells. Salesforce may
re-serialize numbers it echoes (a double `912260031` comes back as `9.12260031E8`), so
numbers and booleans are compared by value, not by text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

__all__ = [
    "BulkError",
    "BulkRowResult",
    "ResultMatcher",
    "iter_csv_rows",
    "parse_sf_error",
]

_ID_COLUMN = "sf__Id"
_CREATED_COLUMN = "sf__Created"
_ERROR_COLUMN = "sf__Error"
_ERROR_TAIL = "--"


@dataclass(frozen=True)
class BulkError:
    """One error from an `sf__Error` cell: status code, message and field names."""

    status_code: str
    message: str
    fields: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BulkRowResult:
    """The outcome of one uploaded row."""

    id: str | None
    success: bool
    created: bool | None
    errors: list[BulkError] = field(default_factory=list)


def parse_sf_error(text: str) -> BulkError:
    """Parse an `sf__Error` cell of the form `CODE:message:fields --`.

    The message may itself contain colons, so the code is the text before the first colon
    and the fields are the comma-separated text after the last one, e.g.
    `REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --`.
    """
    body = text.strip()
    if body.endswith(_ERROR_TAIL):
        body = body[: -len(_ERROR_TAIL)].rstrip()
    code, sep, rest = body.partition(":")
    if not sep:
        return BulkError(status_code=code or "UNKNOWN_EXCEPTION", message=text.strip())
    message, sep, field_text = rest.rpartition(":")
    if not sep:
        return BulkError(status_code=code, message=rest)
    fields = [name.strip() for name in field_text.split(",") if name.strip()]
    return BulkError(status_code=code, message=message, fields=fields)


def iter_csv_rows(text: str, delimiter: str = ",") -> Iterator[list[str]]:
    """Yield the rows of CSV text with a real CSV parser (newlines inside quotes kept)."""
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _normalize_cell(cell: str) -> str:
    lowered = cell.lower()
    if lowered in ("true", "false"):
        return lowered
    if cell[:1].isdigit() or cell[:1] in "+-.":
        try:
            number = Decimal(cell)
        except InvalidOperation:
            return cell
        if number.is_finite():
            return "#num:" + format(number.normalize(), "f")
    return cell


def _row_key(cells: Sequence[str]) -> tuple[str, ...]:
    return tuple(_normalize_cell(cell) for cell in cells)


_ResultBuilder = Callable[[dict[str, str]], BulkRowResult]


class ResultMatcher:
    """Matches result CSV rows to the uploaded rows of one job.

    Identical uploaded rows are interchangeable, so they are matched in any order. Rows left unmatched after all three result files are reported by `missing`.
    """

    def __init__(self, columns: Sequence[str], uploaded: Iterable[tuple[int, Sequence[str]]]) -> None:
        self._columns = list(columns)
        # A key maps to one input position, or to a list when rows repeat; a plain int
        # keeps 100,000 pending rows in a few megabytes.
        self._pending: dict[tuple[str, ...], int | list[int]] = {}
        self._indexes: list[int] = []
        for index, cells in uploaded:
            self._push(_row_key(cells), index)
            self._indexes.append(index)
        self.results: dict[int, BulkRowResult] = {}

    def _push(self, key: tuple[str, ...], index: int) -> None:
        current = self._pending.get(key)
        if current is None:
            self._pending[key] = index
        elif isinstance(current, list):
            current.append(index)
        else:
            self._pending[key] = [current, index]

    def _take(self, cells: Sequence[str]) -> int | None:
        key = _row_key(cells)
        current = self._pending.get(key)
        if current is None:
            return None
        if isinstance(current, int):
            del self._pending[key]
            return current
        index = current.pop()
        if not current:
            del self._pending[key]
        return index

    def _echoed(self, header: Sequence[str], row: Sequence[str]) -> list[str]:
        by_name = dict(zip(header, row, strict=False))
        return [by_name.get(column, "") for column in self._columns]

    def add_successful(self, text: str, delimiter: str = ",") -> int:
        """Match a `successfulResults` CSV; return how many rows matched."""
        return self._add(text, delimiter, self._success_from)

    def add_failed(self, text: str, delimiter: str = ",") -> int:
        """Match a `failedResults` CSV; return how many rows matched."""
        return self._add(text, delimiter, self._failure_from)

    def _add(self, text: str, delimiter: str, build: _ResultBuilder) -> int:
        rows = iter_csv_rows(text, delimiter)
        header = next(rows, None)
        if header is None:
            return 0
        matched = 0
        for row in rows:
            values = dict(zip(header, row, strict=False))
            index = self._take(self._echoed(header, row))
            if index is None:
                continue
            self.results[index] = build(values)
            matched += 1
        return matched

    @staticmethod
    def _success_from(values: dict[str, str]) -> BulkRowResult:
        created_text = values.get(_CREATED_COLUMN, "")
        created = created_text.lower() == "true" if created_text else None
        return BulkRowResult(id=values.get(_ID_COLUMN) or None, success=True, created=created)

    @staticmethod
    def _failure_from(values: dict[str, str]) -> BulkRowResult:
        error = parse_sf_error(values.get(_ERROR_COLUMN, ""))
        return BulkRowResult(id=values.get(_ID_COLUMN) or None, success=False, created=None, errors=[error])

    def missing(self) -> list[int]:
        """Return the input positions of uploaded rows that no result row matched."""
        return [index for index in self._indexes if index not in self.results]

