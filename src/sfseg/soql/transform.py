"""Callbacks that build `sfseg.soql.ast` nodes while the LALR parser reduces rules.

Lark calls one method per grammar rule (or alias) with the already-built
children. Tokens carry 1-based line and column numbers, which become node
positions and error locations. Clause rules return `(clause name, value)` pairs
that `query` gathers into keyword arguments.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from lark import Token, Transformer

from sfseg.soql import ast
from sfseg.soql.errors import SoqlSyntaxError
from sfseg.soql.strings import InvalidEscapeError, decode_string
from sfseg.soql.vocabulary import (
    FIELDS_SETS,
    FUNCTION_ARITY,
    RESERVED_ALIASES,
    RESERVED_WORDS,
)

__all__ = ["SoqlTransformer", "position_of"]

_WITH_MODES = frozenset({"SECURITY_ENFORCED", "USER_MODE", "SYSTEM_MODE"})
_OFFSET_PATTERN = re.compile(r"([+-])(\d{2}):(\d{2})$")

Clause = tuple[str, Any]


def position_of(token: Token) -> ast.Position:
    return ast.Position(token.line or 1, token.column or 1)


def error_at(token: Token, message: str) -> SoqlSyntaxError:
    return SoqlSyntaxError(message, token.line, token.column)


def name_of(token: Token, *, alias: bool = False) -> str:
    """Return the text of a name token, rejecting a reserved word used as a name."""
    if token.upper() in (RESERVED_ALIASES if alias else RESERVED_WORDS):
        raise error_at(token, f"unexpected token: '{token}'")
    return str(token)


# --- Literal tokens -------------------------------------------------------------


def string_literal(token: Token, *, like: bool = False) -> ast.StringLiteral:
    try:
        value, like_escapes = decode_string(str(token), like=like)
    except InvalidEscapeError as exc:
        raise _error_inside(token, exc.offset, exc.message) from None
    return ast.StringLiteral(value, like_escapes)


def _error_inside(token: Token, offset: int, message: str) -> SoqlSyntaxError:
    """Locate *offset* (an index into the token text) as a line and column."""
    before = str(token)[:offset]
    newlines = before.count("\n")
    line = (token.line or 1) + newlines
    column = offset - before.rfind("\n") if newlines else (token.column or 1) + offset
    return SoqlSyntaxError(message, line, column)


def number_literal(token: Token) -> ast.NumberLiteral:
    return ast.NumberLiteral(Decimal(str(token)))


def currency_literal(token: Token) -> ast.NumberLiteral:
    text = str(token)
    return ast.NumberLiteral(Decimal(text[3:]), currency=text[:3].upper())


def date_literal(token: Token) -> ast.DateLiteral:
    try:
        return ast.DateLiteral(dt.date.fromisoformat(str(token)))
    except ValueError:
        raise error_at(token, f"invalid date: '{token}'") from None


def datetime_literal(token: Token) -> ast.DateTimeLiteral:
    text = str(token).upper()
    if not (text.endswith("Z") or _OFFSET_PATTERN.search(text)):
        msg = f"datetime {token} needs a time zone: add Z for UTC or an offset such as +01:00"
        raise error_at(token, msg)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    offset = _OFFSET_PATTERN.search(text)
    try:
        if offset is None or int(offset.group(2)) > 23 or int(offset.group(3)) > 59:
            raise ValueError(text)
        return ast.DateTimeLiteral(dt.datetime.fromisoformat(text))
    except ValueError:
        raise error_at(token, f"invalid datetime: '{token}'") from None


def relative_date_literal(token: Token) -> ast.DateRangeLiteral:
    name, _, count = str(token).upper().partition(":")
    return ast.DateRangeLiteral(name, int(count) if count else None)


_VALUE_BUILDERS = {
    "STRING": string_literal,
    "NUMBER": number_literal,
    "CURRENCY_NUMBER": currency_literal,
    "DATE": date_literal,
    "DATETIME": datetime_literal,
    "RELATIVE_DATE": relative_date_literal,
    "NULL": lambda token: ast.NullLiteral(),
    "TRUE": lambda token: ast.BooleanLiteral(True),
    "FALSE": lambda token: ast.BooleanLiteral(False),
}


def value_of(token: Token) -> ast.Value:
    builder: Any = _VALUE_BUILDERS[token.type]
    value: ast.Value = builder(token)
    return value


def count_of(token: Token, clause: str) -> int:
    text = str(token)
    if not text.isdigit():
        raise error_at(token, f"{clause} needs a whole number of rows, not '{text}'")
    return int(text)


# --- Rule callbacks -------------------------------------------------------------


class SoqlTransformer(Transformer[Token, Any]):
    """Rule callbacks for the LALR parser; methods are named after grammar rules."""

    # Start symbols and the statement.

    def start_query(self, children: list[ast.Query]) -> ast.Query:
        return children[0]

    def start_condition(self, children: list[ast.Condition]) -> ast.Condition:
        return children[0]

    def query(self, children: list[Any]) -> ast.Query:
        select: tuple[ast.SelectItem, ...] = children[0]
        from_items: list[ast.FromClause] = children[1][1]
        clauses: dict[str, Any] = {}
        for_words: list[Token] = []
        for clause in _flatten(children[2:]):
            name, value = clause
            if name == "for":
                for_words.append(value)
            elif name in _TAIL_CLAUSES:
                _add_tail_clause(clauses, name, value)
            else:
                clauses[name] = value
        clauses["for_"] = _ordered_for_words(for_words)
        return ast.Query(
            select=select,
            from_=from_items[0],
            from_related=tuple(from_items[1:]),
            **clauses,
        )

    # SELECT list.

    def select_clause(self, items: list[ast.SelectItem]) -> tuple[ast.SelectItem, ...]:
        return tuple(items)

    def select_field(self, children: list[Any]) -> ast.SelectField:
        expression = children[0]
        if len(children) == 1:
            return ast.SelectField(expression)
        alias: Token = children[1][1]
        return ast.SelectField(
            expression, name_of(alias, alias=True), alias_position=position_of(alias)
        )

    def alias(self, children: list[Token]) -> tuple[str, Token]:
        return ("alias", children[0])

    def child_subquery(self, children: list[ast.Query]) -> ast.SubQuery:
        return ast.SubQuery(children[0])

    def typeof(self, children: list[Any]) -> ast.TypeOf:
        field: ast.FieldPath = children[0]
        whens = tuple(child for child in children[1:] if isinstance(child, ast.TypeOfWhen))
        else_fields: tuple[ast.FieldPath, ...] = ()
        if not isinstance(children[-1], ast.TypeOfWhen):
            else_fields = children[-1]
        return ast.TypeOf(field, whens, else_fields)

    def typeof_when(self, children: list[Any]) -> ast.TypeOfWhen:
        return ast.TypeOfWhen(name_of(children[0]), children[1])

    def typeof_else(self, children: list[Any]) -> tuple[ast.FieldPath, ...]:
        fields: tuple[ast.FieldPath, ...] = children[0]
        return fields

    def field_list(self, fields: list[ast.FieldPath]) -> tuple[ast.FieldPath, ...]:
        return tuple(fields)

    # FROM and USING SCOPE.

    def from_clause(self, items: list[ast.FromClause]) -> Clause:
        return ("from", items)

    def from_item(self, children: list[Any]) -> ast.FromClause:
        names: list[Token] = [child for child in children if isinstance(child, Token)]
        aliases = [
            name_of(child[1], alias=True) for child in children if not isinstance(child, Token)
        ]
        alias = aliases[0] if aliases else None
        sobject = ".".join(name_of(name) for name in names)
        return ast.FromClause(sobject, alias, position_of(names[0]))

    def using_clause(self, children: list[Token]) -> Clause:
        return ("using_scope", name_of(children[0]))

    # WHERE.

    def where_clause(self, children: list[ast.Condition]) -> Clause:
        return ("where", children[0])

    def or_condition(self, items: list[ast.Condition]) -> ast.Or:
        return ast.Or(tuple(items))

    def and_condition(self, items: list[ast.Condition]) -> ast.And:
        return ast.And(tuple(items))

    def not_condition(self, children: list[Any]) -> ast.Not:
        return ast.Not(children[1])

    def compare(self, children: list[Any]) -> ast.Comparison:
        left, operator, right = children
        return _comparison(left, str(operator), value_of(right))

    def compare_like(self, children: list[Any]) -> ast.Comparison:
        left, _, right = children
        if right.type != "STRING":
            raise error_at(right, f"LIKE needs a quoted pattern, not '{right}'")
        return _comparison(left, "LIKE", string_literal(right, like=True))

    def compare_in(self, children: list[Any]) -> ast.Comparison:
        return _comparison(children[0], "IN", children[-1])

    def compare_not_in(self, children: list[Any]) -> ast.Comparison:
        return _comparison(children[0], "NOT IN", children[-1])

    def compare_includes(self, children: list[Any]) -> ast.Comparison:
        return _comparison(children[0], "INCLUDES", children[-1])

    def compare_excludes(self, children: list[Any]) -> ast.Comparison:
        return _comparison(children[0], "EXCLUDES", children[-1])

    def semi_join(self, children: list[ast.Query]) -> ast.SubQuery:
        return ast.SubQuery(children[0])

    def value_list(self, tokens: list[Token]) -> ast.ListValue:
        return ast.ListValue(tuple(value_of(token) for token in tokens))

    # WITH.

    def with_mode(self, children: list[Token]) -> Clause:
        mode = children[0]
        if mode.upper() not in _WITH_MODES:
            raise error_at(mode, f"unexpected token: '{mode}'")
        return ("with_", mode.upper())

    def with_data_category(self, children: list[Any]) -> Clause:
        filters: list[str] = children[1:]
        return ("with_", "DATA CATEGORY " + " AND ".join(filters))

    def category_filter(self, children: list[Any]) -> str:
        group, selector, values = children
        return f"{group} {selector.upper()} {values}"

    def category_values(self, names: list[Token]) -> str:
        if len(names) == 1:
            return str(names[0])
        return "(" + ", ".join(names) + ")"

    # GROUP BY, HAVING, ORDER BY, LIMIT, OFFSET, FOR, UPDATE.

    def group_clause(self, children: list[Any]) -> list[Clause]:
        return [("group_by", children[0]), *children[1:]]

    def group_plain(self, children: list[Any]) -> ast.GroupBy:
        return ast.GroupBy(children[0])

    def group_rollup(self, children: list[Any]) -> ast.GroupBy:
        return ast.GroupBy(children[-1], "ROLLUP")

    def group_cube(self, children: list[Any]) -> ast.GroupBy:
        return ast.GroupBy(children[-1], "CUBE")

    def operand_list(self, items: list[ast.Expression]) -> tuple[ast.Expression, ...]:
        return tuple(items)

    def having_clause(self, children: list[ast.Condition]) -> Clause:
        return ("having", children[0])

    def order_clause(self, items: list[ast.OrderItem]) -> Clause:
        return ("order_by", tuple(items))

    def order_item(self, children: list[Any]) -> ast.OrderItem:
        options = dict(children[1:])
        return ast.OrderItem(
            children[0],
            descending=options.get("direction") == "DESC",
            nulls=options.get("nulls"),
        )

    def direction(self, children: list[Token]) -> Clause:
        return ("direction", children[0].upper())

    def nulls_position(self, children: list[Token]) -> Clause:
        return ("nulls", children[0].upper())

    def limit_clause(self, children: list[Token]) -> Clause:
        return ("limit", count_of(children[0], "LIMIT"))

    def offset_clause(self, children: list[Token]) -> Clause:
        return ("offset", count_of(children[0], "OFFSET"))

    def for_clause(self, children: list[Token]) -> Clause:
        return ("for", children[0])

    def update_clause(self, children: list[Token]) -> Clause:
        return ("update", (children[0], children[1].upper()))

    def set_options_clause(self, children: list[Any]) -> Clause:
        keyword: Token = children[0]
        return ("set_options", (keyword, tuple(children[1:])))

    def set_option(self, children: list[Token]) -> ast.SetOption:
        name, operator, value = children
        if operator != "=":
            raise error_at(operator, f"unexpected token: '{operator}'")
        return ast.SetOption(name_of(name), value_of(value))

    # Expressions.

    def field_path(self, names: list[Token]) -> ast.FieldPath:
        return ast.FieldPath(tuple(name_of(name) for name in names), position_of(names[0]))

    def function_call(self, children: list[Any]) -> ast.FunctionCall:
        name: Token = children[0]
        args = tuple(_argument(child) for child in children[1:])
        _check_function(name, args)
        return ast.FunctionCall(str(name), args, position_of(name))


def _comparison(left: ast.Expression, operator: str, right: Any) -> ast.Comparison:
    return ast.Comparison(left, operator, right, left.position)  # type: ignore[arg-type]


def _argument(child: Any) -> ast.Expression | ast.Value:
    if isinstance(child, Token):
        return value_of(child)
    argument: ast.Expression = child
    return argument


def _check_function(name: Token, args: tuple[ast.Expression | ast.Value, ...]) -> None:
    arity = FUNCTION_ARITY.get(name.upper())
    if arity is None:
        raise error_at(name, f"unknown function: '{name}'")

    low, high = arity
    if not low <= len(args) <= high:
        expected = str(low) if low == high else f"{low} or {high}"
        msg = f"function {name}() takes {expected} argument(s), got {len(args)}"
        raise error_at(name, msg)

    if name.upper() == "FIELDS":
        argument = args[0]
        if not (isinstance(argument, ast.FieldPath) and argument.dotted.upper() in FIELDS_SETS):
            raise error_at(name, "FIELDS() takes ALL, STANDARD or CUSTOM")


# Clauses after OFFSET, which the grammar accepts in any order, each as (keyword token, value).
_TAIL_CLAUSES = frozenset({"update", "set_options"})


def _add_tail_clause(clauses: dict[str, Any], name: str, value: tuple[Token, Any]) -> None:
    keyword, content = value
    if name in clauses:
        raise error_at(keyword, f"unexpected token: '{keyword}'")
    clauses[name] = content


def _flatten(children: Sequence[Any]) -> list[Clause]:
    clauses: list[Clause] = []
    for child in children:
        if isinstance(child, list):
            clauses.extend(child)
        else:
            clauses.append(child)
    return clauses


def _ordered_for_words(tokens: list[Token]) -> tuple[str, ...]:
    """Check the FOR words and put them in Salesforce's clause order: VIEW or
    REFERENCE first, FOR UPDATE last."""
    seen: list[str] = []
    for token in tokens:
        word = token.upper()
        if word in seen or (word != "UPDATE" and {"VIEW", "REFERENCE"} & set(seen)):
            raise error_at(token, f"unexpected token: '{token}'")
        seen.append(word)
    return tuple(sorted(seen, key=lambda word: word == "UPDATE"))
