"""The error the SOQL executor raises, and the message shapes Salesforce uses for it.

Salesforce echoes the statement around a query error, marks the column with a caret
and names the row and column before the reason::

    \\nSELECT Id, Foo FROM Account\\n           ^\\nERROR at Row:1:Column:12\\nNo such column ...

`located_message` builds that shape from an `ast.Position`.
"""

from __future__ import annotations

from sfseg.soql import ast

__all__ = [
    "QueryError",
    "aggregate_too_large",
    "invalid_filter_operator",
    "offset_too_large",
    "bad_filter_value",
    "invalid_field",
    "invalid_type",
    "located_message",
    "malformed_query",
    "unknown_child_relationship",
    "unknown_column",
    "unknown_relationship",
]

# How much of a long line the caret excerpt keeps on each side of the error column.
_EXCERPT_RADIUS = 40

_CUSTOM_FIELD_HINT = (
    "If you are attempting to use a custom field, be sure to append the '__c' after the "
    "custom field name. Please reference your WSDL or the describe call for the "
    "appropriate names."
)
_CUSTOM_OBJECT_HINT = (
    "If you are attempting to use a custom object, be sure to append the '__c' after the "
    "entity name. Please reference your WSDL or the describe call for the appropriate names."
)
_CUSTOM_RELATIONSHIP_HINT = (
    "If you are attempting to use a custom relationship, be sure to append the '__r' after "
    "the custom relationship name. Please reference your WSDL or the describe call for the "
    "appropriate names."
)


class QueryError(Exception):
    """A SOQL statement Salesforce would reject, with its `errorCode` and HTTP status."""

    def __init__(self, error_code: str, message: str, http_status: int = 400) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.message = message
        self.http_status = http_status

    def __repr__(self) -> str:
        return (
            f"QueryError(error_code={self.error_code!r}, message={self.message!r}, "
            f"http_status={self.http_status})"
        )


def located_message(soql: str | None, position: ast.Position | None, reason: str) -> str:
    """Prefix `reason` with the statement excerpt, a caret and `ERROR at Row:r:Column:c`.

    Without the statement text or a position only `reason` is returned.
    """
    if soql is None or position is None:
        return reason
    lines = soql.splitlines() or [""]
    line = lines[position.line - 1] if 0 < position.line <= len(lines) else ""
    start = max(0, position.column - 1 - _EXCERPT_RADIUS)
    excerpt = line[start : position.column - 1 + _EXCERPT_RADIUS]
    caret = " " * (position.column - 1 - start) + "^"
    return f"\n{excerpt}\n{caret}\nERROR at Row:{position.line}:Column:{position.column}\n{reason}"


def malformed_query(
    message: str, soql: str | None = None, position: ast.Position | None = None
) -> QueryError:
    return QueryError("MALFORMED_QUERY", located_message(soql, position, message))


def invalid_filter_operator(
    soql: str | None, position: ast.Position | None, reason: str
) -> QueryError:
    return QueryError("INVALID_QUERY_FILTER_OPERATOR", located_message(soql, position, reason))


def offset_too_large(maximum: int) -> QueryError:
    return QueryError("NUMBER_OUTSIDE_VALID_RANGE", f"Maximum SOQL offset allowed is {maximum}")


def aggregate_too_large() -> QueryError:
    return QueryError(
        "EXCEEDED_ID_LIMIT",
        "Aggregate query does not support queryMore(), use LIMIT to restrict the results "
        "to a single batch",
    )


def invalid_field(soql: str | None, position: ast.Position | None, reason: str) -> QueryError:
    return QueryError("INVALID_FIELD", located_message(soql, position, reason))


def invalid_type(soql: str | None, position: ast.Position | None, sobject: str) -> QueryError:
    reason = f"sObject type '{sobject}' is not supported. {_CUSTOM_OBJECT_HINT}"
    return QueryError("INVALID_TYPE", located_message(soql, position, reason))


def unknown_column(
    soql: str | None, position: ast.Position | None, column: str, entity: str
) -> QueryError:
    reason = f"No such column '{column}' on entity '{entity}'. {_CUSTOM_FIELD_HINT}"
    return invalid_field(soql, position, reason)


def unknown_relationship(
    soql: str | None, position: ast.Position | None, relationship: str
) -> QueryError:
    reason = f"Didn't understand relationship '{relationship}' in field path. {_CUSTOM_RELATIONSHIP_HINT}"
    return invalid_field(soql, position, reason)


def unknown_child_relationship(
    soql: str | None, position: ast.Position | None, relationship: str
) -> QueryError:
    reason = (
        f"Didn't understand relationship '{relationship}' in FROM clause of nested query. "
        f"{_CUSTOM_RELATIONSHIP_HINT}"
    )
    return invalid_field(soql, position, reason)


def bad_filter_value(
    soql: str | None, position: ast.Position | None, field: str, soap_type: str, quoted: bool
) -> QueryError:
    """Build Salesforce's error for a filter value of the wrong kind.

    `quoted` tells what the field needs: strings and ids are quoted, and dates,
    numbers and booleans are not.
    """
    quoting = "should be enclosed in quotes" if quoted else "should not be enclosed in quotes"
    reason = (
        f"value of filter criterion for field '{field}' must be of type {soap_type} and {quoting}"
    )
    return invalid_field(soql, position, reason)
