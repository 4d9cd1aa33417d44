"""CSV in and out of the sandbox's Bulk API: parse uploads, write result files."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

__all__ = ["parse_upload", "write_csv"]


def parse_upload(data: bytes, delimiter: str) -> tuple[list[str], list[list[str]]]:
    """Split uploaded CSV into its header and rows.

    Quoted values keep their newlines and doubled quotes become one quote (RFC 4180).
    Values are not trimmed: Salesforce treats a space as part of the value.

    Raises:
        ValueError: the data is not UTF-8 or not valid CSV.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        msg = f"the upload is not UTF-8 text (byte {exc.start}); save the CSV as UTF-8"
        raise ValueError(msg) from exc
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        rows = [row for row in reader if row]
    except csv.Error as exc:
        msg = f"the upload is not valid CSV at line {reader.line_num}: {exc}"
        raise ValueError(msg) from exc
    if not rows:
        return [], []
    return rows[0], rows[1:]


def write_csv(header: Sequence[str], rows: Iterable[Sequence[str]], *, delimiter: str = ",", newline: str = "\n") -> bytes:
    """Write result rows with every value quoted, as Salesforce's result files are."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline, quoting=csv.QUOTE_ALL)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")
