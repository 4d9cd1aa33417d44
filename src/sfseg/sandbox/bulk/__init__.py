"""Bulk API 2.0 in the sandbox: ingest and query jobs processed in the background."""

from __future__ import annotations

from sfseg.sandbox.bulk.service import BulkService, bulk_service
from sfseg.sandbox.bulk.settings import BulkSettings

__all__ = ["BulkService", "BulkSettings", "bulk_service"]
