"""Syntax errors read like Salesforce's MALFORMED_QUERY messages."""

from __future__ import annotations

import pytest

from sfseg.soql import (
    MAX_STATEMENT_LENGTH,
    SoqlSyntaxError,
    located_message,
    parse,
    parse_condition,
)


def test_error_text_matches_salesforce_shape() -> None:
    """str() repeats the line, puts a caret under the column, then row, column and cause."""
    with pytest.raises(SoqlSyntaxError) as caught:
        parse("SELECT Name FORM Account")

    assert str(caught.value) == (
        "\nSELECT Name FORM Account\n"
        "            ^\n"
        "ERROR at Row:1:Column:13\n"
        "unexpected token: 'FORM'"
    )
    assert caught.value.message == "unexpected token: 'FORM'"
    assert (caught.value.line, caught.value.column) == (1, 13)


def test_error_quotes_the_faulty_line() -> None:
    """In a multi-line statement the quoted line is the one at fault."""
    with pytest.raises(SoqlSyntaxError) as caught:
        parse("SELECT Id\nFROM Contact\nWHERE Name = 'x' ANDD Email = null")

    lines = str(caught.value).split("\n")
    assert lines[1] == "WHERE Name = 'x' ANDD Email = null"
    assert lines[2] == " " * 17 + "^"
    assert lines[3] == "ERROR at Row:3:Column:18"


def test_empty_statement_message() -> None:
    """An empty statement has Salesforce's own sentence and no location."""
    with pytest.raises(SoqlSyntaxError) as caught:
        parse("")

    assert str(caught.value) == "SOQL statements cannot be empty or null"
    assert caught.value.line is None


def test_none_statement_message() -> None:
    """None reads as an empty statement, as Salesforce reports a missing one."""
    with pytest.raises(SoqlSyntaxError, match="cannot be empty or null"):
        parse(None)  # type: ignore[arg-type]


def test_bytes_statement_rejected() -> None:
    with pytest.raises(TypeError, match="SOQL must be given as str, not bytes"):
        parse(b"SELECT Id FROM Contact")  # type: ignore[arg-type]


def test_error_line_counts_newlines_only() -> None:
    """A line separator inside a string literal does not shift the quoted line."""
    with pytest.raises(SoqlSyntaxError) as caught:
        parse("SELECT Id FROM Contact WHERE Name = 'a\u2028b' AND\r\nEmail = = null")

    lines = str(caught.value).split("\n")
    assert lines[1] == "Email = = null"
    assert lines[3] == "ERROR at Row:2:Column:9"


def test_statement_length_limit() -> None:
    """A statement of exactly 100,000 characters parses; one more is rejected."""
    prefix = "SELECT Id FROM Contact WHERE Name = '"
    filler = "x" * (MAX_STATEMENT_LENGTH - len(prefix) - 1)
    parse(prefix + filler + "'")

    with pytest.raises(SoqlSyntaxError) as caught:
        parse(prefix + filler + "x'")

    assert str(caught.value) == "SOQL statements can not be longer than 100000 characters"


def test_condition_error_counts_from_condition_start() -> None:
    """parse_condition locates faults within the condition text itself."""
    with pytest.raises(SoqlSyntaxError) as caught:
        parse_condition("Email = null AND")

    assert (caught.value.line, caught.value.column) == (1, 17)
    assert caught.value.message == "unexpected token: '<EOF>'"


def test_condition_rejects_a_whole_statement() -> None:
    with pytest.raises(SoqlSyntaxError, match="unexpected token: 'SELECT'"):
        parse_condition("SELECT Id FROM Contact")


def test_error_is_a_value_error() -> None:
    """Callers that catch ValueError also catch syntax errors."""
    with pytest.raises(ValueError, match="unexpected token"):
        parse("SELECT Id FROM Contact WHERE")


def test_error_repr_lists_fields() -> None:
    error = SoqlSyntaxError("unexpected token: 'x'", 2, 5)

    assert repr(error) == "SoqlSyntaxError(message=\"unexpected token: 'x'\", line=2, column=5)"
    assert str(error) == "ERROR at Row:2:Column:5\nunexpected token: 'x'"


def test_located_message_for_other_errors() -> None:
    """The sandbox builds INVALID_FIELD text with the same shape."""
    text = located_message(
        "SELECT Id, Bogus FROM Account", 1, 12, "No such column 'Bogus' on entity 'Account'."
    )

    assert text == (
        "\nSELECT Id, Bogus FROM Account\n"
        "           ^\n"
        "ERROR at Row:1:Column:12\n"
        "No such column 'Bogus' on entity 'Account'."
    )
