"""Names the SOQL language fixes: relative date literals, functions and reserved words.

The relative date literals are those of the SOQL and SOSL Reference page "Date
Formats and Date Literals in WHERE"; the reserved words come from its page
"Alias Notation".
"""

from __future__ import annotations

__all__ = [
    "AGGREGATE_FUNCTIONS",
    "DATE_FUNCTIONS",
    "FIELDS_SETS",
    "FUNCTION_ARITY",
    "RELATIVE_DATES",
    "RELATIVE_DATES_WITH_N",
    "RESERVED_ALIASES",
    "RESERVED_WORDS",
]

# Keywords that cannot be used as names. Salesforce documents the list for aliases
# ("Alias Notation"), where GROUP is in it too; GROUP is allowed elsewhere because
# Group is a standard object.
# NOTE: Salesforce may reject more of these words as field names than this parser
# does; the documented list only speaks of aliases.
RESERVED_WORDS: frozenset[str] = frozenset(
    {
        "AND",
        "ASC",
        "DESC",
        "EXCLUDES",
        "FIRST",
        "FROM",
        "HAVING",
        "IN",
        "INCLUDES",
        "LAST",
        "LIKE",
        "LIMIT",
        "NOT",
        "NULL",
        "NULLS",
        "OR",
        "SELECT",
        "USING",
        "WHERE",
        "WITH",
    }
)
RESERVED_ALIASES: frozenset[str] = RESERVED_WORDS | {"GROUP"}

# Relative date literals that stand alone (`TODAY`).
RELATIVE_DATES: frozenset[str] = frozenset(
    {
        "YESTERDAY",
        "TODAY",
        "TOMORROW",
        "LAST_WEEK",
        "THIS_WEEK",
        "NEXT_WEEK",
        "LAST_MONTH",
        "THIS_MONTH",
        "NEXT_MONTH",
        "LAST_90_DAYS",
        "NEXT_90_DAYS",
        "THIS_QUARTER",
        "LAST_QUARTER",
        "NEXT_QUARTER",
        "THIS_YEAR",
        "LAST_YEAR",
        "NEXT_YEAR",
        "THIS_FISCAL_QUARTER",
        "LAST_FISCAL_QUARTER",
        "NEXT_FISCAL_QUARTER",
        "THIS_FISCAL_YEAR",
        "LAST_FISCAL_YEAR",
        "NEXT_FISCAL_YEAR",
    }
)

# Relative date literals that take a count (`LAST_N_DAYS:30`).
RELATIVE_DATES_WITH_N: frozenset[str] = frozenset(
    {
        "LAST_N_DAYS",
        "NEXT_N_DAYS",
        "N_DAYS_AGO",
        "NEXT_N_WEEKS",
        "LAST_N_WEEKS",
        "N_WEEKS_AGO",
        "NEXT_N_MONTHS",
        "LAST_N_MONTHS",
        "N_MONTHS_AGO",
        "NEXT_N_QUARTERS",
        "LAST_N_QUARTERS",
        "N_QUARTERS_AGO",
        "NEXT_N_YEARS",
        "LAST_N_YEARS",
        "N_YEARS_AGO",
        "NEXT_N_FISCAL_QUARTERS",
        "LAST_N_FISCAL_QUARTERS",
        "N_FISCAL_QUARTERS_AGO",
        "NEXT_N_FISCAL_YEARS",
        "LAST_N_FISCAL_YEARS",
        "N_FISCAL_YEARS_AGO",
    }
)

AGGREGATE_FUNCTIONS: frozenset[str] = frozenset(
    {"AVG", "COUNT", "COUNT_DISTINCT", "MAX", "MIN", "SUM"}
)

DATE_FUNCTIONS: frozenset[str] = frozenset(
    {
        "CALENDAR_MONTH",
        "CALENDAR_QUARTER",
        "CALENDAR_YEAR",
        "DAY_IN_MONTH",
        "DAY_IN_WEEK",
        "DAY_IN_YEAR",
        "DAY_ONLY",
        "FISCAL_MONTH",
        "FISCAL_QUARTER",
        "FISCAL_YEAR",
        "HOUR_IN_DAY",
        "WEEK_IN_MONTH",
        "WEEK_IN_YEAR",
    }
)

# Upper-case function name -> (minimum, maximum) number of arguments.
FUNCTION_ARITY: dict[str, tuple[int, int]] = {
    "COUNT": (0, 1),
    "COUNT_DISTINCT": (1, 1),
    "AVG": (1, 1),
    "MAX": (1, 1),
    "MIN": (1, 1),
    "SUM": (1, 1),
    **{name: (1, 1) for name in DATE_FUNCTIONS},
    "CONVERTTIMEZONE": (1, 1),
    "CONVERTCURRENCY": (1, 1),
    "TOLABEL": (1, 1),
    "FORMAT": (1, 1),
    "GROUPING": (1, 1),
    "FIELDS": (1, 1),
    "GEOLOCATION": (2, 2),
    "DISTANCE": (3, 3),
}

# The arguments FIELDS() accepts.
FIELDS_SETS: frozenset[str] = frozenset({"ALL", "STANDARD", "CUSTOM"})
