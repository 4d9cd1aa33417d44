"""The Salesforce API client: auth flows, retries, typed errors, queries, collections, composite.

Start with `ConnectionSettings.load(profile)` and `SalesforceClient(settings)`;
the exception tree is drawn in `sfseg.salesforce.errors`.
"""

from __future__ import annotations

from sfseg.salesforce.client import SalesforceClient
from sfseg.salesforce.collections import Collections
from sfseg.salesforce.composite import CompositeBuilder, CompositeSubresponse
from sfseg.salesforce.describe import FieldDescribe, PicklistValue, SObjectDescribe
from sfseg.salesforce.errors import (
    AuthenticationError,
    CertificateError,
    ConcurrencyLimitError,
    ConfigurationError,
    DuplicateValueError,
    FatalAPIError,
    InvalidFieldError,
    InvalidRecordError,
    InvalidTypeError,
    MalformedQueryError,
    MultipleMatchesError,
    NotFoundError,
    PagingLoopError,
    PermissionDeniedError,
    QueryTimeoutError,
    QuotaExceededError,
    RetriableAPIError,
    RowLockError,
    SalesforceError,
    ServerUnavailableError,
    SessionExpiredError,
    TransportError,
    UriTooLongError,
    ValidationError,
    WriteOutcomeUnknownError,
)
from sfseg.salesforce.query import QueryResult
from sfseg.salesforce.records import RecordErrorDetail, RecordResult
from sfseg.salesforce.retry import RetryPolicy
from sfseg.salesforce.settings import ConnectionSettings
from sfseg.salesforce.usage import ApiUsage

__all__ = [
    "ApiUsage",
    "AuthenticationError",
    "CertificateError",
    "Collections",
    "CompositeBuilder",
    "CompositeSubresponse",
    "ConcurrencyLimitError",
    "ConfigurationError",
    "ConnectionSettings",
    "DuplicateValueError",
    "FatalAPIError",
    "FieldDescribe",
    "InvalidFieldError",
    "InvalidRecordError",
    "InvalidTypeError",
    "MalformedQueryError",
    "MultipleMatchesError",
    "NotFoundError",
    "PagingLoopError",
    "PermissionDeniedError",
    "PicklistValue",
    "QueryResult",
    "QueryTimeoutError",
    "QuotaExceededError",
    "RecordErrorDetail",
    "RecordResult",
    "RetriableAPIError",
    "RetryPolicy",
    "RowLockError",
    "SObjectDescribe",
    "SalesforceClient",
    "SalesforceError",
    "ServerUnavailableError",
    "SessionExpiredError",
    "TransportError",
    "UriTooLongError",
    "ValidationError",
    "WriteOutcomeUnknownError",
]
