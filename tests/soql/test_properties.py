"""Property tests: formatted literals and rendered trees always parse back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from sfseg.soql import ast, builder, format_literal, like_pattern, parse, parse_condition, render

# No per-example deadline: the first example also builds the grammar (about 0.3 s),
# and the test machine is shared, so timings vary.
_SETTINGS = settings(deadline=None)

# Text without lone surrogates, which no UTF-8 request can carry.
_TEXT = st.text(st.characters(exclude_categories=["Cs"]))


@_SETTINGS
@given(_TEXT)
def test_string_literal_round_trips(value: str) -> None:
    """Any string, formatted as a literal, parses back to itself."""
    condition = parse_condition(f"Name = {format_literal(value)}")

    assert isinstance(condition, ast.Comparison)
    assert condition.right == ast.StringLiteral(value)


@_SETTINGS
@given(_TEXT, st.booleans(), st.booleans())
def test_like_pattern_round_trips(text: str, prefix: bool, contains: bool) -> None:
    """A LIKE pattern built from any text renders and parses back to the same pattern."""
    comparison = builder.like("Name", like_pattern(text, prefix=prefix, contains=contains))

    parsed = parse_condition(render(comparison))

    assert parsed == comparison


@_SETTINGS
@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_decimal_literal_round_trips(value: Decimal) -> None:
    """Any finite Decimal is written exactly, without an exponent."""
    text = format_literal(value)
    condition = parse_condition(f"Amount = {text}")

    assert "E" not in text.upper()
    assert isinstance(condition, ast.Comparison)
    assert condition.right == ast.NumberLiteral(value)


_DATETIMES = st.datetimes(
    min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30), timezones=st.timezones()
)


@_SETTINGS
@given(_DATETIMES)
def test_datetime_literal_is_utc_seconds(value: dt.datetime) -> None:
    """Any aware datetime is written in UTC to the second and parses to that instant."""
    text = format_literal(value)
    condition = parse_condition(f"CreatedDate = {text}")

    expected = value.astimezone(dt.UTC).replace(microsecond=0)
    assert text == expected.replace(tzinfo=None).isoformat() + "Z"
    assert len(text) == len("2021-08-11T12:52:08Z")
    assert isinstance(condition, ast.Comparison)
    assert condition.right == ast.DateTimeLiteral(expected)


_NAMES = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,12}", fullmatch=True).filter(
    lambda name: (
        name.upper()
        not in {
            "AND",
            "ASC",
            "DESC",
            "FIRST",
            "FROM",
            "IN",
            "LAST",
            "LIKE",
            "LIMIT",
            "NOT",
            "NULL",
            "NULLS",
            "OR",
            "SELECT",
            "WHERE",
            "WITH",
            "HAVING",
            "INCLUDES",
            "EXCLUDES",
        }
    )
)
_VALUES = st.one_of(
    _TEXT,
    st.integers(),
    st.booleans(),
    st.none(),
    st.dates(),
    st.decimals(allow_nan=False, allow_infinity=False),
)


@st.composite
def _conditions(draw: st.DrawFn, depth: int = 0) -> ast.Condition:
    if depth >= 3 or draw(st.booleans()):
        return builder.eq(draw(_NAMES), draw(_VALUES))
    kind = draw(st.sampled_from(["and", "or", "not", "in"]))
    if kind == "not":
        return builder.not_(draw(_conditions(depth + 1)))
    if kind == "in":
        return builder.in_(draw(_NAMES), draw(st.lists(_VALUES, min_size=1, max_size=4)))
    items = draw(st.lists(_conditions(depth + 1), min_size=2, max_size=3))
    return builder.and_(*items) if kind == "and" else builder.or_(*items)


@_SETTINGS
@given(_conditions())
def test_built_query_round_trips(condition: ast.Condition) -> None:
    """A query built from nested conditions renders to text that parses to the same tree."""
    query = builder.select("Id", sobject="Contact", where=condition)

    assert parse(render(query)) == query
