"""Syntax tree for SOQL SELECT statements.

The parser builds these nodes, the renderer turns them back into SOQL text, the
client composes them, and the sandbox executes them. Every node is a frozen
dataclass, so trees compare by value and can be shared between threads.

Tree outline::

    Query
      select:   SelectField | SubQuery | TypeOf
      from_:    FromClause
      where:    Condition  (And | Or | Not | Comparison)
      group_by: GroupBy
      having:   Condition
      order_by: OrderItem ...

Values on the right of a comparison are literals (`StringLiteral`, `NumberLiteral`,
`BooleanLiteral`, `NullLiteral`, `DateLiteral`, `DateTimeLiteral`,
`DateRangeLiteral`), a `ListValue` of literals, or a `SubQuery` for semi-joins and
anti-joins. Expressions on the left are a `FieldPath` or a `FunctionCall`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal as TypingLiteral

__all__ = [
    "And",
    "BooleanLiteral",
    "Comparison",
    "ComparisonOperator",
    "Condition",
    "DateLiteral",
    "DateRangeLiteral",
    "DateTimeLiteral",
    "Expression",
    "FieldPath",
    "FromClause",
    "FunctionCall",
    "GroupBy",
    "ListValue",
    "Not",
    "NullLiteral",
    "NumberLiteral",
    "Or",
    "OrderItem",
    "Position",
    "Query",
    "SelectField",
    "SelectItem",
    "SetOption",
    "StringLiteral",
    "SubQuery",
    "TypeOf",
    "TypeOfWhen",
    "Value",
]


@dataclass(frozen=True, slots=True)
class Position:
    """A 1-based line and column in the statement text, as Salesforce reports them."""

    line: int
    column: int


# --- Expressions ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldPath:
    """A field name, or a dotted path through parent relationships (`Account.Owner.Name`).

    `parts` keeps the spelling the user wrote; matching against metadata is
    case-insensitive and belongs to the caller.
    """

    parts: tuple[str, ...]
    position: Position | None = field(default=None, compare=False)

    @property
    def dotted(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True, slots=True)
class FunctionCall:
    """An aggregate, date or formatting function: `COUNT()`, `SUM(Amount)`,
    `CALENDAR_YEAR(CloseDate)`, `toLabel(Status)`, `FORMAT(Amount)`,
    `convertCurrency(Amount)`, `DISTANCE(...)`, `GEOLOCATION(lat, lon)`.

    `name` keeps the user's spelling; compare it with `name.upper()`.
    `COUNT()` has no arguments. Nested calls (`FORMAT(MIN(Amount))`) are allowed.
    """

    name: str
    args: tuple[Expression | Value, ...] = ()
    position: Position | None = field(default=None, compare=False)


Expression = FieldPath | FunctionCall


# --- Literal values ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StringLiteral:
    """A quoted string, with escapes already decoded.

    `like_escapes` is true when the source used `\\%` or `\\_`, which only mean a
    literal percent or underscore inside a LIKE pattern. For LIKE values the
    decoded `value` keeps those two escapes as written (backslash included), so
    the pattern stays unambiguous.
    """

    value: str
    like_escapes: bool = False


@dataclass(frozen=True, slots=True)
class NumberLiteral:
    """An integer or decimal number, kept exact.

    `currency` is the ISO code of a multi-currency literal such as `USD5000`.
    """

    value: Decimal
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class BooleanLiteral:
    value: bool


@dataclass(frozen=True, slots=True)
class NullLiteral:
    pass


@dataclass(frozen=True, slots=True)
class DateLiteral:
    """An unquoted date such as `2024-01-31`."""

    value: dt.date


@dataclass(frozen=True, slots=True)
class DateTimeLiteral:
    """An unquoted datetime such as `2024-01-31T23:01:01Z`; always timezone-aware."""

    value: dt.datetime


@dataclass(frozen=True, slots=True)
class DateRangeLiteral:
    """A relative date literal: `TODAY`, `THIS_QUARTER`, `LAST_N_DAYS:30`, ...

    `name` is upper-case without the `:n` part; `n` is set only for the `_N_` forms.
    """

    name: str
    n: int | None = None


@dataclass(frozen=True, slots=True)
class ListValue:
    """The parenthesised list on the right of IN, NOT IN, INCLUDES and EXCLUDES."""

    items: tuple[Value, ...]


Value = (
    StringLiteral
    | NumberLiteral
    | BooleanLiteral
    | NullLiteral
    | DateLiteral
    | DateTimeLiteral
    | DateRangeLiteral
)


# --- Conditions -------------------------------------------------------------

ComparisonOperator = TypingLiteral[
    "=", "!=", "<", "<=", ">", ">=", "LIKE", "IN", "NOT IN", "INCLUDES", "EXCLUDES"
]


@dataclass(frozen=True, slots=True)
class Comparison:
    """`left op right`. `right` is a `SubQuery` only for IN and NOT IN (semi- and anti-joins)."""

    left: Expression
    operator: ComparisonOperator
    right: Value | ListValue | SubQuery
    position: Position | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Condition


Condition = Comparison | And | Or | Not


# --- SELECT list ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SelectField:
    """One item of the field list, with its alias if it has one (`SUM(Amount) total`).

    `alias_position` locates the alias in the statement text.
    """

    expression: Expression
    alias: str | None = None
    alias_position: Position | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class SubQuery:
    """A nested SELECT: a child-relationship subquery in the field list, or the
    right side of a semi-join or anti-join in WHERE."""

    query: Query


@dataclass(frozen=True, slots=True)
class TypeOfWhen:
    sobject: str
    fields: tuple[FieldPath, ...]


@dataclass(frozen=True, slots=True)
class TypeOf:
    """`TYPEOF What WHEN Account THEN Name ... ELSE Name END` on a polymorphic field."""

    field: FieldPath
    whens: tuple[TypeOfWhen, ...]
    else_fields: tuple[FieldPath, ...] = ()


SelectItem = SelectField | SubQuery | TypeOf


# --- Clauses ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FromClause:
    """The object queried, with an optional alias (`FROM Contact c`)."""

    sobject: str
    alias: str | None = None
    position: Position | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class GroupBy:
    """`kind` is "plain", "ROLLUP" or "CUBE"."""

    expressions: tuple[Expression, ...]
    kind: TypingLiteral["plain", "ROLLUP", "CUBE"] = "plain"


@dataclass(frozen=True, slots=True)
class OrderItem:
    expression: Expression
    descending: bool = False
    nulls: TypingLiteral["FIRST", "LAST"] | None = None


@dataclass(frozen=True, slots=True)
class SetOption:
    """One `name = value` pair of SET OPTIONS (`dataspace = 'default'`)."""

    name: str
    value: Value


@dataclass(frozen=True, slots=True)
class Query:
    """A whole SELECT statement.

    `with_` holds the WITH clause as written in upper case, such as
    "SECURITY_ENFORCED" or "USER_MODE"; `for_` holds the FOR clause words such as
    ("VIEW",) or ("REFERENCE",) or ("UPDATE",); `using_scope` the USING SCOPE value.
    `update` holds the trailing UPDATE TRACKING or UPDATE VIEWSTAT keyword.
    `from_related` contains the extra items of the alias form
    `FROM Contact c, c.Account a`, whose `sobject` is the dotted path.
    `set_options` contains the SET OPTIONS pairs in the order written.
    """

    select: tuple[SelectItem, ...]
    from_: FromClause
    where: Condition | None = None
    with_: str | None = None
    using_scope: str | None = None
    group_by: GroupBy | None = None
    having: Condition | None = None
    order_by: tuple[OrderItem, ...] = ()
    limit: int | None = None
    offset: int | None = None
    for_: tuple[str, ...] = ()
    update: str | None = None
    from_related: tuple[FromClause, ...] = ()
    set_options: tuple[SetOption, ...] = ()
