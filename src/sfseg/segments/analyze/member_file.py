"""The file that per-member metrics are written to: CSV, or JSON lines for a `.jsonl` path.

Rows go to a temporary file next to the target, which replaces the target only when
every row is written. A run that fails (or is interrupted) removes the temporary file,
so no half-written file is ever left at the path asked for.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import os
import secrets
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import IO, Any, NoReturn

__all__ = ["MemberFile", "MemberFileError", "plain_decimal"]

JSON_LINES_SUFFIX = ".jsonl"


class MemberFileError(ValueError):
    """Error raised when the member file cannot be written. The message names the path and the fix."""


def plain_decimal(value: Decimal) -> str:
    """Write an exact decimal as plain text, without exponent or trailing zeros: `1500.5`, `0`."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _json_value(value: Any) -> Any:
    # Decimal as text, so that a reader's float never rounds an amount.
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class MemberFile:
    """Writer of member rows to `path` through a temporary file, used as a context manager.

    Raises:
        MemberFileError: the directory does not exist or cannot be written, the path
            is a directory, or a write failed (disk full).
    """

    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        self.path = path
        self.columns = tuple(columns)
        self.json_lines = path.suffix.lower() == JSON_LINES_SUFFIX
        self.rows = 0
        self._temporary: Path | None = None
        self._stream: IO[str] | None = None
        self._csv: Any = None

    def __enter__(self) -> MemberFile:
        if self.path.is_dir():
            self._fail("it is a directory", "give a file name, such as members.csv")
        name = self.path.parent / f".{self.path.name}.{secrets.token_hex(4)}.tmp"
        try:
            # Mode 0o666 less the umask, as a plain open() would give; mkstemp's 0o600
            # would leave the member file readable by its owner only.
            handle = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except OSError as exc:
            self._fail(exc.strerror or str(exc), "choose a path in an existing directory you can write to")
        self._temporary = name
        self._stream = os.fdopen(handle, "w", encoding="utf-8", newline="")
        if not self.json_lines:
            self._csv = csv.writer(self._stream, lineterminator="\n")
            try:
                self._guarded(self._csv.writerow, self.columns)
            except MemberFileError:
                # __exit__ does not run when __enter__ raises, so clean up here.
                with contextlib.suppress(OSError):
                    self._stream.close()
                name.unlink(missing_ok=True)
                raise
        return self

    def write(self, row: Mapping[str, Any]) -> None:
        """Write one row, keyed by column name."""
        if self.json_lines:
            record = {name: _json_value(row[name]) for name in self.columns}
            self._guarded(self._stream_write, json.dumps(record, ensure_ascii=False) + "\n")
        else:
            self._guarded(self._csv.writerow, [_csv_cell(row[name]) for name in self.columns])
        self.rows += 1

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        assert self._stream is not None and self._temporary is not None
        try:
            self._stream.close()
            if exc_type is None:
                os.replace(self._temporary, self.path)
        except OSError as error:
            self._temporary.unlink(missing_ok=True)
            self._fail(error.strerror or str(error), "check the free space and the path", error)
        finally:
            if exc_type is not None:
                self._temporary.unlink(missing_ok=True)

    def _stream_write(self, text: str) -> None:
        assert self._stream is not None
        self._stream.write(text)

    def _guarded(self, write: Any, value: Any) -> None:
        try:
            write(value)
        except OSError as exc:
            self._fail(exc.strerror or str(exc), "check the free space and the path", exc)

    def _fail(self, reason: str, hint: str, cause: BaseException | None = None) -> NoReturn:
        msg = f"cannot write the member file {self.path}: {reason}; {hint}"
        raise MemberFileError(msg) from cause
