"""WHERE and HAVING conditions → SQL boolean expressions.

SOQL differs from SQL in four ways that this module encodes:

- Text comparisons and LIKE ignore case; ids compare case-sensitively in their
  18-character form, whatever form the statement used.
- `!=` and `NOT IN` also match records whose field is null, and `NOT (...)` is the
  complement of its condition. A comparison with a null field is false (never SQL's
  unknown), so every `NOT` wraps its operand in `COALESCE(..., 0)`. NOTE: the null
  rule for `!=` and `NOT IN` follows Salesforce's observed behaviour; its
  documentation does not state it. A checkbox compared with null is compared with
  false, as the documentation does state.
- A date literal filters only date fields and a datetime literal only datetime fields;
  either mismatch is INVALID_FIELD, as in a real org. Relative date literals (TODAY,
  LAST_N_DAYS:n ...) filter both and are day ranges; on a datetime field a day is the
  24 hours from midnight UTC.
- `Id IN (SELECT ...)` semi-joins and `NOT IN` anti-joins become SQL subqueries.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from sfseg.sandbox.query import errors
from sfseg.sandbox.query.dates import UnknownDateLiteralError, date_range, datetime_bound
from sfseg.sandbox.query.expressions import (
    ID_TYPES,
    NUMBER_TYPES,
    TEXT_TYPES,
    Operand,
    compile_expression,
)
from sfseg.sandbox.query.resolve import Scope
from sfseg.sandbox.query.sql import literal
from sfseg.soql import ast
from sfseg.soql.ids import InvalidIdError, to_18

__all__ = ["ConditionCompiler"]

_SQL_OPERATORS = {"=": "=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

# The SOAP type names Salesforce uses in "must be of type X" messages.
_SOAP_TYPES = {
    "boolean": "boolean",
    "date": "date",
    "datetime": "dateTime",
    "int": "integer",
    "double": "double",
    "currency": "double",
    "percent": "double",
    "id": "id",
    "reference": "id",
}


@dataclass(frozen=True)
class _Scalar:
    sql: str


@dataclass(frozen=True)
class _Range:
    """Values from `low` (included) to `high` (excluded), as SQL literals."""

    low: str
    high: str


_Null = None
_Term = _Scalar | _Range | None


class ConditionCompiler:
    """Compile the conditions of one scope; `aggregates` allows aggregate functions (HAVING)."""

    def __init__(self, scope: Scope, today: dt.date, *, aggregates: bool = False) -> None:
        self.scope = scope
        self.today = today
        self.aggregates = aggregates

    @property
    def soql(self) -> str | None:
        return self.scope.context.soql

    def compile(self, condition: ast.Condition) -> str:
        if isinstance(condition, ast.And):
            return "(" + " AND ".join(self.compile(item) for item in condition.items) + ")"
        if isinstance(condition, ast.Or):
            return "(" + " OR ".join(self.compile(item) for item in condition.items) + ")"
        if isinstance(condition, ast.Not):
            return f"(NOT COALESCE({self.compile(condition.item)}, 0))"
        return self._comparison(condition)

    # --- operands -----------------------------------------------------------

    def _operand(self, comparison: ast.Comparison) -> Operand:
        operand = compile_expression(self.scope, comparison.left)
        position = _position(comparison)
        if operand.aggregate and not self.aggregates:
            reason = "Aggregate functions are not allowed in the WHERE clause; filter aggregates with HAVING"
            raise errors.malformed_query(reason, self.soql, position)
        if operand.field is not None and not operand.aggregate and not operand.field.filterable:
            reason = f"field '{operand.name}' can not be filtered in a query call"
            raise errors.invalid_field(self.soql, position, reason)
        return operand

    def _comparison(self, comparison: ast.Comparison) -> str:
        operand = self._operand(comparison)
        operator = comparison.operator
        right = comparison.right
        if isinstance(right, ast.SubQuery):
            return self._semi_join(operand, comparison, right.query)
        if operator in {"INCLUDES", "EXCLUDES"}:
            return self._includes(operand, comparison)
        if operator == "LIKE":
            return self._like(operand, comparison)
        items = right.items if isinstance(right, ast.ListValue) else (right,)
        terms = [self._term(operand, item, comparison) for item in items]
        if operator == "IN":
            return self._any(operand, terms)
        if operator == "NOT IN":
            return "(" + " AND ".join(self._not_equal(operand, term) for term in terms) + ")"
        if len(terms) != 1:
            msg = f"operator {operator} takes one value, not a list"
            raise errors.malformed_query(msg, self.soql, _position(comparison))
        return self._binary(operand, operator, terms[0])

    # --- values -------------------------------------------------------------

    def _type_error(self, operand: Operand, comparison: ast.Comparison) -> errors.QueryError:
        soap_type = _SOAP_TYPES.get(operand.type, "string")
        quoted = (
            operand.type in TEXT_TYPES
            or operand.type in ID_TYPES
            or operand.type == "multipicklist"
        )
        return errors.bad_filter_value(
            self.soql, _position(comparison), operand.name, soap_type, quoted
        )

    def _term(
        self, operand: Operand, value: ast.Value | ast.ListValue, comparison: ast.Comparison
    ) -> _Term:
        kind = operand.type
        if isinstance(value, ast.NullLiteral) and kind == "boolean":
            # SOQL documents `Flag = null` as `Flag = false` (a checkbox is never null).
            return _Scalar(literal(False))
        if isinstance(value, ast.NullLiteral):
            return _Null
        if kind in {"date", "datetime"}:
            return self._date_term(operand, value, comparison)
        if kind == "boolean" and isinstance(value, ast.BooleanLiteral):
            return _Scalar(literal(value.value))
        if kind in NUMBER_TYPES and isinstance(value, ast.NumberLiteral):
            return _Scalar(self._number(value.value, comparison))
        if kind in ID_TYPES and isinstance(value, ast.StringLiteral):
            return _Scalar(literal(self._record_id(value.value, comparison)))
        if (kind in TEXT_TYPES or kind == "multipicklist") and isinstance(value, ast.StringLiteral):
            return _Scalar(literal(value.value))
        raise self._type_error(operand, comparison)

    def _number(self, number: Decimal, comparison: ast.Comparison) -> str:
        if number == number.to_integral_value():
            return literal(int(number))
        if not math.isfinite(float(number)):
            reason = f"number out of range: {number}"
            raise errors.malformed_query(reason, self.soql, _position(comparison))
        return literal(float(number))

    def _record_id(self, value: str, comparison: ast.Comparison) -> str:
        try:
            return to_18(value)
        except InvalidIdError:
            reason = f"invalid ID field: {value}"
            raise errors.invalid_filter_operator(self.soql, _position(comparison), reason) from None

    def _date_term(
        self, operand: Operand, value: ast.Value | ast.ListValue, comparison: ast.Comparison
    ) -> _Term:
        datetime_field = operand.type == "datetime"
        if isinstance(value, ast.DateTimeLiteral) and datetime_field:
            stamp = value.value.astimezone(dt.UTC)
            return _Scalar(
                literal(
                    stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}+0000"
                )
            )
        if isinstance(value, ast.DateLiteral) and not datetime_field:
            return _Scalar(literal(value.value.isoformat()))
        if isinstance(value, ast.DateRangeLiteral):
            try:
                first, last = date_range(value.name, value.n, self.today)
            except UnknownDateLiteralError as exc:
                raise errors.malformed_query(str(exc)) from None
        else:
            # A date literal on a datetime field, a datetime literal on a date field, or
            # a value of another kind. NOTE: the wording for a date literal on a
            # datetime field ("must be of type dateTime") is inferred from the
            # confirmed date-field wording ("must be of type date and should not be
            # enclosed in quotes"); it is not confirmed against a real org.
            raise self._type_error(operand, comparison)
        after = last + dt.timedelta(days=1)
        if datetime_field:
            return _Range(literal(datetime_bound(first)), literal(datetime_bound(after)))
        return _Range(literal(first.isoformat()), literal(after.isoformat()))

    # --- operators ----------------------------------------------------------

    def _compare(self, operand: Operand, operator: str, value_sql: str) -> str:
        sql_operator = _SQL_OPERATORS[operator]
        if _ignores_case(operand):
            if value_sql.isascii():
                return f"{operand.sql} {sql_operator} {value_sql} COLLATE NOCASE"
            return f"sf_fold({operand.sql}) {sql_operator} sf_fold({value_sql})"
        if operand.type == "multipicklist" and operator in {"=", "!="}:
            return f"sf_mp_eq({operand.sql}, {value_sql}) = {1 if operator == '=' else 0}"
        return f"{operand.sql} {sql_operator} {value_sql}"

    def _equal(self, operand: Operand, term: _Term) -> str:
        if term is None:
            return f"{operand.sql} IS NULL"
        if isinstance(term, _Range):
            return f"({operand.sql} >= {term.low} AND {operand.sql} < {term.high})"
        return self._compare(operand, "=", term.sql)

    def _not_equal(self, operand: Operand, term: _Term) -> str:
        if term is None:
            return f"{operand.sql} IS NOT NULL"
        if isinstance(term, _Range):
            inside = f"{operand.sql} < {term.low} OR {operand.sql} >= {term.high}"
        else:
            inside = self._compare(operand, "!=", term.sql)
        return f"({operand.sql} IS NULL OR {inside})"

    def _binary(self, operand: Operand, operator: str, term: _Term) -> str:
        if operator == "=":
            return self._equal(operand, term)
        if operator == "!=":
            return self._not_equal(operand, term)
        if term is None:
            return f"({operand.sql} {operator} NULL)"
        if isinstance(term, _Range):
            bound = {
                "<": ("<", term.low),
                "<=": ("<", term.high),
                ">": (">=", term.high),
                ">=": (">=", term.low),
            }
            sql_operator, value = bound[operator]
            return f"{operand.sql} {sql_operator} {value}"
        return self._compare(operand, operator, term.sql)

    def _any(self, operand: Operand, terms: list[_Term]) -> str:
        scalars = [term.sql for term in terms if isinstance(term, _Scalar)]
        others = [self._equal(operand, term) for term in terms if not isinstance(term, _Scalar)]
        parts = list(others)
        if scalars and _ignores_case(operand) and all(sql.isascii() for sql in scalars):
            parts.insert(0, f"{operand.sql} COLLATE NOCASE IN ({', '.join(scalars)})")
        elif scalars and _ignores_case(operand):
            folded = ", ".join(f"sf_fold({sql})" for sql in scalars)
            parts.insert(0, f"sf_fold({operand.sql}) IN ({folded})")
        elif scalars and operand.type == "multipicklist":
            parts[:0] = [self._compare(operand, "=", sql) for sql in scalars]
        elif scalars:
            parts.insert(0, f"{operand.sql} IN ({', '.join(scalars)})")
        return "(" + " OR ".join(parts) + ")"

    def _like(self, operand: Operand, comparison: ast.Comparison) -> str:
        value = comparison.right
        if operand.type not in TEXT_TYPES and operand.type not in ID_TYPES:
            reason = f"invalid operator on {operand.type} field: LIKE works on text fields only"
            raise errors.invalid_filter_operator(self.soql, _position(comparison), reason)
        if not isinstance(value, ast.StringLiteral):
            raise self._type_error(operand, comparison)
        pattern = literal(_like_pattern(value))
        if pattern.isascii():
            return f"{operand.sql} LIKE {pattern} ESCAPE '\\'"
        return f"sf_like({operand.sql}, {pattern}) = 1"

    def _includes(self, operand: Operand, comparison: ast.Comparison) -> str:
        if operand.type != "multipicklist":
            reason = "includes or excludes operator only valid on multipicklist field"
            raise errors.invalid_filter_operator(self.soql, _position(comparison), reason)
        right = comparison.right
        items = right.items if isinstance(right, ast.ListValue) else (right,)
        values = []
        for item in items:
            if not isinstance(item, ast.StringLiteral):
                raise self._type_error(operand, comparison)
            values.append(literal(item.value))
        expected = 1 if comparison.operator == "INCLUDES" else 0
        joiner = " OR " if expected else " AND "
        return (
            "(" + joiner.join(f"sf_mp_has({operand.sql}, {v}) = {expected}" for v in values) + ")"
        )

    def _semi_join(self, operand: Operand, comparison: ast.Comparison, query: ast.Query) -> str:
        from sfseg.sandbox.query.subqueries import semi_join_sql

        if operand.type not in ID_TYPES:
            reason = (
                f"field '{operand.name}' must be an Id or reference field to filter with a subquery"
            )
            raise errors.invalid_field(self.soql, _position(comparison), reason)
        negated = comparison.operator == "NOT IN"
        if comparison.operator not in {"IN", "NOT IN"}:
            msg = "a subquery can only follow IN or NOT IN"
            raise errors.malformed_query(msg, self.soql, _position(comparison))
        subquery = semi_join_sql(
            self.scope, query, self.today, exclude_nulls=negated, position=_position(comparison)
        )
        if negated:
            return f"({operand.sql} IS NULL OR {operand.sql} NOT IN ({subquery}))"
        return f"{operand.sql} IN ({subquery})"


def _like_pattern(value: ast.StringLiteral) -> str:
    """Translate a SOQL LIKE pattern to SQLite's, with `\\` as the escape character.

    The parser keeps the pairs `\\\\`, `\\%` and `\\_` of a LIKE value as written, and
    that is SQLite's escape syntax already. Any other backslash is a literal one.
    """
    out: list[str] = []
    text = value.value
    index = 0
    while index < len(text):
        pair = text[index : index + 2]
        if pair in {"\\\\", "\\%", "\\_"}:
            out.append(pair)
            index += 2
            continue
        out.append("\\\\" if text[index] == "\\" else text[index])
        index += 1
    return "".join(out)


def _ignores_case(operand: Operand) -> bool:
    """Text compares without case, except fields describe flags `caseSensitive`."""
    sensitive = operand.field is not None and operand.field.case_sensitive
    return operand.type in TEXT_TYPES and not sensitive


def _position(comparison: ast.Comparison) -> ast.Position | None:
    left = comparison.left
    return comparison.position or getattr(left, "position", None)
