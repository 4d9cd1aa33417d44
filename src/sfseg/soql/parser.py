"""Parse SOQL text into `sfseg.soql.ast` trees.

The grammar is `soql.lark` in this package, run by Lark's LALR(1) parser with the
contextual lexer. The tree is built during parsing, without an intermediate parse
tree, so a typical query parses in well under a millisecond. Lark's errors are turned
into SoqlSyntaxError with Salesforce's wording and 1-based positions.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from importlib import resources
from typing import Any

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from sfseg.soql import ast
from sfseg.soql.errors import (
    EMPTY_STATEMENT_MESSAGE,
    MAX_STATEMENT_LENGTH,
    TOO_LONG_MESSAGE,
    SoqlSyntaxError,
)
from sfseg.soql.rules import check_condition, check_depth, check_query
from sfseg.soql.transform import SoqlTransformer
from sfseg.soql.vocabulary import RELATIVE_DATES_WITH_N, RESERVED_WORDS

__all__ = ["parse", "parse_condition"]


class _WholeWords:
    """Lark post-lexer whose one job is to make NAME acceptable in every lexer state.

    The contextual lexer otherwise matches a keyword at the start of a longer
    word where no name is expected (`ANDD` would read as `AND D`). With NAME
    always on offer the whole word is taken, and Lark turns it into the keyword
    only when the text equals one.
    """

    always_accept = ("NAME",)

    def process(self, stream: Any) -> Any:
        return stream


@functools.cache
def _parser() -> Lark:
    grammar = resources.files("sfseg.soql").joinpath("soql.lark").read_text(encoding="utf-8")
    return Lark(
        grammar,
        parser="lalr",
        lexer="contextual",
        start=["start_query", "start_condition"],
        transformer=SoqlTransformer(),
        postlex=_WholeWords(),
        maybe_placeholders=False,
        propagate_positions=False,
    )


def parse(text: str) -> ast.Query:
    """Parse a SOQL SELECT statement.

    Raises SoqlSyntaxError (with the line and column of the fault) when *text* is
    empty, longer than 100,000 characters, or not valid SOQL.
    """
    query: ast.Query = _run(text, "start_query")
    _located_in(text, check_depth, query)
    _located_in(text, check_query, query)
    return query


def parse_condition(text: str) -> ast.Condition:
    """Parse the body of a WHERE clause (`Email != null AND LeadSource = 'Web'`).

    Positions count from the start of *text*. Raises SoqlSyntaxError like `parse`.
    """
    condition: ast.Condition = _run(text, "start_condition")
    _located_in(text, check_depth, condition)
    _located_in(text, check_condition, condition)
    return condition


def _run(text: str | None, start: str) -> Any:
    if text is not None and not isinstance(text, str):
        msg = f"SOQL must be given as str, not {type(text).__name__}; decode it first"
        raise TypeError(msg)
    if text is None or not text.strip():
        raise SoqlSyntaxError(EMPTY_STATEMENT_MESSAGE)
    if len(text) > MAX_STATEMENT_LENGTH:
        raise SoqlSyntaxError(TOO_LONG_MESSAGE)

    try:
        return _parser().parse(text, start=start)
    except UnexpectedInput as exc:
        raise _translate(exc, text).with_statement(text) from None
    except SoqlSyntaxError as exc:
        raise exc.with_statement(text) from None


def _located_in(text: str, check: Callable[[Any], None], node: Any) -> None:
    try:
        check(node)
    except SoqlSyntaxError as exc:
        raise exc.with_statement(text) from None


def _translate(exc: UnexpectedInput, text: str) -> SoqlSyntaxError:
    if isinstance(exc, UnexpectedToken):
        return _unexpected_token(exc, text)
    if isinstance(exc, UnexpectedCharacters):
        return _unexpected_character(exc)
    return SoqlSyntaxError(f"unexpected input: {exc}", exc.line, exc.column)  # pragma: no cover


def _unexpected_token(exc: UnexpectedToken, text: str) -> SoqlSyntaxError:
    token: Token = exc.token
    if token.type == "$END":
        line, column = _end_position(text)
        return SoqlSyntaxError("unexpected token: '<EOF>'", line, column)

    stray_alias = _stray_alias(exc)
    if stray_alias is not None:
        token = stray_alias

    name, _, _ = str(token).upper().partition(":")
    if name in RELATIVE_DATES_WITH_N and ":" not in str(token):
        msg = f"relative date literal {name} needs a count, as in {name}:n"
        return SoqlSyntaxError(msg, token.line, token.column)
    return SoqlSyntaxError(f"unexpected token: '{token}'", token.line, token.column)


def _stray_alias(exc: UnexpectedToken) -> Token | None:
    """Return the word before the fault when the parser took it for an alias wrongly.

    In `SELECT Name FORM Account` the misspelt keyword reads as an alias of Name,
    and in `FROM Contact HAVING ...` a reserved word reads as the object's alias.
    The parser only fails at the next word, but the fault is the word before it.
    """
    try:
        stack = exc.interactive_parser.parser_state.value_stack
    except AttributeError:  # pragma: no cover - Lark without an interactive parser
        return None
    top = stack[-1] if stack else None
    if not (isinstance(top, Token) and top.type == "NAME"):
        return None
    after_field = len(stack) >= 2 and isinstance(stack[-2], ast.FieldPath)
    if top.upper() in RESERVED_WORDS or after_field:
        return top
    return None


def _unexpected_character(exc: UnexpectedCharacters) -> SoqlSyntaxError:
    char = exc.char
    if char == "'":
        return SoqlSyntaxError("mismatched character '<EOF>' expecting '''", exc.line, exc.column)
    return SoqlSyntaxError(f"no viable alternative at character '{char}'", exc.line, exc.column)


def _end_position(text: str) -> tuple[int, int]:
    stripped = text.rstrip()
    lines = stripped.split("\n")
    return len(lines), len(lines[-1]) + 1
