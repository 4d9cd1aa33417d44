"""The SOQL syntax error and the located message shape Salesforce uses.

Salesforce rejects a bad query with `MALFORMED_QUERY` (or `INVALID_FIELD` and
similar codes) and a message that repeats the offending line, points at the column with
a caret, then names the place and the cause::

    \\nSELECT Name FORM Account\\n            ^\\nERROR at Row:1:Column:13\\nunexpected token: 'FORM'

Rows and columns are 1-based. Statement-wide errors (empty, too long) carry no
location and are the bare sentence.
"""

from __future__ import annotations

__all__ = [
    "EMPTY_STATEMENT_MESSAGE",
    "MAX_STATEMENT_LENGTH",
    "TOO_LONG_MESSAGE",
    "SoqlSyntaxError",
    "located_message",
]

# Salesforce's limit on a whole SOQL statement, in characters. Longer statements
# fail as MALFORMED_QUERY with TOO_LONG_MESSAGE.
MAX_STATEMENT_LENGTH = 100_000
TOO_LONG_MESSAGE = f"SOQL statements can not be longer than {MAX_STATEMENT_LENGTH} characters"
EMPTY_STATEMENT_MESSAGE = "SOQL statements cannot be empty or null"


def located_message(statement: str | None, line: int, column: int, message: str) -> str:
    """Build Salesforce's located error text: the source line, a caret under
    *column*, `ERROR at Row:r:Column:c`, then *message*.

    Without the *statement* the first two parts are left out. The sandbox uses
    this for INVALID_FIELD and INVALID_TYPE errors, so every located error reads
    alike.
    """
    location = f"ERROR at Row:{line}:Column:{column}\n{message}"
    if statement is None:
        return location

    # Split on "\n" only, as the parser counts lines; splitlines() would also break
    # at characters such as U+2028 that a string literal may contain.
    lines = statement.split("\n")
    source_line = lines[line - 1].rstrip("\r") if 0 < line <= len(lines) else ""
    caret = " " * max(column - 1, 0) + "^"
    return f"\n{source_line}\n{caret}\n{location}"


class SoqlSyntaxError(ValueError):
    """A statement that is not valid SOQL, with the 1-based line and column of the fault.

    `message` is the cause alone (for example `unexpected token: 'FORM'`);
    `str()` gives the full Salesforce MALFORMED_QUERY text. `line` and `column`
    are None for errors about the whole statement.
    """

    def __init__(
        self,
        message: str,
        line: int | None = None,
        column: int | None = None,
        *,
        statement: str | None = None,
    ) -> None:
        super().__init__(message, line, column)
        self.message = message
        self.line = line
        self.column = column
        self.statement = statement

    def __str__(self) -> str:
        if self.line is None or self.column is None:
            return self.message
        return located_message(self.statement, self.line, self.column, self.message)

    def __repr__(self) -> str:
        return (
            f"SoqlSyntaxError(message={self.message!r}, line={self.line!r}, column={self.column!r})"
        )

    def with_statement(self, statement: str) -> SoqlSyntaxError:
        """Return a copy that quotes *statement* in its text."""
        return SoqlSyntaxError(self.message, self.line, self.column, statement=statement)
