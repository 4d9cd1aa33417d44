"""Per-record results of collection writes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sfseg.salesforce.errors import SalesforceError

__all__ = ["RecordErrorDetail", "RecordResult"]


@dataclass(frozen=True, slots=True)
class RecordErrorDetail:
    """One error of one record: Salesforce's `statusCode`, message and fields."""

    status_code: str
    message: str
    fields: list[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RecordErrorDetail:
        code = data.get("statusCode") or data.get("errorCode") or ""
        return cls(str(code), str(data.get("message") or ""), [str(f) for f in data.get("fields") or ()])

    @classmethod
    def from_error(cls, error: SalesforceError) -> RecordErrorDetail:
        """Build the error of a request that failed as a whole, for each record it carried."""
        code = error.error_code or type(error).__name__
        return cls(code, error.message, list(error.fields))


@dataclass(frozen=True, slots=True)
class RecordResult:
    """Outcome of one input record: its id (None for a failed create), success, created, errors."""

    id: str | None
    success: bool
    created: bool | None = None
    errors: list[RecordErrorDetail] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RecordResult:
        return cls(
            id=data.get("id"),
            success=bool(data.get("success")),
            created=data.get("created"),
            errors=[RecordErrorDetail.from_json(e) for e in data.get("errors") or ()],
        )

    @classmethod
    def failed(cls, error: RecordErrorDetail, record_id: str | None = None) -> RecordResult:
        return cls(id=record_id, success=False, created=None, errors=[error])
