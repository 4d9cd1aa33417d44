"""Settings of the sandbox's Bulk API 2.0: processing rate, upload size and daily limits."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DAILY_QUERY_JOB_LIMIT",
    "DAILY_RECORD_LIMIT",
    "MAX_UPLOAD_BYTES",
    "BulkSettings",
]

# 150,000,000 records uploaded per rolling 24 hours and 10,000 query jobs per 24 hours
# ("Bulk API 2.0 limits"). The sandbox counts from server start, as its API counter does.
DAILY_RECORD_LIMIT = 150_000_000
DAILY_QUERY_JOB_LIMIT = 10_000
# An upload may be 150 MB once base64-encoded, so 3/4 of that in raw bytes.
MAX_UPLOAD_BYTES = 150_000_000 * 3 // 4
# Salesforce runs triggers per 200-record chunk; the sandbox processes and paces rows
# in chunks of the same size.
CHUNK_SIZE = 200
# Rows per query results page when the request names no maxRecords.
DEFAULT_PAGE_RECORDS = 50_000


@dataclass
class BulkSettings:
    """Bulk API behaviour of one sandbox; tests change these on the live service.

    `rows_per_second` paces background processing (0 processes as fast as the org can
    write). The limits default to Salesforce's production values.
    """

    rows_per_second: float = 0.0
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    daily_record_limit: int = DAILY_RECORD_LIMIT
    daily_query_job_limit: int = DAILY_QUERY_JOB_LIMIT
    default_page_records: int = DEFAULT_PAGE_RECORDS
    chunk_size: int = CHUNK_SIZE
