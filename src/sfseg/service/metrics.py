"""Prometheus metrics of the service, kept in a registry of each app's own.

A registry per app (not the process-wide default) lets tests and several apps in one
process count separately. Salesforce API calls are read from the service's client when
scraped; retries are counted from the client's `salesforce.retry_scheduled` log events,
which every retry writes once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["RETRY_EVENT", "RequestMetrics", "ServiceMetrics"]

# Buckets in seconds, from a cached read to an assignment returned while the caller waits.
LATENCY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
RETRY_EVENT = "salesforce.retry_scheduled"
logger = logging.getLogger("sfseg.service")
SALESFORCE_LOGGER = "sfseg.salesforce"


class _ApiCallCollector(Collector):
    def __init__(self, read_calls: Callable[[], int]) -> None:
        self._read_calls = read_calls

    def collect(self) -> Iterator[CounterMetricFamily]:
        yield CounterMetricFamily(
            "sfseg_salesforce_api_calls",
            "Salesforce API calls made by the service's client since it started.",
            value=self._read_calls(),
        )


class _RetryHandler(logging.Handler):
    def __init__(self, counter: Counter) -> None:
        super().__init__(level=logging.WARNING)
        self._counter = counter

    def emit(self, record: logging.LogRecord) -> None:
        if isinstance(record.msg, str) and record.msg.startswith(RETRY_EVENT):
            self._counter.inc()


class ServiceMetrics:
    """Requests, latencies, jobs by state, and Salesforce API calls and retries."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "sfseg_http_requests",
            "HTTP responses sent, by method, route template and status code.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "sfseg_http_request_duration_seconds",
            "Time from request to response, by method and route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self.jobs = Gauge(
            "sfseg_jobs",
            "Jobs in the store, by state, read when metrics are scraped.",
            ["state"],
            registry=self.registry,
        )
        self.salesforce_retries = Counter(
            "sfseg_salesforce_retries",
            "Salesforce requests retried after a transient error.",
            registry=self.registry,
        )
        self._retry_handler: _RetryHandler | None = None

    def watch_client(self, read_calls: Callable[[], int]) -> None:
        """Report `read_calls()` as the Salesforce API call count, and count retries."""
        self.registry.register(_ApiCallCollector(read_calls))
        self._retry_handler = _RetryHandler(self.salesforce_retries)
        logging.getLogger(SALESFORCE_LOGGER).addHandler(self._retry_handler)

    def close(self) -> None:
        if self._retry_handler is not None:
            logging.getLogger(SALESFORCE_LOGGER).removeHandler(self._retry_handler)
            self._retry_handler = None


class RequestMetrics:
    """ASGI middleware counting and logging each response by method, route template and status.

    The route template (`/v1/segments/{segment_id}`) keeps the label set small; paths
    that match no route count as `(unmatched)`.
    """

    def __init__(self, app: ASGIApp, *, metrics: Callable[[], ServiceMetrics]) -> None:
        self.app = app
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        finally:
            route = getattr(scope.get("route"), "path", None) or "(unmatched)"
            metrics = self._metrics()
            metrics.requests.labels(scope["method"], route, str(status)).inc()
            elapsed = time.perf_counter() - started
            metrics.latency.labels(scope["method"], route).observe(elapsed)
            logger.info(
                "service.request method=%s path=%s status=%d elapsed_ms=%.1f",
                scope["method"], scope["path"], status, elapsed * 1000,
            )  # fmt: skip
