"""SOQL expressions (field paths and function calls) → SQL expressions with their types.

Date functions follow the SOQL reference: `DAY_IN_WEEK` counts from 1 on Sunday,
`WEEK_IN_MONTH` and `WEEK_IN_YEAR` count 7-day blocks from the first day, and the
fiscal functions equal the calendar ones because the sandbox's fiscal year starts in
January. Values are UTC, the sandbox user's time zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sfseg.sandbox.metadata import FieldSchema
from sfseg.sandbox.query import errors
from sfseg.sandbox.query.resolve import Resolved, Scope
from sfseg.soql import ast

__all__ = [
    "AGGREGATE_FUNCTIONS",
    "NUMBER_TYPES",
    "TEXT_TYPES",
    "Operand",
    "compile_expression",
    "contains_aggregate",
]

TEXT_TYPES = frozenset(
    {
        "string",
        "textarea",
        "picklist",
        "email",
        "phone",
        "url",
        "combobox",
        "encryptedstring",
        "base64",
        "time",
    }
)
ID_TYPES = frozenset({"id", "reference"})
NUMBER_TYPES = frozenset({"int", "double", "currency", "percent"})
DATE_TYPES = frozenset({"date", "datetime"})

AGGREGATE_FUNCTIONS = frozenset({"COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX"})
# Formatting functions whose value the sandbox leaves unchanged (one currency, UTC).
_IDENTITY_FUNCTIONS = frozenset({"FORMAT", "CONVERTCURRENCY", "CONVERTTIMEZONE"})


def _year(arg: str) -> str:
    return f"CAST(substr({arg}, 1, 4) AS INTEGER)"


def _month(arg: str) -> str:
    return f"CAST(substr({arg}, 6, 2) AS INTEGER)"


def _day_of_year(arg: str) -> str:
    return f"CAST(strftime('%j', substr({arg}, 1, 10)) AS INTEGER)"


_DATE_FUNCTIONS: Mapping[str, tuple[str, str]] = {
    # name -> (SQL template over {arg}, result type)
    "CALENDAR_YEAR": (_year("{arg}"), "int"),
    "CALENDAR_QUARTER": (f"(({_month('{arg}')} + 2) / 3)", "int"),
    "CALENDAR_MONTH": (_month("{arg}"), "int"),
    "DAY_IN_MONTH": ("CAST(substr({arg}, 9, 2) AS INTEGER)", "int"),
    "DAY_IN_WEEK": ("(CAST(strftime('%w', substr({arg}, 1, 10)) AS INTEGER) + 1)", "int"),
    "DAY_IN_YEAR": (_day_of_year("{arg}"), "int"),
    "DAY_ONLY": ("substr({arg}, 1, 10)", "date"),
    "FISCAL_YEAR": (_year("{arg}"), "int"),
    "FISCAL_QUARTER": (f"(({_month('{arg}')} + 2) / 3)", "int"),
    "FISCAL_MONTH": (_month("{arg}"), "int"),
    "HOUR_IN_DAY": ("CAST(substr({arg}, 12, 2) AS INTEGER)", "int"),
    "WEEK_IN_MONTH": ("((CAST(substr({arg}, 9, 2) AS INTEGER) - 1) / 7 + 1)", "int"),
    "WEEK_IN_YEAR": (f"(({_day_of_year('{arg}')} - 1) / 7 + 1)", "int"),
}
_DATETIME_ONLY = frozenset({"DAY_ONLY", "HOUR_IN_DAY"})


@dataclass(frozen=True)
class Operand:
    """A compiled expression."""

    sql: str
    type: str
    """Describe type of the value (`int` for COUNT and date functions)."""
    name: str
    """The field's API name for a plain or wrapped field; the function name otherwise."""
    field: FieldSchema | None
    resolved: Resolved | None
    """Set when the expression is a field path, possibly wrapped in toLabel/FORMAT."""
    aggregate: bool
    function: str | None = None
    """Upper-case name of the outermost function, if any."""


def contains_aggregate(expression: ast.Expression | ast.Value) -> bool:
    if not isinstance(expression, ast.FunctionCall):
        return False
    if expression.name.upper() in AGGREGATE_FUNCTIONS:
        return True
    return any(contains_aggregate(arg) for arg in expression.args)


def compile_expression(scope: Scope, expression: ast.Expression | ast.Value) -> Operand:
    """Compile a field path or function call in `scope`.

    Raises:
        QueryError: INVALID_FIELD for unknown fields or a function over a field type it
            does not take; MALFORMED_QUERY for an unknown function or wrong arguments.
    """
    if isinstance(expression, ast.FieldPath):
        resolved = scope.resolve(expression)
        return Operand(resolved.sql, resolved.type, resolved.name, resolved.field, resolved, False)
    if isinstance(expression, ast.FunctionCall):
        return _function(scope, expression)
    msg = "unexpected value where a field or function was expected"
    raise errors.malformed_query(msg)


def _function(scope: Scope, call: ast.FunctionCall) -> Operand:
    name = call.name.upper()
    if name in AGGREGATE_FUNCTIONS:
        return _aggregate(scope, call, name)
    if name in _DATE_FUNCTIONS:
        return _date_function(scope, call, name)
    if name == "DISTANCE":
        return _distance(scope, call)
    if name == "TOLABEL" or name in _IDENTITY_FUNCTIONS:
        inner = compile_expression(scope, _single_argument(scope, call))
        return Operand(
            inner.sql, inner.type, inner.name, inner.field, inner.resolved, inner.aggregate, name
        )
    reason = f"Unknown function: {call.name}"
    raise errors.malformed_query(reason, scope.context.soql, call.position)


def _single_argument(scope: Scope, call: ast.FunctionCall) -> ast.Expression:
    if len(call.args) != 1 or not isinstance(call.args[0], ast.FunctionCall | ast.FieldPath):
        reason = f"{call.name} takes one field as its argument"
        raise errors.malformed_query(reason, scope.context.soql, call.position)
    argument = call.args[0]
    assert isinstance(argument, ast.FieldPath | ast.FunctionCall)
    return argument


def _unsupported(scope: Scope, call: ast.FunctionCall, field_name: str) -> errors.QueryError:
    reason = f"field {field_name} does not support aggregate operator {call.name.upper()}"
    return errors.invalid_field(scope.context.soql, call.position, reason)


def _aggregate(scope: Scope, call: ast.FunctionCall, name: str) -> Operand:
    if not call.args:
        if name != "COUNT":
            _single_argument(scope, call)
        return Operand("COUNT(*)", "int", name, None, None, True, name)
    inner = compile_expression(scope, _single_argument(scope, call))
    if inner.aggregate:
        msg = f"Nested aggregate function: {call.name}"
        raise errors.malformed_query(msg, scope.context.soql, call.position)
    if name == "COUNT":
        return Operand(f"COUNT({inner.sql})", "int", name, None, None, True, name)
    if name == "COUNT_DISTINCT":
        return Operand(f"COUNT(DISTINCT {inner.sql})", "int", name, None, None, True, name)
    if inner.field is not None and not inner.field.aggregatable:
        raise _unsupported(scope, call, inner.name)
    if name in {"SUM", "AVG"}:
        if inner.type not in NUMBER_TYPES:
            raise _unsupported(scope, call, inner.name)
        if name == "SUM" and inner.type == "int":
            return Operand(f"SUM({inner.sql})", "int", name, None, None, True, name)
        function = "sf_sum" if name == "SUM" else "sf_avg"
        return Operand(f"{function}({inner.sql})", "double", name, None, None, True, name)
    if inner.type in {"multipicklist", "textarea", "boolean"}:
        raise _unsupported(scope, call, inner.name)
    return Operand(f"{name}({inner.sql})", inner.type, name, inner.field, None, True, name)


def _coordinate_fields(compound: FieldSchema) -> tuple[str, str]:
    """Latitude and longitude part names: `MailingLatitude` for `MailingAddress`,
    `Loc__Latitude__s` for a custom location `Loc__c`."""
    if compound.type == "address":
        prefix = compound.name.removesuffix("Address")
        return f"{prefix}Latitude", f"{prefix}Longitude"
    stem = compound.name.removesuffix("__c")
    return f"{stem}__Latitude__s", f"{stem}__Longitude__s"


def _geolocation(scope: Scope, value: ast.Expression | ast.Value) -> tuple[float, float]:
    if isinstance(value, ast.FunctionCall) and value.name.upper() == "GEOLOCATION":
        numbers = [arg.value for arg in value.args if isinstance(arg, ast.NumberLiteral)]
        if len(numbers) == 2 == len(value.args):
            return float(numbers[0]), float(numbers[1])
    msg = "DISTANCE takes GEOLOCATION(latitude, longitude) with two numbers as its second argument"
    raise errors.malformed_query(msg, scope.context.soql, getattr(value, "position", None))


def _distance(scope: Scope, call: ast.FunctionCall) -> Operand:
    """DISTANCE(location or address field, GEOLOCATION(lat, lon), 'mi' | 'km')."""
    soql = scope.context.soql
    if len(call.args) != 3 or not isinstance(call.args[0], ast.FieldPath):
        msg = "DISTANCE takes a location field, GEOLOCATION(latitude, longitude) and 'mi' or 'km'"
        raise errors.malformed_query(msg, soql, call.position)
    located = compile_expression(scope, call.args[0])
    unit = call.args[2]
    if not isinstance(unit, ast.StringLiteral) or unit.value not in {"mi", "km"}:
        msg = "DISTANCE measures in 'mi' or 'km'"
        raise errors.malformed_query(msg, soql, call.position)
    if (
        located.resolved is None
        or located.field is None
        or located.type not in {"address", "location"}
    ):
        reason = f"DISTANCE needs a location or address field, not {located.name}"
        raise errors.invalid_field(soql, call.position, reason)
    target = located.resolved.node.targets[0]
    columns = []
    for part in _coordinate_fields(located.field):
        schema_field = target.sobject.field(part)
        if schema_field is None:
            raise errors.unknown_column(soql, call.args[0].position, part, target.sobject.name)
        columns.append(target.column(schema_field.name))
    latitude, longitude = _geolocation(scope, call.args[1])
    sql = f"sf_distance({columns[0]}, {columns[1]}, {latitude!r}, {longitude!r}, '{unit.value}')"
    return Operand(sql, "double", "DISTANCE", None, None, False, "DISTANCE")


def _date_function(scope: Scope, call: ast.FunctionCall, name: str) -> Operand:
    inner = compile_expression(scope, _single_argument(scope, call))
    allowed = {"datetime"} if name in _DATETIME_ONLY else DATE_TYPES
    if inner.type not in allowed or inner.aggregate:
        reason = f"Invalid field {inner.name} for function {call.name}: a date function takes a date or datetime field"
        if name in _DATETIME_ONLY:
            reason = (
                f"Invalid field {inner.name} for function {call.name}: it takes a datetime field"
            )
        raise errors.invalid_field(scope.context.soql, call.position, reason)
    template, result_type = _DATE_FUNCTIONS[name]
    sql = template.replace("{arg}", inner.sql)
    return Operand(sql, result_type, name, None, None, False, name)
