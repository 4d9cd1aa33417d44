"""SOQL for sfseg: grammar, syntax tree, canonical rendering and literal formatting.

Every layer that sends or runs SOQL goes through this package: user-written
statements are parsed (`parse`, `parse_condition`), composed statements are built
as trees (`sfseg.soql.builder`) and written out with `render`, and Python values
become literals only through `literal` / `format_literal`.

    >>> from sfseg.soql import parse, render
    >>> render(parse("select id from contact where email = 'a@example.org'"))
    "SELECT id FROM contact WHERE email = 'a@example.org'"
"""

from __future__ import annotations

from sfseg.soql import ast, builder, ids, walk
from sfseg.soql.errors import (
    MAX_STATEMENT_LENGTH,
    SoqlSyntaxError,
    located_message,
)
from sfseg.soql.literals import (
    LiteralValue,
    format_literal,
    like_pattern,
    literal,
    literal_list,
)
from sfseg.soql.parser import parse, parse_condition
from sfseg.soql.render import render

__all__ = [
    "MAX_STATEMENT_LENGTH",
    "LiteralValue",
    "SoqlSyntaxError",
    "ast",
    "builder",
    "format_literal",
    "ids",
    "like_pattern",
    "literal",
    "literal_list",
    "located_message",
    "parse",
    "parse_condition",
    "render",
    "walk",
]
