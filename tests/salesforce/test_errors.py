"""The exception tree, its mapping table and the text of each exception."""

from __future__ import annotations

import json

import httpx
import pytest

import sfseg.salesforce as sf
from sfseg.salesforce import errors
from sfseg.salesforce.errors import error_from_response


def _response(status: int, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(body).encode(), headers=headers)


def test_every_error_class_exported() -> None:
    """Each exception class of the errors module is in its __all__ and the package's."""
    classes = {
        name for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, errors.SalesforceError)
    }
    assert classes <= set(errors.__all__)
    assert classes <= set(sf.__all__)


def test_tree_drawn_in_docstring() -> None:
    """The module docstring names every exception class."""
    doc = errors.__doc__ or ""
    for name in errors.__all__:
        value = getattr(errors, name)
        if isinstance(value, type) and issubclass(value, errors.SalesforceError):
            assert name in doc


@pytest.mark.parametrize(
    ("status", "code", "message", "expected"),
    [
        (403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", errors.QuotaExceededError),
        (403, "REQUEST_LIMIT_EXCEEDED", "ConcurrentRequests Limit exceeded.", errors.ConcurrencyLimitError),
        (403, "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded.", errors.ConcurrencyLimitError),
        (403, "REQUEST_LIMIT_EXCEEDED", "Something else", errors.QuotaExceededError),
        (401, "INVALID_SESSION_ID", "Session expired or invalid", errors.SessionExpiredError),
        (401, "INVALID_AUTH_HEADER", "INVALID_HEADER_TYPE", errors.AuthenticationError),
        (400, "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record", errors.RowLockError),
        (503, "SERVER_UNAVAILABLE", "down", errors.ServerUnavailableError),
        (503, "", "", errors.ServerUnavailableError),
        (500, "UNKNOWN_EXCEPTION", "boom", errors.ServerUnavailableError),
        (502, "", "", errors.ServerUnavailableError),
        (504, "", "", errors.ServerUnavailableError),
        (400, "QUERY_TIMEOUT", "Your query request was running for too long.", errors.QueryTimeoutError),
        (404, "NOT_FOUND", "The requested resource does not exist", errors.NotFoundError),
        (400, "ENTITY_IS_DELETED", "entity is deleted", errors.NotFoundError),
        (404, "", "", errors.NotFoundError),
        (400, "INVALID_FIELD", "No such column 'X' on entity 'Contact'.", errors.InvalidFieldError),
        (400, "INVALID_TYPE", "sObject type 'X' is not supported.", errors.InvalidTypeError),
        (400, "MALFORMED_QUERY", "unexpected token: q", errors.MalformedQueryError),
        (403, "INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id", errors.PermissionDeniedError),
        (403, "API_DISABLED_FOR_ORG", "API is not enabled", errors.PermissionDeniedError),
        (403, "", "", errors.PermissionDeniedError),
        (400, "REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName]", errors.ValidationError),
        (400, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "rule", errors.ValidationError),
        (400, "DUPLICATE_VALUE", "Already a campaign member.", errors.DuplicateValueError),
        (400, "DUPLICATES_DETECTED", "Use one of these records?", errors.DuplicateValueError),
        (414, "", "", errors.UriTooLongError),
        (431, "", "", errors.UriTooLongError),
        (400, "SOMETHING_NEW", "new", errors.FatalAPIError),
    ],
)
def test_error_table_row(status: int, code: str, message: str, expected: type[Exception]) -> None:
    """Status, errorCode and message pick exactly the class in the table."""
    body = [{"message": message, "errorCode": code}] if code else "<html>error</html>"
    error = error_from_response(_response(status, body), "GET", "/services/data/v66.0/query")
    assert type(error) is expected


def test_error_keeps_every_entry() -> None:
    """A body with two errors keeps both, and the message names both codes."""
    body = [
        {"message": "Required fields are missing: [LastName]", "errorCode": "REQUIRED_FIELD_MISSING", "fields": ["LastName"]},
        {"message": "Email: invalid email address: x", "errorCode": "INVALID_EMAIL_ADDRESS", "fields": ["Email"]},
    ]
    error = error_from_response(_response(400, body), "POST", "/services/data/v66.0/sobjects/Contact/")
    assert [e.error_code for e in error.errors] == ["REQUIRED_FIELD_MISSING", "INVALID_EMAIL_ADDRESS"]
    assert error.fields == ["LastName"]
    assert str(error) == (
        "400 REQUIRED_FIELD_MISSING: Required fields are missing: [LastName]; "
        "INVALID_EMAIL_ADDRESS: Email: invalid email address: x (POST /services/data/v66.0/sobjects/Contact/)"
    )


def test_not_found_str_and_repr() -> None:
    """str() puts status and code first and ends with the next step; repr() lists the evidence."""
    body = [{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}]
    error = error_from_response(_response(404, body), "GET", "/services/data/v66.0/sobjects/Campaign/701000000000001AAA")
    assert str(error) == (
        "404 NOT_FOUND: The requested resource does not exist "
        "(GET /services/data/v66.0/sobjects/Campaign/701000000000001AAA); "
        "check the id or name and the user's sharing access"
    )
    assert repr(error) == (
        "NotFoundError(status=404, error_code='NOT_FOUND', fields=[], method='GET', "
        "path='/services/data/v66.0/sobjects/Campaign/701000000000001AAA', "
        "message='The requested resource does not exist')"
    )


def test_retry_after_read() -> None:
    """A retriable error carries the Retry-After seconds of its response."""
    body = [{"message": "ConcurrentRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
    error = error_from_response(_response(403, body, {"Retry-After": "7"}), "GET", "/x")
    assert isinstance(error, errors.ConcurrencyLimitError)
    assert error.retry_after == 7.0


def test_body_cut_short() -> None:
    """The raw body kept on an exception is cut to 1,000 characters."""
    body = [{"message": "x" * 5000, "errorCode": "INVALID_FIELD"}]
    error = error_from_response(_response(400, body), "GET", "/x")
    assert error.body is not None
    assert len(error.body) == 1000


def test_every_table_row_reachable() -> None:
    """Each row of the mapping table is the first match for an example built from it."""
    for status, code, text, expected in errors.ERROR_TABLE:
        example_status = status or 400
        example_text = text or "example message"
        assert errors.error_class(example_status, code, example_text) is expected, (status, code, text)


def test_certificate_failure_found_in_chain() -> None:
    """A failed certificate check wrapped by httpx becomes a CertificateError that is never retried."""
    import ssl

    from sfseg.salesforce.errors import CertificateError, certificate_error
    from sfseg.salesforce.retry import should_retry

    cause = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] self-signed certificate")
    try:
        try:
            raise cause
        except ssl.SSLError as exc:
            raise httpx.ConnectError("handshake failed") from exc
    except httpx.ConnectError as wrapped:
        error = certificate_error(wrapped, "https://127.0.0.1:8443/services/oauth2/token", method="POST", path="/services/oauth2/token")

    assert isinstance(error, CertificateError)
    assert "the TLS certificate of 127.0.0.1 could not be verified" in str(error)
    assert error.hint is not None and "SFSEG_CA_FILE" in error.hint
    assert not should_retry(error, 1)


def test_refused_connection_is_not_a_certificate_error() -> None:
    """A plain connection failure stays a transport error, retried as before."""
    from sfseg.salesforce.errors import certificate_error

    refused = httpx.ConnectError("[Errno 111] Connection refused")
    assert certificate_error(refused, "https://127.0.0.1:1", method="GET", path="/") is None
