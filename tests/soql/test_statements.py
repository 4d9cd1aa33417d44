"""The statement tables: valid SOQL parses and renders canonically; invalid SOQL
fails at the right place with Salesforce's wording."""

from __future__ import annotations

import pytest

from sfseg.soql import SoqlSyntaxError, parse, render
from tests.soql.cases import INVALID, VALID


def test_tables_cover_enough_statements() -> None:
    """The tables keep at least 150 valid and 40 invalid statements."""
    assert len(VALID) >= 150
    assert len(INVALID) >= 40


@pytest.mark.parametrize(("statement", "canonical"), VALID)
def test_valid_statement_round_trips(statement: str, canonical: str | None) -> None:
    """A valid statement renders canonically and the rendering parses to the same tree."""
    query = parse(statement)
    text = render(query)

    assert text == (canonical or statement)
    assert parse(text) == query


@pytest.mark.parametrize(("statement", "message", "line", "column"), INVALID)
def test_invalid_statement_is_located(
    statement: str, message: str, line: int | None, column: int | None
) -> None:
    """An invalid statement raises SoqlSyntaxError with the cause, row and column."""
    with pytest.raises(SoqlSyntaxError) as caught:
        parse(statement)

    error = caught.value
    assert message in error.message
    assert (error.line, error.column) == (line, column)
    if line is not None:
        assert f"ERROR at Row:{line}:Column:{column}" in str(error)
