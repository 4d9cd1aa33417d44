"""Parse, render and literal formatting work together end to end."""

from __future__ import annotations

from sfseg.soql import format_literal, parse, render


def test_parse_render_round_trip() -> None:
    """A rendered statement parses back to the same tree."""
    query = parse("select Id, Account.Name from Contact where Email = 'a@example.org' limit 5")

    assert (
        render(query)
        == "SELECT Id, Account.Name FROM Contact WHERE Email = 'a@example.org' LIMIT 5"
    )
    assert parse(render(query)) == query


def test_format_literal_escapes_quote() -> None:
    """A single quote in a value is escaped."""
    assert format_literal("O'Brien") == "'O\\'Brien'"
