"""Operators and literal values checked against a field's describe type.

`rule_value` turns a value from a rule document (YAML/JSON scalar or list) into a SOQL
literal for the field; `check_literal` checks a literal parsed from SOQL text. Both
return problem messages instead of raising, so every problem of a document is reported.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from sfseg.segments.criteria.metadata import FieldInfo
from sfseg.soql import ast, ids, like_pattern, render
from sfseg.soql.strings import has_like_escapes

__all__ = [
    "RULE_OPERATORS",
    "Issue",
    "check_literal",
    "check_operator",
    "parse_date_range",
    "rule_value",
]

# Rule operator -> SOQL comparison operator. starts_with and contains become LIKE with
# an escaped pattern; is_null and not_null compare with null.
RULE_OPERATORS: dict[str, ast.ComparisonOperator] = {
    "eq": "=",
    "ne": "!=",
    "lt": "<",
    "lte": "<=",
    "gt": ">",
    "gte": ">=",
    "in": "IN",
    "not_in": "NOT IN",
    "like": "LIKE",
    "starts_with": "LIKE",
    "contains": "LIKE",
    "includes": "INCLUDES",
    "excludes": "EXCLUDES",
    "is_null": "=",
    "not_null": "!=",
}

_LIKE_TYPES = frozenset({"string", "textarea", "email", "phone", "url", "picklist", "combobox"})
_ORDERED_TYPES = frozenset(
    {"int", "double", "currency", "percent", "long", "date", "datetime", "time"}
    | {"string", "email", "phone", "url", "id", "reference", "combobox"}
)
_LIST_OPERATORS = frozenset({"IN", "NOT IN", "INCLUDES", "EXCLUDES"})

_DATE_RANGE_WORDS = re.compile(
    r"^(?:YESTERDAY|TODAY|TOMORROW|(?:LAST|NEXT)_90_DAYS"
    r"|(?:LAST|THIS|NEXT)_(?:WEEK|MONTH|QUARTER|YEAR|FISCAL_QUARTER|FISCAL_YEAR))$"
)
_DATE_RANGE_N = re.compile(
    r"^(?:(?:LAST|NEXT)_N_(?P<unit>DAYS|WEEKS|MONTHS|QUARTERS|YEARS|FISCAL_QUARTERS|FISCAL_YEARS)"
    r"|N_(?P<ago>DAYS|WEEKS|MONTHS|QUARTERS|YEARS|FISCAL_QUARTERS|FISCAL_YEARS)_AGO):(?P<n>\d+)$"
)

Issue = tuple[str, str | None]
"""A problem message and an optional close-match suggestion."""


def parse_date_range(text: str) -> ast.DateRangeLiteral | None:
    """Parse a relative date literal such as `LAST_N_DAYS:365` or `THIS_QUARTER`."""
    upper = text.strip().upper()
    if _DATE_RANGE_WORDS.match(upper):
        return ast.DateRangeLiteral(upper)
    match = _DATE_RANGE_N.match(upper)
    if match:
        return ast.DateRangeLiteral(upper.split(":", 1)[0], int(match.group("n")))
    return None


def check_operator(field: FieldInfo, operator: str, rule_op: str | None = None) -> str | None:
    """Return why `operator` does not suit the field's type, or None when it does."""
    shown = rule_op or operator
    kind = field.type
    if operator in ("INCLUDES", "EXCLUDES") and kind != "multipicklist":
        return f"{shown} needs a multi-select picklist, and {field.name} is {kind}"
    if operator == "LIKE" and kind not in _LIKE_TYPES:
        return f"{shown} needs a text field, and {field.name} is {kind}"
    if operator in ("<", "<=", ">", ">=") and kind not in _ORDERED_TYPES:
        return f"{shown} cannot compare {kind} field {field.name}; use eq or ne"
    if operator in ("IN", "NOT IN") and kind in ("multipicklist", "boolean"):
        hint = "includes/excludes" if kind == "multipicklist" else "eq"
        return f"{shown} does not work on {kind} field {field.name}; use {hint}"
    return None


def _suggest(value: str, choices: tuple[str, ...]) -> str | None:
    lowered = {choice.lower(): choice for choice in choices}
    matches = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[matches[0]] if matches else None


def _check_picklist(field: FieldInfo, value: str) -> Issue | None:
    if not field.picklist_values:
        return None
    parts = value.split(";") if field.type == "multipicklist" else [value]
    known = {choice.lower() for choice in field.picklist_values}
    for part in parts:
        if part.strip().lower() not in known:
            message = (
                f"{part!r} is not a value of picklist {field.name} "
                "(to match a stored value outside the picklist, use like)"
            )
            return message, _suggest(part.strip(), field.picklist_values)
    return None


def _check_text(field: FieldInfo, literal: ast.StringLiteral, operator: str) -> Issue | None:
    if operator == "LIKE":
        return None
    if field.type in ("id", "reference") and not ids.is_salesforce_id(literal.value):
        return f"{literal.value!r} is not a Salesforce id for {field.name}", None
    if field.type in ("picklist", "multipicklist"):
        return _check_picklist(field, literal.value)
    return None


def _check_number(field: FieldInfo, literal: ast.Value) -> Issue | None:
    if not isinstance(literal, ast.NumberLiteral):
        return f"{field.name} is {field.type}: use an unquoted number", None
    if field.type == "int" and literal.value != literal.value.to_integral_value():
        return f"{field.name} is an integer field; {literal.value} has a fraction", None
    return None


# How to write a datetime value, for messages about a date given to a datetime field.
_DATETIME_FIX = (
    "use YYYY-MM-DDThh:mm:ssZ with a time zone (2024-01-01T00:00:00Z is midnight UTC) "
    "or a relative date such as LAST_N_DAYS:30"
)


def _check_temporal(field: FieldInfo, literal: ast.Value) -> Issue | None:
    # Salesforce rejects a date literal on a datetime field and a datetime literal on a
    # date field (INVALID_FIELD "value of filter criterion ... must be of type ...").
    if field.type == "date":
        if isinstance(literal, ast.DateLiteral | ast.DateRangeLiteral):
            return None
        message = (
            f"{field.name} is a date: use YYYY-MM-DD or a relative date such as "
            f"LAST_N_DAYS:30, not {render(literal)}"
        )
        return message, None
    if isinstance(literal, ast.DateTimeLiteral | ast.DateRangeLiteral):
        return None
    return f"{field.name} is a datetime: {_DATETIME_FIX}, not {render(literal)}", None


def check_literal(field: FieldInfo, literal: ast.Value, operator: str) -> Issue | None:
    """Return a problem when a SOQL literal does not fit the field's type."""
    if isinstance(literal, ast.NullLiteral):
        if operator in ("=", "!="):
            return None
        return f"null only works with = or != (is_null / not_null), not {operator}", None
    if field.is_text:
        if isinstance(literal, ast.StringLiteral):
            return _check_text(field, literal, operator)
        return f"{field.name} is {field.type}: write the value as a quoted string", None
    if field.type == "boolean":
        if isinstance(literal, ast.BooleanLiteral):
            return None
        return f"{field.name} is boolean: use true or false", None
    if field.is_number:
        return _check_number(field, literal)
    if field.type in ("date", "datetime"):
        return _check_temporal(field, literal)
    return None


# --- rule document values ---------------------------------------------------


class _InvalidValueError(ValueError):
    pass


def _shown(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value)


def _text_value(field: FieldInfo, value: Any) -> ast.Value:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        msg = f"{field.name} is {field.type}: give a text value, not {_shown(value)}"
        raise _InvalidValueError(msg)
    return ast.StringLiteral(str(value))


def _boolean_value(field: FieldInfo, value: Any) -> ast.Value:
    if isinstance(value, bool):
        return ast.BooleanLiteral(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return ast.BooleanLiteral(value.strip().lower() == "true")
    msg = f"{field.name} is boolean: give true or false, not {_shown(value)}"
    raise _InvalidValueError(msg)


def _number_value(field: FieldInfo, value: Any) -> ast.Value:
    if isinstance(value, bool):
        msg = f"{field.name} is {field.type}: give a number, not {_shown(value)}"
        raise _InvalidValueError(msg)
    try:
        number = (
            Decimal(str(value).strip()) if isinstance(value, str | int | float | Decimal) else None
        )
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        msg = f"{field.name} is {field.type}: give a number, not {_shown(value)}"
        raise _InvalidValueError(msg)
    if field.type == "int" and number != number.to_integral_value():
        msg = f"{field.name} is an integer field; {value!r} has a fraction"
        raise _InvalidValueError(msg)
    return ast.NumberLiteral(number)


def _date_value(field: FieldInfo, value: Any) -> ast.Value:
    if isinstance(value, dt.datetime):
        msg = f"{field.name} is a date: give YYYY-MM-DD, not the datetime {value.isoformat()}"
        raise _InvalidValueError(msg)
    if isinstance(value, dt.date):
        return ast.DateLiteral(value)
    if isinstance(value, str):
        relative = parse_date_range(value)
        if relative is not None:
            return relative
        try:
            return ast.DateLiteral(dt.date.fromisoformat(value.strip()))
        except ValueError:
            pass
    msg = f"{field.name} is a date: give YYYY-MM-DD or a relative date such as LAST_N_DAYS:30, not {_shown(value)}"
    raise _InvalidValueError(msg)


def _datetime_value(field: FieldInfo, value: Any) -> ast.Value:
    stamp = value
    if isinstance(value, str):
        relative = parse_date_range(value)
        if relative is not None:
            return relative
        with contextlib.suppress(ValueError):
            stamp = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if isinstance(stamp, dt.datetime) and stamp.tzinfo is not None:
        return ast.DateTimeLiteral(stamp.astimezone(dt.UTC))
    msg = f"{field.name} is a datetime: {_DATETIME_FIX}, not {_shown(value)}"
    raise _InvalidValueError(msg)


def _scalar(field: FieldInfo, value: Any) -> ast.Value:
    if field.is_text:
        return _text_value(field, value)
    if field.type == "boolean":
        return _boolean_value(field, value)
    if field.is_number:
        return _number_value(field, value)
    if field.type == "date":
        return _date_value(field, value)
    if field.type == "datetime":
        return _datetime_value(field, value)
    return _text_value(field, value)


def rule_value(
    field: FieldInfo, rule_op: str, value: Any
) -> tuple[ast.Value | ast.ListValue | None, Issue | None]:
    """Convert a rule's value for `field` and `rule_op` into a SOQL literal, or explain why not."""
    operator = RULE_OPERATORS[rule_op]
    if rule_op in ("is_null", "not_null"):
        if value is not None:
            return None, (f"{rule_op} takes no value; remove {value!r}", None)
        return ast.NullLiteral(), None
    if value is None:
        return None, (f"{rule_op} needs a value; for a missing value use is_null", None)

    try:
        if operator in _LIST_OPERATORS:
            values = value if isinstance(value, list) else [value]
            if not values:
                return None, (f"{rule_op} needs at least one value", None)
            items = tuple(_scalar(field, item) for item in values)
            for item in items:
                issue = check_literal(field, item, operator)
                if issue is not None:
                    return None, issue
            return ast.ListValue(items), None
        if isinstance(value, list):
            return None, (f"{rule_op} takes one value; for a list use in or not_in", None)
        if rule_op in ("starts_with", "contains"):
            text = _text_value(field, value)
            assert isinstance(text, ast.StringLiteral)
            pattern = like_pattern(
                text.value, prefix=rule_op == "starts_with", contains=rule_op == "contains"
            )
            return ast.StringLiteral(pattern, like_escapes=has_like_escapes(pattern)), None
        literal = _scalar(field, value)
    except _InvalidValueError as exc:
        return None, (str(exc), None)

    issue = check_literal(field, literal, operator)
    if issue is not None:
        return None, issue
    return literal, None
