"""The documented error responses of each kind of route, all with the problem schema."""

from __future__ import annotations

from typing import Any

from sfseg.service.models import ProblemOut

__all__ = ["READ", "SALESFORCE", "WRITE", "problems"]

_DESCRIPTIONS = {
    400: "Bad request header (such as a malformed Idempotency-Key).",
    401: "Missing or invalid API key.",
    403: "The API key is read-only.",
    404: "No such segment, job or record.",
    409: "Conflict with the current state (name taken, job not resumable, key in use).",
    413: "Request body too large.",
    422: "Invalid request: the detail names the bad value.",
    429: "The org's daily API allowance is used up, or the service has too many jobs queued.",
    500: "Unexpected error.",
    502: "The service cannot log in to Salesforce.",
    503: "Salesforce is unavailable, or the service is shutting down; retry later.",
}

READ = (401, 404, 422, 500)
SALESFORCE = (429, 502, 503)
WRITE = (400, 403, 409, 413)


def problems(*groups: tuple[int, ...]) -> dict[int | str, dict[str, Any]]:
    statuses = sorted({status for group in groups for status in group})
    return {
        status: {"model": ProblemOut, "description": _DESCRIPTIONS[status]} for status in statuses
    }
