"""Bulk API 2.0 ingest CSV: cell formatting and splitting at record boundaries."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from sfseg.salesforce.bulk2_csv import (
    InvalidValueError,
    collect_columns,
    format_value,
    split_records,
)


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def test_format_value_none_is_null_marker() -> None:
    assert format_value(None, "Title") == "#N/A"


def test_format_value_booleans_lower_case() -> None:
    assert format_value(True, "DoNotCall") == "true"
    assert format_value(False, "DoNotCall") == "false"


def test_format_value_decimal_exact_without_exponent() -> None:
    assert format_value(Decimal("1E+3"), "Amount") == "1000"
    assert format_value(Decimal("0.10"), "Amount") == "0.10"
    assert format_value(Decimal("12345678901234567890.123456789"), "Amount") == "12345678901234567890.123456789"


def test_format_value_float_shortest_round_trip() -> None:
    assert format_value(0.1, "Amount") == "0.1"
    assert format_value(1e16, "Amount") == "10000000000000000"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), Decimal("NaN"), Decimal("-Infinity")])
def test_format_value_rejects_non_finite(value: object) -> None:
    with pytest.raises(InvalidValueError, match="not a finite number"):
        format_value(value, "AnnualRevenue")


def test_format_value_dates_per_field_type() -> None:
    moment = dt.datetime(2026, 3, 1, 14, 5, 6, 789000, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert format_value(dt.date(2026, 3, 1), "Birthdate", "date") == "2026-03-01"
    assert format_value(moment, "LastSeen__c", "datetime") == "2026-03-01T12:05:06.789Z"
    with pytest.raises(InvalidValueError, match="field is a date"):
        format_value(moment, "Birthdate", "date")
    with pytest.raises(InvalidValueError, match="field is a datetime"):
        format_value(dt.date(2026, 3, 1), "LastSeen__c", "datetime")


def test_format_value_rejects_naive_datetime() -> None:
    with pytest.raises(InvalidValueError, match="naive"):
        format_value(dt.datetime(2026, 3, 1, 12, 0), "LastSeen__c", "datetime")


def test_format_value_multipicklist_joined() -> None:
    assert format_value(["a", "b"], "Interests__c") == "a;b"


def test_format_value_rejects_unknown_type() -> None:
    with pytest.raises(InvalidValueError, match="has type object"):
        format_value(object(), "Title")


def test_collect_columns_first_seen_order() -> None:
    assert collect_columns([{"b": 1}, {"a": 2, "b": 3}, {"c": 4}]) == ["b", "a", "c"]


def test_absent_key_empty_cell_and_none_null_marker() -> None:
    records = [{"LastName": "Ng", "Title": None}, {"LastName": "Li", "Email": "li@example.org"}]
    [part] = split_records(records, ["LastName", "Title", "Email"])
    assert _rows(part.data) == [["LastName", "Title", "Email"], ["Ng", "#N/A", ""], ["Li", "", "li@example.org"]]


def test_quotes_doubled_and_newlines_kept() -> None:
    records = [{"Description": 'Said "hi", then left'}, {"Description": "line one\nline two\nline three"}]
    [part] = split_records(records, ["Description"])
    assert b'"Said ""hi"", then left"' in part.data
    assert _rows(part.data)[1:] == [['Said "hi", then left'], ["line one\nline two\nline three"]]


def test_split_by_records_keeps_multiline_record_whole() -> None:
    records = [
        {"LastName": "A", "Description": "one"},
        {"LastName": "B", "Description": "first\nsecond\nthird"},
        {"LastName": "C", "Description": "three"},
    ]
    parts = list(split_records(records, ["LastName", "Description"], max_records=2))
    assert [part.row_indexes for part in parts] == [[0, 1], [2]]
    for part in parts:
        assert part.data.startswith(b"LastName,Description\n")
    assert _rows(parts[0].data)[2] == ["B", "first\nsecond\nthird"]
    assert _rows(parts[1].data) == [["LastName", "Description"], ["C", "three"]]


def test_split_by_bytes_never_exceeds_limit() -> None:
    records = [{"Description": f"row {i}\nwith a second line"} for i in range(50)]
    parts = list(split_records(records, ["Description"], max_bytes=120))
    assert len(parts) > 1
    assert all(len(part.data) <= 120 for part in parts)
    assert [i for part in parts for i in part.row_indexes] == list(range(50))
    for part in parts:
        rows = _rows(part.data)
        assert rows[0] == ["Description"]
        assert len(rows) - 1 == part.record_count


def test_record_over_limit_raises() -> None:
    with pytest.raises(ValueError, match="record 0 takes"):
        list(split_records([{"Description": "x" * 200}], ["Description"], max_bytes=100))


def test_rejected_rows_left_out_and_reported() -> None:
    rejected: list[tuple[int, InvalidValueError]] = []
    records = [{"AnnualRevenue": 1}, {"AnnualRevenue": float("nan")}, {"AnnualRevenue": 3}]
    [part] = split_records(records, ["AnnualRevenue"], rejected=rejected)
    assert part.row_indexes == [0, 2]
    assert [(index, error.column) for index, error in rejected] == [(1, "AnnualRevenue")]


def test_crlf_line_ending() -> None:
    [part] = split_records([{"LastName": "A"}], ["LastName"], line_ending="\r\n")
    assert part.data == b"LastName\r\nA\r\n"
