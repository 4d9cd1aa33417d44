"""The one table from domain exceptions to problem responses.

Starlette picks the handler of the most specific class in an exception's MRO, so
`NotFoundError` (a `FatalAPIError`) gets 404 while other fatal Salesforce errors get
422, and the generic `ValueError` and `LookupError` rows only catch what no other row
names.
"""

from __future__ import annotations

import logging

from sfseg.salesforce.errors import (
    AuthenticationError,
    ConfigurationError,
    FatalAPIError,
    NotFoundError,
    QuotaExceededError,
    RetriableAPIError,
    SalesforceError,
    SessionExpiredError,
    TransportError,
)
from sfseg.segments.assign import JobNotResumableError, SegmentNotReadyError, UnknownStatusError
from sfseg.segments.create import SegmentExistsError
from sfseg.segments.criteria import CriteriaError
from sfseg.segments.customers import InputError
from sfseg.segments.jobs import JobNotFoundError
from sfseg.segments.lease import JobLeaseHeldError
from sfseg.segments.store import AmbiguousSegmentError, SegmentNotFoundError
from sfseg.service.problems import ExceptionMapper, Problem, ProblemError
from sfseg.service.runner import RunnerBusyError, RunnerStoppedError

__all__ = ["DOMAIN_ERRORS", "PROBLEMS"]

logger = logging.getLogger("sfseg.service")

PROBLEMS = {
    "invalid-criteria": Problem("invalid-criteria", "Invalid segment criteria", 422),
    "invalid-customers": Problem("invalid-customers", "Invalid customer ids", 422),
    "unknown-status": Problem("unknown-status", "Unknown member status", 422),
    "invalid-value": Problem("invalid-value", "Invalid value", 422),
    "segment-not-found": Problem("segment-not-found", "Segment not found", 404),
    "job-not-found": Problem("job-not-found", "Job not found", 404),
    "not-found": Problem("not-found", "Not found", 404),
    "ambiguous-segment": Problem("ambiguous-segment", "Segment reference is ambiguous", 409),
    "segment-exists": Problem("segment-exists", "Segment exists", 409),
    "segment-not-ready": Problem("segment-not-ready", "Segment has no Campaign yet", 409),
    "job-not-resumable": Problem("job-not-resumable", "Job cannot be resumed", 409),
    "job-leased": Problem("job-leased", "Job is running in another process", 409),
    "salesforce-not-found": Problem("salesforce-not-found", "Salesforce record not found", 404),
    "salesforce-rejected": Problem("salesforce-rejected", "Salesforce rejected the request", 422),
    "salesforce-quota": Problem("salesforce-quota", "Salesforce API allowance used up", 429),
    "salesforce-unavailable": Problem("salesforce-unavailable", "Salesforce unavailable", 503),
    "salesforce-auth": Problem("salesforce-auth", "The service cannot log in to Salesforce", 502),
    "too-many-jobs": Problem("too-many-jobs", "Too many jobs queued", 429),
    "shutting-down": Problem("shutting-down", "The service is shutting down", 503),
    "internal-error": Problem("internal-error", "Internal error", 500),
}


def _simple(slug: str) -> ExceptionMapper:
    def mapper(exc: Exception) -> ProblemError:
        return ProblemError(PROBLEMS[slug], str(exc).strip("'\""))

    return mapper


def _criteria(exc: Exception) -> ProblemError:
    assert isinstance(exc, CriteriaError)
    problems = [problem.to_json() for problem in exc.problems]
    return ProblemError(PROBLEMS["invalid-criteria"], str(exc), problems=problems)


def _salesforce(slug: str) -> ExceptionMapper:
    def mapper(exc: Exception) -> ProblemError:
        assert isinstance(exc, SalesforceError)
        extra: dict[str, object] = {"errorCode": exc.error_code}
        if exc.fields:
            extra["fields"] = exc.fields
        return ProblemError(PROBLEMS[slug], str(exc), **extra)

    return mapper


def _leased(exc: Exception) -> ProblemError:
    assert isinstance(exc, JobLeaseHeldError)
    holder = exc.holder
    return ProblemError(
        PROBLEMS["job-leased"], f"{exc}; {exc.hint}",
        host=holder.host, pid=holder.pid, expires_at=holder.to_json()["expires_at"],
    )  # fmt: skip


def _unexpected(exc: Exception) -> ProblemError:
    # The trace goes to the log only: a response never shows internals.
    logger.error("service.unexpected_error type=%s", type(exc).__name__, exc_info=exc)
    detail = "an unexpected error stopped the request; the service log has the details"
    return ProblemError(PROBLEMS["internal-error"], detail)


DOMAIN_ERRORS: dict[type[Exception], ExceptionMapper] = {
    CriteriaError: _criteria,
    InputError: _simple("invalid-customers"),
    UnknownStatusError: _simple("unknown-status"),
    SegmentNotFoundError: _simple("segment-not-found"),
    JobNotFoundError: _simple("job-not-found"),
    AmbiguousSegmentError: _simple("ambiguous-segment"),
    SegmentExistsError: _simple("segment-exists"),
    SegmentNotReadyError: _simple("segment-not-ready"),
    JobNotResumableError: _simple("job-not-resumable"),
    JobLeaseHeldError: _leased,
    RunnerBusyError: _simple("too-many-jobs"),
    RunnerStoppedError: _simple("shutting-down"),
    NotFoundError: _salesforce("salesforce-not-found"),
    FatalAPIError: _salesforce("salesforce-rejected"),
    QuotaExceededError: _salesforce("salesforce-quota"),
    RetriableAPIError: _salesforce("salesforce-unavailable"),
    TransportError: _salesforce("salesforce-unavailable"),
    AuthenticationError: _salesforce("salesforce-auth"),
    SessionExpiredError: _salesforce("salesforce-auth"),
    ConfigurationError: _salesforce("salesforce-auth"),
    SalesforceError: _salesforce("salesforce-rejected"),
    ValueError: _simple("invalid-value"),
    LookupError: _simple("not-found"),
    Exception: _unexpected,
}
