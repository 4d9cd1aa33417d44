"""Prometheus metrics of the service, kept in a registry of each app's own.

A registry per app (not the process-wide default) lets tests and several apps in one
process count separately.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

__all__ = ["ServiceMetrics"]

# Buckets in seconds, from a cached read to an assignment answered while the caller waits.
LATENCY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class ServiceMetrics:
    """Requests, latencies, jobs by state, and Salesforce API calls and retries."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "sfseg_http_requests",
            "HTTP requests answered, by method, route template and status code.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "sfseg_http_request_duration_seconds",
            "Time from request to answer, by method and route template.",
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
        self.salesforce_calls = Counter(
            "sfseg_salesforce_api_calls",
            "Salesforce API calls made by the service's operations.",
            registry=self.registry,
        )
        self.salesforce_retries = Counter(
            "sfseg_salesforce_retries",
            "Salesforce requests retried after a transient error.",
            registry=self.registry,
        )
