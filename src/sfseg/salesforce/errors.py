"""Exceptions raised by the Salesforce client, grouped by what the caller can do.

Exception tree::

    SalesforceError
     ├── ConfigurationError          settings rejected before any request
     │    └── CertificateError           the server's TLS certificate failed verification
     ├── InvalidRecordError          a record value rejected before sending (NaN, infinity)
     ├── TransportError              timeout, connection refused or dropped
     │    └── WriteOutcomeUnknownError   a write was sent but no answer came back
     ├── RetriableAPIError           worth another try after a wait
     │    ├── ConcurrencyLimitError      REQUEST_LIMIT_EXCEEDED (ConcurrentRequests, ...)
     │    ├── RowLockError               UNABLE_TO_LOCK_ROW
     │    ├── ServerUnavailableError     SERVER_UNAVAILABLE, HTTP 500/502/503/504
     │    └── QueryTimeoutError          QUERY_TIMEOUT
     ├── SessionExpiredError         INVALID_SESSION_ID after the one token refresh
     ├── QuotaExceededError          daily API allowance used, or the reserve reached
     ├── AuthenticationError         OAuth token endpoint errors (invalid_grant, ...)
     └── FatalAPIError               everything else: fix the request, then try again
          ├── NotFoundError              NOT_FOUND, ENTITY_IS_DELETED, HTTP 404
          ├── InvalidFieldError          INVALID_FIELD
          ├── InvalidTypeError           INVALID_TYPE
          ├── MalformedQueryError        MALFORMED_QUERY
          ├── PermissionDeniedError      INSUFFICIENT_ACCESS_*, API_DISABLED_*, HTTP 403
          ├── ValidationError            REQUIRED_FIELD_MISSING, FIELD_CUSTOM_VALIDATION_EXCEPTION, ...
          ├── DuplicateValueError        DUPLICATE_VALUE, DUPLICATES_DETECTED
          ├── MultipleMatchesError       HTTP 300 from an upsert: several records match
          ├── UriTooLongError            HTTP 414 / 431
          └── PagingLoopError            the same nextRecordsUrl came back twice

`error_from_response` is the one place that turns an HTTP status, a Salesforce
`errorCode` and, where the code alone is ambiguous, the message into a class.
No exception message ever holds an access token, refresh token or secret: the
client builds messages from the error body and the request path only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = [
    "ERROR_TABLE",
    "AuthenticationError",
    "ConcurrencyLimitError",
    "CertificateError",
    "ConfigurationError",
    "DuplicateValueError",
    "ErrorDetail",
    "FatalAPIError",
    "InvalidFieldError",
    "InvalidRecordError",
    "InvalidTypeError",
    "MalformedQueryError",
    "MultipleMatchesError",
    "NotFoundError",
    "PagingLoopError",
    "PermissionDeniedError",
    "QueryTimeoutError",
    "QuotaExceededError",
    "RetriableAPIError",
    "RowLockError",
    "SalesforceError",
    "ServerUnavailableError",
    "SessionExpiredError",
    "TransportError",
    "UriTooLongError",
    "ValidationError",
    "WriteOutcomeUnknownError",
    "error_class",
    "error_from_response",
    "parse_error_body",
    "parse_retry_after",
]

#: Error bodies kept on an exception are cut to this many characters.
MAX_BODY_CHARS = 1_000


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """One entry of a Salesforce error body: `{"message", "errorCode", "fields"}`."""

    error_code: str
    message: str
    fields: tuple[str, ...] = field(default=())


class SalesforceError(Exception):
    """Root of every error the client raises.

    `record_results` is set by collection writes that stop part-way: one
    `RecordResult` or None (not sent) per input record.
    """

    record_results: list[Any] | None = None

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_code: str | None = None,
        fields: Sequence[str] = (),
        method: str | None = None,
        path: str | None = None,
        body: str | None = None,
        errors: Sequence[ErrorDetail] = (),
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_code = error_code
        self.fields = list(fields)
        self.method = method
        self.path = path
        self.body = body[:MAX_BODY_CHARS] if body is not None else None
        self.errors = list(errors)
        self.hint = hint

    def __str__(self) -> str:
        head = " ".join(str(part) for part in (self.status, self.error_code) if part is not None)
        text = f"{head}: {self.message}" if head else self.message
        if self.method and self.path:
            text = f"{text} ({self.method} {self.path})"
        if self.hint:
            text = f"{text}; {self.hint}"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, error_code={self.error_code!r}, "
            f"fields={self.fields!r}, method={self.method!r}, path={self.path!r}, "
            f"message={self.message!r})"
        )


class ConfigurationError(SalesforceError, ValueError):
    """A connection setting is missing or invalid; raised before any request."""


class CertificateError(ConfigurationError):
    """The server's TLS certificate could not be verified against the trusted CAs.

    Not transient: the same request fails the same way until the CA file is set,
    so it is never retried.
    """


def certificate_error(exc: BaseException, url: str, *, method: str, path: str) -> CertificateError | None:
    """Return a `CertificateError` when `exc` (or an exception it wraps) is a failed certificate check."""
    import ssl

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            host = httpx.URL(url).host if "://" in url else url
            msg = f"the TLS certificate of {host} could not be verified"
            return CertificateError(
                msg, method=method, path=path,
                hint="set SFSEG_CA_FILE (or ca_file in the profile) to the CA certificate (PEM) that signed it, such as the sandbox's CA file",
            )
        seen = seen.__cause__ or seen.__context__
    return None


class InvalidRecordError(SalesforceError, ValueError):
    """A record contains a value Salesforce cannot store (NaN, infinity), so nothing was sent."""


# --- Transport --------------------------------------------------------------


class TransportError(SalesforceError):
    """The request timed out or the connection failed before a response was read."""


class WriteOutcomeUnknownError(TransportError):
    """A write that cannot be replayed safely was sent, but its response was lost.

    The write may or may not have been applied. The caller checks, for example by
    querying for the record, before sending it again.
    """


# --- Retriable ----------------------------------------------------------------


class RetriableAPIError(SalesforceError):
    """Salesforce refused the request for now; the same request may succeed later."""

    #: Seconds from a `Retry-After` header, when the response had one.
    retry_after: float | None = None


class ConcurrencyLimitError(RetriableAPIError):
    """403 REQUEST_LIMIT_EXCEEDED for concurrent requests (not the daily limit)."""


class RowLockError(RetriableAPIError):
    """UNABLE_TO_LOCK_ROW: another transaction has locked the record."""


class ServerUnavailableError(RetriableAPIError):
    """SERVER_UNAVAILABLE or an HTTP 500, 502, 503 or 504."""


class QueryTimeoutError(RetriableAPIError):
    """QUERY_TIMEOUT: retried once; a second timeout means the query needs a narrower filter."""


# --- Session, quota, authentication ----------------------------------------


class SessionExpiredError(SalesforceError):
    """401 INVALID_SESSION_ID that a token refresh did not cure."""


class QuotaExceededError(SalesforceError):
    """The daily API allowance is used up, or using more would eat into the reserve."""


class AuthenticationError(SalesforceError):
    """The OAuth token endpoint rejected the credentials (invalid_grant, invalid_client, ...)."""


# --- Fatal ----------------------------------------------------------------------


class FatalAPIError(SalesforceError):
    """Salesforce rejected the request; sending it again unchanged fails the same way."""


class NotFoundError(FatalAPIError):
    """404 NOT_FOUND or ENTITY_IS_DELETED: the record, object or resource does not exist."""


class InvalidFieldError(FatalAPIError):
    """INVALID_FIELD: a field name is unknown or not allowed here."""


class InvalidTypeError(FatalAPIError):
    """INVALID_TYPE: the sObject type is unknown or not supported."""


class MalformedQueryError(FatalAPIError):
    """MALFORMED_QUERY: the SOQL text is not valid."""


class PermissionDeniedError(FatalAPIError):
    """403 or INSUFFICIENT_ACCESS_*: the user lacks a permission or sharing access."""


class ValidationError(FatalAPIError):
    """A record failed a required-field, format or validation-rule check."""


class DuplicateValueError(FatalAPIError):
    """DUPLICATE_VALUE or DUPLICATES_DETECTED: a unique field or duplicate rule matched."""


class MultipleMatchesError(FatalAPIError):
    """HTTP 300 from an upsert: several records carry the external id; `matches` lists them."""

    matches: list[str]

    def __init__(self, message: str, *, matches: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.matches = list(matches)


class UriTooLongError(FatalAPIError):
    """HTTP 414 or 431: the URL or headers passed Salesforce's 16,384-byte limit."""


class PagingLoopError(FatalAPIError):
    """A query page pointed back to a nextRecordsUrl already read, so paging would never end."""


# --- Mapping ------------------------------------------------------------------

#: One row per rule, first match wins: (HTTP status or None, errorCode or None,
#: text the message must contain or None, class). REQUEST_LIMIT_EXCEEDED is
#: classified by its message because Salesforce uses one code for the daily allowance
#: ("TotalRequests Limit exceeded.") and for the concurrency limits.
ERROR_TABLE: tuple[tuple[int | None, str | None, str | None, type[SalesforceError]], ...] = (
    (None, "REQUEST_LIMIT_EXCEEDED", "TotalRequests", QuotaExceededError),
    (None, "REQUEST_LIMIT_EXCEEDED", "ConcurrentRequests", ConcurrencyLimitError),
    (None, "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn", ConcurrencyLimitError),
    (None, "REQUEST_LIMIT_EXCEEDED", None, QuotaExceededError),
    (401, "INVALID_SESSION_ID", None, SessionExpiredError),
    (401, None, None, AuthenticationError),
    (None, "UNABLE_TO_LOCK_ROW", None, RowLockError),
    (None, "SERVER_UNAVAILABLE", None, ServerUnavailableError),
    (None, "QUERY_TIMEOUT", None, QueryTimeoutError),
    (None, "NOT_FOUND", None, NotFoundError),
    (None, "ENTITY_IS_DELETED", None, NotFoundError),
    (None, "INVALID_FIELD", None, InvalidFieldError),
    (None, "INVALID_FIELD_FOR_INSERT_UPDATE", None, InvalidFieldError),
    (None, "INVALID_TYPE", None, InvalidTypeError),
    (None, "MALFORMED_QUERY", None, MalformedQueryError),
    (None, "INSUFFICIENT_ACCESS_OR_READONLY", None, PermissionDeniedError),
    (None, "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY", None, PermissionDeniedError),
    (None, "API_DISABLED_FOR_ORG", None, PermissionDeniedError),
    (None, "API_CURRENTLY_DISABLED", None, PermissionDeniedError),
    (None, "DUPLICATE_VALUE", None, DuplicateValueError),
    (None, "DUPLICATES_DETECTED", None, DuplicateValueError),
    (None, "REQUIRED_FIELD_MISSING", None, ValidationError),
    (None, "FIELD_CUSTOM_VALIDATION_EXCEPTION", None, ValidationError),
    (None, "STRING_TOO_LONG", None, ValidationError),
    (None, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", None, ValidationError),
    (None, "INVALID_EMAIL_ADDRESS", None, ValidationError),
    (None, "INVALID_CROSS_REFERENCE_KEY", None, ValidationError),
    (None, "MALFORMED_ID", None, ValidationError),
    (None, "CANNOT_UPDATE_CONVERTED_LEAD", None, ValidationError),
    (300, None, None, MultipleMatchesError),
    (403, None, None, PermissionDeniedError),
    (404, None, None, NotFoundError),
    (414, None, None, UriTooLongError),
    (431, None, None, UriTooLongError),
    (500, None, None, ServerUnavailableError),
    (502, None, None, ServerUnavailableError),
    (503, None, None, ServerUnavailableError),
    (504, None, None, ServerUnavailableError),
)

_NEXT_STEP: dict[type[SalesforceError], str] = {
    QuotaExceededError: "wait until the daily API allowance frees up, then resume",
    SessionExpiredError: "sign in again (sfseg login) or check the connection settings",
    PermissionDeniedError: "check the user's profile, permission sets and sharing access",
    NotFoundError: "check the id or name and the user's sharing access",
    UriTooLongError: "send fewer values per request",
}


def error_class(status: int | None, error_code: str | None, message: str) -> type[SalesforceError]:
    """Pick the exception class for a status, `errorCode` and message (first table row that fits)."""
    for row_status, row_code, row_text, cls in ERROR_TABLE:
        if row_status is not None and row_status != status:
            continue
        if row_code is not None and row_code != error_code:
            continue
        if row_text is not None and row_text not in message:
            continue
        return cls
    return FatalAPIError


def parse_error_body(text: str) -> list[ErrorDetail]:
    """Read Salesforce's error array, or an OAuth `{"error", ...}` object, into details."""
    try:
        data = json.loads(text)
    except ValueError:
        return []
    items = data if isinstance(data, list) else [data]
    details = []
    for item in items:
        if not isinstance(item, dict):
            continue
        code = item.get("errorCode") or item.get("statusCode") or item.get("error") or ""
        message = item.get("message") or item.get("error_description") or ""
        fields = item.get("fields") or ()
        details.append(ErrorDetail(str(code), str(message), tuple(str(f) for f in fields)))
    return details


def error_from_response(response: httpx.Response, method: str, path: str) -> SalesforceError:
    """Build the exception for a failed response, carrying every error of its body.

    `path` is the request path without the query string, so a long SOQL text does
    not fill the message.
    """
    text = response.text
    details = parse_error_body(text)
    first = details[0] if details else ErrorDetail("", response.reason_phrase or "")
    cls = error_class(response.status_code, first.error_code or None, first.message)

    message = first.message or f"HTTP {response.status_code} without an error body"
    message += "".join(f"; {d.error_code}: {d.message}" for d in details[1:])
    error = cls(
        message,
        status=response.status_code,
        error_code=first.error_code or None,
        fields=first.fields,
        method=method,
        path=path,
        body=text,
        errors=details,
        hint=_NEXT_STEP.get(cls),
    )
    if isinstance(error, RetriableAPIError):
        error.retry_after = parse_retry_after(response.headers.get("Retry-After"))
    return error


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header given in seconds; None when absent or a date."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return max(seconds, 0.0)
