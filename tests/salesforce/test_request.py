"""The request layer on a mock transport: retries, session refresh, quota, reserve, write safety, logs."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import httpx
import pytest

from sfseg.salesforce import (
    ConcurrencyLimitError,
    ConnectionSettings,
    QuotaExceededError,
    RetryPolicy,
    SalesforceClient,
    ServerUnavailableError,
    SessionExpiredError,
    TransportError,
    WriteOutcomeUnknownError,
)

from .conftest import BASE, TOKEN_URL_PATH, Sleeps, json_response, token_response

PATH = "/services/data/v66.0/limits/"
OK = {"DailyApiRequests": {"Max": 15000, "Remaining": 14000}}


def scripted(*answers: httpx.Response | Exception) -> Callable[[httpx.Request], httpx.Response]:
    """Return a handler that sends the responses in order, then the last one forever."""
    queue = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handler


def _error(status: int, code: str, message: str) -> httpx.Response:
    return json_response(status, [{"message": message, "errorCode": code}])


def test_503_twice_then_success(make_client: Callable[..., SalesforceClient], sleeps: Sleeps) -> None:
    """Two 503 responses are retried after 1 s and 2 s, and the third response is returned."""
    client = make_client(scripted(_error(503, "SERVER_UNAVAILABLE", "down"), _error(503, "SERVER_UNAVAILABLE", "down"), json_response(200, OK)))
    assert client.limits() == OK
    assert sleeps == [1.0, 2.0]
    assert client.api_calls == 3


def test_retries_give_up(make_client: Callable[..., SalesforceClient], sleeps: Sleeps) -> None:
    """After five 503 responses the last error is raised."""
    client = make_client(scripted(_error(503, "SERVER_UNAVAILABLE", "down")))
    with pytest.raises(ServerUnavailableError, match="503 SERVER_UNAVAILABLE: down"):
        client.limits()
    assert sleeps == [1.0, 2.0, 4.0, 8.0]


def test_retry_after_header_wins(make_client: Callable[..., SalesforceClient], sleeps: Sleeps) -> None:
    """A Retry-After header sets the wait instead of the exponential backoff."""
    busy = json_response(403, [{"message": "ConcurrentRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}], {"Retry-After": "9"})
    client = make_client(scripted(busy, json_response(200, OK)))
    client.limits()
    assert sleeps == [9.0]


def test_daily_limit_no_retry_no_refresh(make_client: Callable[..., SalesforceClient], sleeps: Sleeps) -> None:
    """The TotalRequests limit raises at once: no wait, no token request."""
    token_calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        return _error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")

    client = make_client(handler)
    with pytest.raises(QuotaExceededError, match="403 REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded"):
        client.limits()
    assert sleeps == []
    assert client.token_refreshes == token_calls
    assert client.api_calls == 1


def test_session_refreshed_once(make_client: Callable[..., SalesforceClient]) -> None:
    """INVALID_SESSION_ID gets one new token and one replay."""
    client = make_client(scripted(_error(401, "INVALID_SESSION_ID", "Session expired or invalid"), json_response(200, OK)))
    assert client.limits() == OK
    assert client.token_refreshes == 1


def test_session_expired_twice_raises(make_client: Callable[..., SalesforceClient], sleeps: Sleeps) -> None:
    """A second INVALID_SESSION_ID after the refresh is raised, not retried."""
    client = make_client(scripted(_error(401, "INVALID_SESSION_ID", "Session expired or invalid")))
    with pytest.raises(SessionExpiredError):
        client.limits()
    assert client.token_refreshes == 1
    assert sleeps == []


def test_reserve_stops_before_sending(make_client: Callable[..., SalesforceClient]) -> None:
    """Once usage reaches the reserve the next call raises without being sent."""
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        return json_response(200, {"sobjects": []}, {"Sforce-Limit-Info": "api-usage=90/100"})

    client = make_client(handler, reserve_fraction=0.1)
    client.describe_global()
    with pytest.raises(QuotaExceededError, match=r"not sent: daily API usage 90/100 leaves no room above the reserve of 10%"):
        client.describe_global()
    assert len(sent) == 1


def test_create_not_replayed_after_drop(make_client: Callable[..., SalesforceClient]) -> None:
    """A create whose response is lost raises WriteOutcomeUnknownError after one send."""
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.method)
        raise httpx.ReadTimeout("timed out", request=request)

    client = make_client(handler)
    with pytest.raises(WriteOutcomeUnknownError, match="the write may have been applied"):
        client.create("Account", {"Name": "Acme"})
    assert sent == ["POST"]


def test_update_replayed_after_drop(make_client: Callable[..., SalesforceClient], sleeps: Sleeps) -> None:
    """An update whose response is lost is sent again."""
    def drop(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    answers = iter([drop, lambda r: httpx.Response(204)])
    client = make_client(lambda request: next(answers)(request))
    client.update("Account", "001000000000001AAA", {"Name": "Acme"})
    assert sleeps == [1.0]


def test_connect_error_retried_for_create(make_client: Callable[..., SalesforceClient], sleeps: Sleeps) -> None:
    """A connection refused before sending is retried even for a create."""
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    answers = iter([refuse, lambda r: json_response(201, {"id": "001000000000001AAA", "success": True, "errors": []})])
    client = make_client(lambda request: next(answers)(request))
    assert client.create("Account", {"Name": "Acme"}) == "001000000000001AAA"
    assert sleeps == [1.0]


def test_transport_error_text(make_client: Callable[..., SalesforceClient]) -> None:
    """A transport failure names the method, path and cause."""
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = make_client(refuse)
    with pytest.raises(TransportError, match=r"GET /services/data/v66.0/limits/ failed before an answer arrived \(ConnectError: refused\)"):
        client.limits()


def test_concurrent_workers_share_refresh(retry_policy: RetryPolicy) -> None:
    """Eight threads that all see an expired token cause one token request, not eight."""
    token_requests = 0
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def route(request: httpx.Request) -> httpx.Response:
        nonlocal token_requests
        if request.url.path == TOKEN_URL_PATH:
            with lock:
                token_requests += 1
                number = token_requests
            return token_response(f"00D000000000001!AQ.token{number}")
        if request.headers["Authorization"].endswith("token1"):
            return _error(401, "INVALID_SESSION_ID", "Session expired or invalid")
        return json_response(200, OK)

    settings = ConnectionSettings(instance_url=BASE, login_url=BASE, client_id="app-id", client_secret="app-secret")
    failures: list[BaseException] = []
    with SalesforceClient(settings, transport=httpx.MockTransport(route), retry_policy=retry_policy) as client:
        client.instance_url  # noqa: B018 - gets the first token before the threads start

        def work() -> None:
            barrier.wait()
            try:
                client.limits()
            except Exception as exc:
                failures.append(exc)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        assert client.token_refreshes == 1
    assert token_requests == 2


def test_log_lines(make_client: Callable[..., SalesforceClient], caplog: pytest.LogCaptureFixture) -> None:
    """One INFO line per exchange and one WARNING per retry with retry_num, wait_for and caused_by."""
    busy = _error(403, "REQUEST_LIMIT_EXCEEDED", "ConcurrentRequests Limit exceeded.")
    client = make_client(scripted(busy, busy, json_response(200, OK, {"Sforce-Limit-Info": "api-usage=5/15000"})))
    with caplog.at_level(logging.INFO, logger="sfseg.salesforce"):
        client.limits()
    api_lines = [r for r in caplog.records if r.levelno == logging.INFO and "limits" in r.getMessage()]
    assert [r.getMessage().split('"')[1] for r in api_lines] == ["403", "403", "200"]
    retries = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [(r.retry_num, r.wait_for, r.caused_by) for r in retries] == [  # type: ignore[attr-defined]
        (1, 1.0, "REQUEST_LIMIT_EXCEEDED"),
        (2, 2.0, "REQUEST_LIMIT_EXCEEDED"),
    ]


def test_concurrency_error_class(make_client: Callable[..., SalesforceClient]) -> None:
    """ConcurrentRequests responses raise ConcurrencyLimitError once retries run out."""
    client = make_client(scripted(_error(403, "REQUEST_LIMIT_EXCEEDED", "ConcurrentRequests Limit exceeded.")))
    with pytest.raises(ConcurrencyLimitError):
        client.limits()


def test_base_url_from_token(make_client: Callable[..., SalesforceClient]) -> None:
    """Requests go to the instance_url the token endpoint returned."""
    hosts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(str(request.url.copy_with(path="/", query=None)))
        return json_response(200, OK)

    make_client(handler).limits()
    assert hosts == [BASE + "/"]


def test_in_flight_bounded(make_client: Callable[..., SalesforceClient]) -> None:
    """No more than max_in_flight requests are outstanding at once."""
    import time

    lock = threading.Lock()
    active = 0
    peak = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.02)
        with lock:
            active -= 1
        return json_response(200, OK)

    client = make_client(handler, max_in_flight=2)
    client.instance_url  # noqa: B018 - gets the token before the threads start
    threads = [threading.Thread(target=client.limits) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert client.api_calls == 6
    assert peak == 2


def test_foreign_url_rejected(make_client: Callable[..., SalesforceClient]) -> None:
    """A full URL outside the instance is rejected, so the token is never sent to another host."""
    from sfseg.salesforce import ConfigurationError

    sent: list[httpx.Request] = []
    client = make_client(lambda request: sent.append(request) or json_response(200, OK))
    with pytest.raises(ConfigurationError, match="URL https://elsewhere.example.org/services/data/v66.0/limits is not under the instance URL https://acme.my.salesforce.com"):
        client.get_json("https://elsewhere.example.org/services/data/v66.0/limits")
    client.get_json(BASE + "/services/data/v66.0/limits")
    assert [str(r.url) for r in sent] == [BASE + "/services/data/v66.0/limits"]
