"""`SalesforceClient`: the REST client on httpx, with auth, retries, limits and typed errors.

Layers of one call, top to bottom: `request` (retry loop, driven by
`retry.should_retry` and `retry.backoff` through tenacity) → `_send_with_session`
(one token refresh and one replay on INVALID_SESSION_ID) → `_send_once` (reserve
check, in-flight bound, the HTTP exchange, usage, logging, error mapping).
"""

from __future__ import annotations

import builtins
import logging
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import httpx
import tenacity

from sfseg.salesforce import secrets, wire
from sfseg.salesforce.auth import Token, TokenManager
from sfseg.salesforce.errors import (
    ConfigurationError,
    MultipleMatchesError,
    QuotaExceededError,
    ServerUnavailableError,
    SessionExpiredError,
    TransportError,
    WriteOutcomeUnknownError,
    certificate_error,
    error_from_response,
)
from sfseg.salesforce.logs import MAX_LOGGED_BODY, logger, redact
from sfseg.salesforce.profiles import DEFAULT_PROFILE
from sfseg.salesforce.retry import (
    DEFAULT_RETRY_POLICY,
    RetryPolicy,
    backoff,
    describe_cause,
    retry_after_of,
    should_retry,
)
from sfseg.salesforce.settings import ConnectionSettings
from sfseg.salesforce.usage import ApiUsage, check_reserve, parse_limit_info

if TYPE_CHECKING:
    from sfseg.salesforce.bulk2 import Bulk2  # type: ignore[import-not-found,unused-ignore]
    from sfseg.salesforce.collections import Collections
    from sfseg.salesforce.composite import CompositeSubresponse
    from sfseg.salesforce.describe import SObjectDescribe
    from sfseg.salesforce.query import QueryResult
    from sfseg.salesforce.reports import Reports  # type: ignore[import-not-found,unused-ignore]
    from sfseg.soql import ast

__all__ = ["SalesforceClient", "tls_verify"]

# Connection failures that happen before a byte of the request reached the
# server: replaying after them can never duplicate a write.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


class SalesforceClient:
    """A synchronous, thread-safe client for one org connection.

    Use it as a context manager, or call `close()`. Settings are checked when the
    client is made (`ConfigurationError`); no request is sent until the first call.

    Args:
        settings: the connection.
        transport: an httpx transport to use instead of the network (tests).
        retry_policy: attempts, waits, jitter and sleep for retries.
        store_refresh_token: called with a rotated refresh token; the default
            stores it in the keyring under the settings' profile.
    """

    def __init__(
        self,
        settings: ConnectionSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        retry_policy: RetryPolicy | None = None,
        store_refresh_token: Callable[[str], None] | None = None,
    ) -> None:
        settings.check()
        self.settings = settings
        self.retry_policy = retry_policy or DEFAULT_RETRY_POLICY
        self._http = _http_client(settings, transport)
        self._tokens = TokenManager(
            self._http, settings, on_refresh_token=store_refresh_token or self._store_refresh_token
        )
        self._in_flight = threading.BoundedSemaphore(settings.max_in_flight)
        self._counter_lock = threading.Lock()
        self._api_calls = 0
        self._api_usage: ApiUsage | None = None
        self._describe_cache: dict[tuple[str, str], SObjectDescribe] = {}
        self._describe_lock = threading.Lock()

    # --- lifecycle ----------------------------------------------------------------

    def __enter__(self) -> SalesforceClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __repr__(self) -> str:
        return f"SalesforceClient(instance_url={self.settings.instance_url!r}, flow={self.settings.resolved_flow!r})"

    # --- counters -------------------------------------------------------------

    @property
    def api_calls(self) -> int:
        """API requests this client made that got a response (token requests excluded)."""
        return self._api_calls

    @property
    def api_usage(self) -> ApiUsage | None:
        """The org's daily usage from the latest `Sforce-Limit-Info` or `/limits`; None before any call."""
        return self._api_usage

    @property
    def token_refreshes(self) -> int:
        """Times the access token was replaced after INVALID_SESSION_ID."""
        return self._tokens.refreshes

    @property
    def instance_url(self) -> str:
        """The instance URL the token endpoint returned (gets a token when none is cached)."""
        token, _ = self._tokens.current()
        return token.instance_url

    def data_path(self, suffix: str) -> str:
        """`/services/data/vXX.X/` + `suffix`."""
        return f"/services/data/v{self.settings.api_version}/{suffix.lstrip('/')}"

    # --- low-level request ----------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        replay_safe: bool,
    ) -> httpx.Response:
        """Send one API request with auth, retries, usage tracking and error mapping.

        Args:
            method: HTTP method.
            path: a path under the instance URL (`/services/data/v66.0/...`).
            params: query-string values; httpx percent-encodes them.
            json: a body to send as JSON (`Decimal`, dates and aware datetimes allowed).
            content: a raw body, such as CSV for Bulk API 2.0 uploads.
            headers: extra headers.
            replay_safe: whether sending the request twice is harmless. Reads,
                updates, deletes and upserts by external id are; a create is not.
                A create whose response was lost after sending, or whose response
                was a 5xx, raises `WriteOutcomeUnknownError` instead of being sent
                again. Connection failures before sending are retried either way.

        Returns:
            The response, status below 300 (or 300 when the caller handles it).

        Raises:
            SalesforceError: a subclass chosen by status and errorCode; see `errors`.
        """
        body = wire.dumps(json) if json is not None else content
        send_headers = dict(headers or {})
        if json is not None:
            send_headers.setdefault("Content-Type", "application/json")

        retrying = tenacity.Retrying(
            retry=self._should_retry,
            wait=self._wait,
            stop=tenacity.stop_never,  # should_retry caps the attempts
            sleep=self.retry_policy.sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )
        return retrying(self._send_with_session, method, path, params, body, send_headers, replay_safe)

    def _should_retry(self, state: tenacity.RetryCallState) -> bool:
        outcome = state.outcome
        error = outcome.exception() if outcome is not None and outcome.failed else None
        if error is None:
            return False
        return should_retry(error, state.attempt_number, self.retry_policy)

    def _wait(self, state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        return backoff(state.attempt_number, retry_after_of(error) if error else None, self.retry_policy)

    def _log_retry(self, state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait_for = state.next_action.sleep if state.next_action else 0.0
        method, path = state.args[0], _path_only(state.args[1])
        cause = describe_cause(error) if error else "unknown"
        logger.warning(
            "salesforce.retry_scheduled retry_num=%d wait_for=%.2f caused_by=%s method=%s path=%s",
            state.attempt_number, wait_for, cause, method, path,
            extra={"retry_num": state.attempt_number, "wait_for": wait_for, "caused_by": cause},
        )

    def _send_with_session(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        body: bytes | None,
        headers: dict[str, str],
        replay_safe: bool,
    ) -> httpx.Response:
        token, generation = self._tokens.current()
        try:
            return self._send_once(method, path, params, body, headers, replay_safe, token)
        except SessionExpiredError:
            # One new token and one replay; a second INVALID_SESSION_ID is raised.
            # The refused request was not applied, so the replay is safe for writes too.
            token, _ = self._tokens.refresh(generation)
            return self._send_once(method, path, params, body, headers, replay_safe, token)

    def _send_once(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        body: bytes | None,
        headers: dict[str, str],
        replay_safe: bool,
        token: Token,
    ) -> httpx.Response:
        self._check_reserve(method, path)

        url = _absolute_url(path, token.instance_url)
        send_headers = {"Authorization": f"Bearer {token.access_token}", "Accept": "application/json", **headers}
        with self._in_flight:
            started = time.perf_counter()
            try:
                response = self._http.request(method, url, params=params, content=body, headers=send_headers)
            except httpx.HTTPError as exc:
                cert_error = certificate_error(exc, url, method=method, path=_path_only(path))
                raise (cert_error or _transport_error(exc, method, path, replay_safe)) from exc
        _release_stream(response)
        elapsed_ms = (time.perf_counter() - started) * 1000

        self._record_exchange(response)
        logger.info(
            'HTTP Request: %s %s "%d" %.0fms api-usage=%s',
            method, _path_only(path), response.status_code, elapsed_ms, _format_usage(self._api_usage),
        )
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("request body: %s", _loggable(body))
            logger.debug("response body: %s", _loggable(response.content))

        if response.status_code >= 300 and not (response.status_code == 300 and method == "PATCH"):
            error = error_from_response(response, method, _path_only(path))
            if isinstance(error, ServerUnavailableError) and not replay_safe:
                raise _outcome_unknown(error) from error
            raise error
        return response

    def _check_reserve(self, method: str, path: str) -> None:
        reason = check_reserve(self._api_usage, self.settings.reserve_fraction)
        if reason is not None:
            msg = f"not sent: {reason}"
            raise QuotaExceededError(
                msg,
                error_code="RESERVE_REACHED",
                method=method,
                path=_path_only(path),
                hint="resume when usage falls, or lower reserve_fraction (SFSEG_RESERVE_FRACTION)",
            )

    def _record_exchange(self, response: httpx.Response) -> None:
        usage = parse_limit_info(response.headers.get("Sforce-Limit-Info"))
        with self._counter_lock:
            self._api_calls += 1
            if usage is not None:
                self._api_usage = usage

    def _store_refresh_token(self, value: str) -> None:
        import keyring.errors

        profile = self.settings.profile or DEFAULT_PROFILE
        try:
            secrets.set_secret(profile, "refresh_token", value)
        except keyring.errors.KeyringError as exc:
            logger.warning(
                "rotated refresh token not stored in the keyring for profile %s: %s; "
                "the next run needs `sfseg login` again",
                profile, type(exc).__name__,
            )

    # --- JSON helpers --------------------------------------------------------

    def get_json(
        self, path: str, *, params: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None
    ) -> Any:
        """GET a path and parse the body (numbers with a fraction as `Decimal`)."""
        return wire.loads(self.request("GET", path, params=params, headers=headers, replay_safe=True).content)

    # --- resources ------------------------------------------------------------

    def limits(self) -> dict[str, Any]:
        """`/limits`: `{name: {"Max": n, "Remaining": n}}`; also updates `api_usage`."""
        data: dict[str, Any] = self.get_json(self.data_path("limits/"))
        daily = data.get("DailyApiRequests")
        if isinstance(daily, dict) and "Max" in daily and "Remaining" in daily:
            maximum = int(daily["Max"])
            with self._counter_lock:
                self._api_usage = ApiUsage(used=maximum - int(daily["Remaining"]), max=maximum)
        return data

    def describe_global(self) -> dict[str, Any]:
        """`/sobjects/`: every object with its top-level describe flags."""
        result: dict[str, Any] = self.get_json(self.data_path("sobjects/"))
        return result

    def describe(self, sobject: str) -> SObjectDescribe:
        """Describe `sobject`, cached per org and object (names match case-insensitively)."""
        from sfseg.salesforce.describe import SObjectDescribe

        key = (self.instance_url, sobject.lower())
        with self._describe_lock:
            cached = self._describe_cache.get(key)
        if cached is not None:
            return cached
        data = self.get_json(self.data_path(f"sobjects/{quote(sobject, safe='')}/describe/"))
        described = SObjectDescribe.from_json(data)
        with self._describe_lock:
            self._describe_cache[key] = described
        return described

    def get(self, sobject: str, record_id: str, fields: Sequence[str] | None = None) -> dict[str, Any]:
        """Retrieve one record, typed from describe."""
        params = {"fields": ",".join(fields)} if fields else None
        data = self.get_json(self._record_path(sobject, record_id), params=params)
        return self.describe(sobject).convert_record(data, self.describe)

    def create(self, sobject: str, fields: Mapping[str, Any]) -> str:
        """Create one record and return its id.

        Not replayed after a lost response (`WriteOutcomeUnknownError`), because the record may exist.
        """
        path = self.data_path(f"sobjects/{quote(sobject, safe='')}/")
        data = wire.loads(self.request("POST", path, json=dict(fields), replay_safe=False).content)
        return str(data["id"])

    def update(self, sobject: str, record_id: str, fields: Mapping[str, Any]) -> None:
        """Update one record; replay-safe, since setting the same values twice changes nothing more."""
        self.request("PATCH", self._record_path(sobject, record_id), json=dict(fields), replay_safe=True)

    def delete(self, sobject: str, record_id: str) -> None:
        """Delete one record; replay-safe (a repeated delete fails with ENTITY_IS_DELETED at worst)."""
        self.request("DELETE", self._record_path(sobject, record_id), replay_safe=True)

    def upsert(
        self, sobject: str, external_id_field: str, value: str, fields: Mapping[str, Any]
    ) -> tuple[str, bool]:
        """Create or update the record whose `external_id_field` equals `value`; return (id, created).

        Replay-safe: the external id makes a second send update the record the first one made.

        Raises:
            MultipleMatchesError: several records carry `value` (HTTP 300); `.matches` lists them.
        """
        path = self.data_path(
            f"sobjects/{quote(sobject, safe='')}/{quote(external_id_field, safe='')}/{quote(value, safe='')}"
        )
        response = self.request("PATCH", path, json=dict(fields), replay_safe=True)
        if response.status_code == 300:
            raise _multiple_matches(response, sobject, external_id_field, value, path)
        if response.status_code == 204 or not response.content:
            return "", False
        data = wire.loads(response.content)
        return str(data.get("id", "")), bool(data.get("created", False))

    def _record_path(self, sobject: str, record_id: str) -> str:
        return self.data_path(f"sobjects/{quote(sobject, safe='')}/{quote(record_id, safe='')}")

    # --- queries ----------------------------------------------------------------

    def query(self, soql: str | ast.Query, *, batch_size: int | None = None) -> QueryResult:
        """Run a SOQL query; a lazy iterator of typed records that follows every page.

        User-written text is parsed first, so a syntax error (`SoqlSyntaxError`) is
        raised before sending. `batch_size` requests pages of that many rows
        (Salesforce accepts 200 to 2,000 and treats it as a hint).
        """
        from sfseg.salesforce.query import QueryResult

        return QueryResult(self, soql, include_deleted=False, batch_size=batch_size)

    def query_all(self, soql: str | ast.Query, *, batch_size: int | None = None) -> QueryResult:
        """Like `query`, including deleted and archived rows (`/queryAll`)."""
        from sfseg.salesforce.query import QueryResult

        return QueryResult(self, soql, include_deleted=True, batch_size=batch_size)

    def count(self, soql: str | ast.Query, *, include_deleted: bool = False) -> int:
        """Count the rows a query matches with `SELECT COUNT()` (one API call).

        With `include_deleted`, deleted and archived rows count too (`/queryAll`).
        """
        from sfseg.salesforce.query import count

        return count(self, soql, include_deleted=include_deleted)

    def query_in(
        self, soql: str | ast.Query, field: str, values: Iterable[Any], *, via_composite: bool = False
    ) -> builtins.list[dict[str, Any]]:
        """Run `soql` with `field IN (values)` added, split so no URL passes `max_url_bytes`.

        Returns the union of the rows, each record once. With `via_composite` the
        split queries travel five to a Composite call. See `sfseg.salesforce.query.query_in`.
        """
        from sfseg.salesforce.query import query_in

        return query_in(self, soql, field, values, via_composite=via_composite)

    # --- composite -----------------------------------------------------------

    @property
    def collections(self) -> Collections:
        """sObject Collections: create, update, upsert, delete and retrieve up to 200 per call."""
        from sfseg.salesforce.collections import Collections

        return Collections(self)

    def composite(
        self, subrequests: Sequence[Mapping[str, Any]], *, all_or_none: bool = False
    ) -> builtins.list[CompositeSubresponse]:
        """Send up to 25 subrequests in one Composite call (one API call)."""
        from sfseg.salesforce.composite import send_composite

        return send_composite(self, subrequests, all_or_none=all_or_none)

    # --- other APIs ------------------------------------------------------------

    @property
    def bulk2(self) -> Bulk2:
        """Bulk API 2.0 on this connection."""
        from sfseg.salesforce.bulk2 import Bulk2

        return Bulk2(self)

    @property
    def reports(self) -> Reports:
        """Reports and Dashboards REST API on this connection."""
        from sfseg.salesforce.reports import Reports

        return Reports(self)


def _absolute_url(path: str, instance_url: str) -> str:
    if not path.startswith(("http://", "https://")):
        return instance_url + path
    # A full URL must point at the org itself, so the bearer token never goes elsewhere.
    if path == instance_url or path.startswith(instance_url + "/"):
        return path
    parts = urlsplit(path)
    msg = f"URL {parts.scheme}://{parts.netloc}{parts.path} is not under the instance URL {instance_url}"
    raise ConfigurationError(msg, hint="pass a path such as /services/data/v66.0/...")


def _loggable(body: bytes | None) -> str:
    # Cut before decoding: a Bulk API upload can be a hundred megabytes.
    if not body:
        return ""
    return redact(body[: MAX_LOGGED_BODY * 4].decode("utf-8", "replace"))


def _http_client(settings: ConnectionSettings, transport: httpx.BaseTransport | None) -> httpx.Client:
    return httpx.Client(
        transport=transport,
        timeout=settings.timeout,
        verify=tls_verify(settings),
        limits=httpx.Limits(max_connections=settings.max_in_flight, max_keepalive_connections=settings.max_in_flight),
    )


def tls_verify(settings: ConnectionSettings) -> ssl.SSLContext | bool:
    """The `verify` value for httpx: a context trusting `ca_file` when set, else the system CAs.

    Raises:
        ConfigurationError: the CA file cannot be read or contains no PEM certificate.
    """
    if not settings.ca_file:
        return True
    try:
        return ssl.create_default_context(cafile=settings.ca_file)
    except (ssl.SSLError, OSError) as exc:
        msg = f"CA file {settings.ca_file!r} could not be loaded ({type(exc).__name__})"
        raise ConfigurationError(
            msg, hint="set SFSEG_CA_FILE (or ca_file in the profile) to a CA certificate in PEM form"
        ) from exc


def _path_only(path: str) -> str:
    parts = urlsplit(path)
    return parts.path or path


def _format_usage(usage: ApiUsage | None) -> str:
    return f"{usage.used}/{usage.max}" if usage else "-"


def _transport_error(exc: httpx.HTTPError, method: str, path: str, replay_safe: bool) -> TransportError:
    # The write-safety rule: a failure before sending, or any failure of a
    # replay-safe request, may be retried. A create that failed after sending may
    # have been applied, so it becomes WriteOutcomeUnknownError and is not retried.
    path = _path_only(path)
    reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if isinstance(exc, _NOT_SENT) or replay_safe:
        msg = f"{method} {path} failed before an answer arrived ({reason})"
        return TransportError(msg, method=method, path=path, hint="check the network and instance_url; retried when safe")
    msg = f"{method} {path} was sent but its answer was lost ({reason}); the write may have been applied"
    return WriteOutcomeUnknownError(
        msg, method=method, path=path, hint="look the record up before sending it again, or write with upsert by external id"
    )


def _outcome_unknown(error: ServerUnavailableError) -> WriteOutcomeUnknownError:
    # A 5xx can come after the org committed the write (a gateway timeout, a
    # failure while writing the response), so a create that got one is not sent again.
    msg = f"got HTTP {error.status} after sending, so the write may have been applied"
    return WriteOutcomeUnknownError(
        msg, status=error.status, error_code=error.error_code, method=error.method, path=error.path,
        body=error.body, errors=error.errors,
        hint="look the record up before sending it again, or write with upsert by external id",
    )


def _release_stream(response: httpx.Response) -> None:
    """Break the reference cycle between a read response and its stream.

    httpx wraps the body stream in an object that refers back to the response (to set
    `elapsed` when the stream closes). Such a response is freed only when the cyclic
    garbage collector runs, so paging through a query or bulk results can keep many
    pages in memory at once. The body is read and the stream closed by the time `request`
    returns, so a plain byte stream over the same bytes replaces the wrapper.
    """
    response.stream = httpx.ByteStream(response.content)


def _multiple_matches(
    response: httpx.Response, sobject: str, external_id_field: str, value: str, path: str
) -> MultipleMatchesError:
    data = wire.loads(response.content) if response.content else []
    matches = [str(item).rstrip("/").rsplit("/", 1)[-1] for item in data] if isinstance(data, list) else []
    msg = f"{len(matches)} {sobject} records have {external_id_field} = {value!r}: {', '.join(matches)}"
    return MultipleMatchesError(
        msg, matches=matches, status=300, method="PATCH", path=_path_only(path),
        body=response.text, hint="make the external id unique, then upsert again",
    )
