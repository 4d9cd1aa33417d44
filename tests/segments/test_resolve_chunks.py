"""IN-list splitting for the batched resolution and lookup queries."""

from __future__ import annotations

from sfseg import soql
from sfseg.segments.querying import field_in, in_chunks, select_query


def test_chunks_by_count() -> None:
    """No chunk has more than max_values values, and no value is lost or repeated."""
    values = [f"v{i}" for i in range(4500)]
    chunks = list(in_chunks(values, max_values=2000))
    assert [len(chunk) for chunk in chunks] == [2000, 2000, 500]
    assert [v for chunk in chunks for v in chunk] == values


def test_chunks_by_characters() -> None:
    """Long values split by the character budget before the count limit."""
    values = ["x" * 96] * 10
    chunks = list(in_chunks(values, max_chars=400))
    assert [len(chunk) for chunk in chunks] == [4, 4, 2]


def test_single_oversized_value_kept() -> None:
    """A value longer than the budget still goes out, alone in its chunk."""
    assert [len(c) for c in in_chunks(["y" * 500, "z"], max_chars=100)] == [1, 1]


def test_no_values_no_chunks() -> None:
    """An empty list makes no query."""
    assert list(in_chunks([])) == []


def test_in_list_escapes_quotes() -> None:
    """Values are escaped string literals, so a quote cannot end the literal."""
    query = select_query("Contact", ("Id",), field_in("Email", ["o'brien@example.org"]))
    assert soql.render(query) == "SELECT Id FROM Contact WHERE Email IN ('o\\'brien@example.org')"
