"""Report filters: `reportFilters` conditions and the `reportBooleanFilter` logic.

A filter value with commas means any of those values ("Manufacturing,Recreation"), as
in the Reports API's filter examples. Text comparisons ignore letter case, as report
filters do in Salesforce. `reportBooleanFilter` combines the filters by their 1-based
position, as in `(1 OR 3) AND 2`; without it every filter must hold.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sfseg.soql.ids import is_salesforce_id, to_18

__all__ = ["FilterError", "ReportFilter", "compile_filters"]

_NUMERIC_TYPES = frozenset({"int", "double", "currency", "percent"})
_TOKEN = re.compile(r"\s*(\d+|AND|OR|NOT|\(|\))", re.IGNORECASE)


class FilterError(ValueError):
    """A report filter that cannot be applied; the message names the bad value."""


@dataclass(frozen=True)
class ReportFilter:
    """One `reportFilters` entry: column token, operator and value text."""

    column: str
    operator: str
    value: str


def _as_number(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", "").replace("$", "").strip())
    except InvalidOperation:
        return None


def _comparable(value: Any, data_type: str) -> Any:
    if value is None or value == "":
        return None
    if data_type in _NUMERIC_TYPES:
        return value if isinstance(value, Decimal) else _as_number(str(value))
    if data_type == "boolean":
        return str(value).lower() == "true" if isinstance(value, str) else bool(value)
    if data_type == "date":
        return str(value)[:10]
    if data_type == "id":
        # Ids compare in their 18-character form, so a 15-character filter value matches.
        text = str(value)
        return to_18(text) if is_salesforce_id(text) else text
    return str(value).lower()


def _compare(operator: str, left: Any, right: Any) -> bool:
    if operator == "equals":
        return bool(left == right)
    if operator == "notEqual":
        return bool(left != right)
    if left is None or right is None:
        return False
    checks: dict[str, Callable[[Any, Any], bool]] = {
        "lessThan": lambda a, b: a < b,
        "greaterThan": lambda a, b: a > b,
        "lessOrEqual": lambda a, b: a <= b,
        "greaterOrEqual": lambda a, b: a >= b,
        "contains": lambda a, b: str(b) in str(a),
        "notContain": lambda a, b: str(b) not in str(a),
        "startsWith": lambda a, b: str(a).startswith(str(b)),
        "includes": lambda a, b: str(b) in str(a).split(";"),
        "excludes": lambda a, b: str(b) not in str(a).split(";"),
    }
    check = checks.get(operator)
    if check is None:
        msg = f"filter operator {operator!r} is not supported; use one of equals, notEqual, {', '.join(checks)}"
        raise FilterError(msg)
    return check(left, right)


def _condition(item: ReportFilter, data_type: str) -> Callable[[Mapping[str, Any]], bool]:
    parts = item.value.split(",") if data_type not in _NUMERIC_TYPES else [item.value]
    expected = [_comparable(part.strip() if data_type != "string" else part, data_type) for part in parts]
    negative = item.operator in ("notEqual", "notContain", "excludes")

    def test(row: Mapping[str, Any]) -> bool:
        actual = _comparable(row.get(item.column), data_type)
        results = (_compare(item.operator, actual, value) for value in expected)
        return all(results) if negative else any(results)

    return test


def _parse_logic(text: str, count: int) -> Callable[[Sequence[bool]], bool]:
    tokens: list[str] = []
    position = 0
    while position < len(text.rstrip()):
        match = _TOKEN.match(text, position)
        if match is None:
            msg = f"reportBooleanFilter {text!r} has an unexpected character at {position + 1}"
            raise FilterError(msg)
        tokens.append(match.group(1).upper())
        position = match.end()
    parser = _LogicParser(tokens, count, text)
    return parser.parse()


class _LogicParser:
    """Recursive descent over `expr := term (OR term)*`, `term := factor (AND factor)*`."""

    def __init__(self, tokens: list[str], count: int, text: str) -> None:
        self._tokens = tokens
        self._count = count
        self._text = text
        self._index = 0

    def _peek(self) -> str | None:
        return self._tokens[self._index] if self._index < len(self._tokens) else None

    def _take(self) -> str:
        token = self._peek()
        if token is None:
            msg = f"reportBooleanFilter {self._text!r} ends too early"
            raise FilterError(msg)
        self._index += 1
        return token

    def parse(self) -> Callable[[Sequence[bool]], bool]:
        node = self._or()
        if self._peek() is not None:
            msg = f"reportBooleanFilter {self._text!r} has an unexpected {self._peek()!r}"
            raise FilterError(msg)
        return node

    def _or(self) -> Callable[[Sequence[bool]], bool]:
        items = [self._and()]
        while self._peek() == "OR":
            self._take()
            items.append(self._and())
        return items[0] if len(items) == 1 else (lambda v: any(item(v) for item in items))

    def _and(self) -> Callable[[Sequence[bool]], bool]:
        items = [self._factor()]
        while self._peek() == "AND":
            self._take()
            items.append(self._factor())
        return items[0] if len(items) == 1 else (lambda v: all(item(v) for item in items))

    def _factor(self) -> Callable[[Sequence[bool]], bool]:
        token = self._take()
        if token == "NOT":
            inner = self._factor()
            return lambda v: not inner(v)
        if token == "(":
            node = self._or()
            if self._take() != ")":
                msg = f"reportBooleanFilter {self._text!r} has an unclosed parenthesis"
                raise FilterError(msg)
            return node
        if token.isdigit() and 1 <= int(token) <= self._count:
            index = int(token) - 1
            return lambda v: v[index]
        msg = f"reportBooleanFilter {self._text!r} names filter {token}, but there are {self._count} filters"
        raise FilterError(msg)


def compile_filters(
    filters: Sequence[ReportFilter], boolean_filter: str | None, data_types: Mapping[str, str]
) -> Callable[[Mapping[str, Any]], bool]:
    """Return a predicate over report rows (dicts keyed by column token).

    Raises:
        FilterError: an unknown column or operator, or malformed boolean logic.
    """
    conditions = []
    for item in filters:
        data_type = data_types.get(item.column)
        if data_type is None:
            msg = f"filter column {item.column!r} is not a column of this report type"
            raise FilterError(msg)
        conditions.append(_condition(item, data_type))
    if not conditions:
        return lambda row: True
    logic = _parse_logic(boolean_filter, len(conditions)) if boolean_filter else None

    def predicate(row: Mapping[str, Any]) -> bool:
        outcomes = [condition(row) for condition in conditions]
        return logic(outcomes) if logic is not None else all(outcomes)

    return predicate

