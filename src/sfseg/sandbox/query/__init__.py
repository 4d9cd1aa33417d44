"""The sandbox org's SOQL executor.

`QueryEngine(org)` compiles a SOQL statement to one SQLite statement over the org's
tables and returns results in Salesforce's REST shapes. `QueryError` carries
Salesforce's `errorCode` and message.
"""

from __future__ import annotations

from sfseg.sandbox.query.engine import (
    DEFAULT_API_VERSION,
    DEFAULT_BATCH_SIZE,
    MAX_BATCH_SIZE,
    MIN_BATCH_SIZE,
    QueryEngine,
)
from sfseg.sandbox.query.errors import QueryError

__all__ = [
    "DEFAULT_API_VERSION",
    "DEFAULT_BATCH_SIZE",
    "MAX_BATCH_SIZE",
    "MIN_BATCH_SIZE",
    "QueryEngine",
    "QueryError",
]
