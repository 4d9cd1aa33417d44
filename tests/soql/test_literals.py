"""Python values become SOQL literals through one formatter, with Salesforce's escapes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from sfseg.soql import ast, format_literal, like_pattern, literal, literal_list, parse_condition

_PLUS_TWO = dt.timezone(dt.timedelta(hours=2))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("O'Brien", "'O\\'Brien'"),
        ("Anne-Marie", "'Anne-Marie'"),
        ("jane.doe+promo@example.org", "'jane.doe+promo@example.org'"),
        ("Smith & Sons", "'Smith & Sons'"),
        ("back\\slash", "'back\\\\slash'"),
        ("\\", "'\\\\'"),
        ("\\'", "'\\\\\\''"),
        ("line1\nline2\r\n", "'line1\\nline2\\r\\n'"),
        ("tab\tbell\bfeed\f", "'tab\\tbell\\bfeed\\f'"),
        ('say "hi"', "'say \\\"hi\\\"'"),
        ("Zürich ✓ 東京 😀", "'Zürich ✓ 東京 😀'"),
        ("nul\x00unit\x1fdel\x7f", "'nul\\u0000unit\\u001fdel\\u007f'"),
        ("50% off_now", "'50% off_now'"),
        ("", "''"),
    ],
)
def test_string_literal_text(value: str, expected: str) -> None:
    """Strings are quoted, with the backslash escaped before quotes and controls."""
    assert format_literal(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "O'Brien",
        "Anne-Marie",
        "jane.doe+promo@example.org",
        "Smith & Sons",
        "back\\slash",
        "\\'",
        "line1\nline2",
        "Zürich ✓ 東京 😀",
        "nul\x00",
    ],
)
def test_string_literal_parses_back(value: str) -> None:
    """The formatted literal parses back to the same value inside a condition."""
    condition = parse_condition(f"Name = {format_literal(value)}")

    assert isinstance(condition, ast.Comparison)
    assert condition.right == ast.StringLiteral(value)


def test_datetime_utc_fraction_truncated() -> None:
    """A UTC datetime with microseconds is written to the whole second."""
    value = dt.datetime(2021, 8, 11, 12, 52, 8, 62712, tzinfo=dt.UTC)

    assert format_literal(value) == "2021-08-11T12:52:08Z"


def test_datetime_offset_converted_to_utc() -> None:
    """The same instant given at +02:00 is written in UTC."""
    value = dt.datetime(2021, 8, 11, 14, 52, 8, tzinfo=_PLUS_TWO)

    assert format_literal(value) == "2021-08-11T12:52:08Z"


def test_datetime_literal_node_is_utc() -> None:
    """The literal node contains the UTC instant without the fraction."""
    node = literal(dt.datetime(2021, 8, 11, 14, 52, 8, 999999, tzinfo=_PLUS_TWO))

    assert isinstance(node, ast.DateTimeLiteral)
    assert node.value == dt.datetime(2021, 8, 11, 12, 52, 8, tzinfo=dt.UTC)
    assert node.value.utcoffset() == dt.timedelta(0)


def test_naive_datetime_rejected() -> None:
    """A naive datetime has no known instant and is rejected with the fix."""
    with pytest.raises(ValueError, match=r"naive datetime 2021-08-11T12:52:08.*tzinfo"):
        format_literal(dt.datetime(2021, 8, 11, 12, 52, 8))


def test_date_literal_text() -> None:
    assert format_literal(dt.date(2024, 2, 29)) == "2024-02-29"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "0"),
        (-42, "-42"),
        (10**22, "10000000000000000000000"),
        (Decimal("0.1"), "0.1"),
        (Decimal("1E+3"), "1000"),
        (Decimal("1.50"), "1.50"),
        (Decimal("-0.000001"), "-0.000001"),
        (Decimal("1E-7"), "0.0000001"),
        (0.1, "0.1"),
        (1e22, "10000000000000000000000"),
        (2.5e-8, "0.000000025"),
        (True, "true"),
        (False, "false"),
        (None, "null"),
    ],
)
def test_scalar_literal_text(value: object, expected: str) -> None:
    """Numbers are exact and never use an exponent; booleans and None are keywords."""
    assert format_literal(value) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value", [float("nan"), float("inf"), float("-inf"), Decimal("NaN"), Decimal("Infinity")]
)
def test_non_finite_number_rejected(value: float | Decimal) -> None:
    """NaN and infinity have no SOQL literal."""
    with pytest.raises(ValueError, match="NaN and infinity have no literal"):
        format_literal(value)


@pytest.mark.parametrize("value", [b"bytes", dt.time(12, 0), [1, 2], object()])
def test_unsupported_type_rejected(value: object) -> None:
    """A type without a SOQL literal raises TypeError naming the type."""
    with pytest.raises(TypeError, match=type(value).__name__):
        format_literal(value)  # type: ignore[arg-type]


def test_literal_list_keeps_order() -> None:
    """A list literal keeps the values in order, each formatted by the same rules."""
    node = literal_list(["a'b", 1, None])

    assert node == ast.ListValue(
        (ast.StringLiteral("a'b"), ast.NumberLiteral(Decimal(1)), ast.NullLiteral())
    )


def test_empty_literal_list_rejected() -> None:
    with pytest.raises(ValueError, match="at least one value"):
        literal_list([])


@pytest.mark.parametrize(
    ("text", "options", "expected"),
    [
        ("Smith", {}, "Smith"),
        ("50%_off", {}, "50\\%\\_off"),
        ("back\\slash", {}, "back\\\\slash"),
        ("Sm", {"prefix": True}, "Sm%"),
        ("mit", {"contains": True}, "%mit%"),
        ("a_b", {"contains": True, "prefix": True}, "%a\\_b%"),
        ("O'Brien", {"prefix": True}, "O'Brien%"),
    ],
)
def test_like_pattern_escapes_wildcards(text: str, options: dict[str, bool], expected: str) -> None:
    """`%`, `_` and the backslash are escaped so they match themselves."""
    assert like_pattern(text, **options) == expected
