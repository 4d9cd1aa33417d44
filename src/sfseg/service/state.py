"""Shared state of one service app, used by every request handler."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from fastapi import Request

from sfseg.salesforce import SalesforceClient
from sfseg.segments.store import Store
from sfseg.service.config import ServiceConfig
from sfseg.service.metrics import ServiceMetrics
from sfseg.service.runner import JobRunner

__all__ = ["ServiceState", "get_state"]

# /readyz queries the org at most this often, because each check costs an API call.
ORG_CHECK_TTL_S = 15.0


@dataclass
class ServiceState:
    config: ServiceConfig
    store: Store
    client: SalesforceClient
    metrics: ServiceMetrics
    runner: JobRunner
    _org_checked_at: float = field(default=0.0)
    _org_status: str = field(default="not checked")
    _org_lock: threading.Lock = field(default_factory=threading.Lock)

    def org_status(self) -> str:
        """`ok`, or why the org is not reachable; cached for `ORG_CHECK_TTL_S`."""
        with self._org_lock:
            if time.monotonic() - self._org_checked_at < ORG_CHECK_TTL_S:
                return self._org_status
            try:
                self.client.limits()
                status = "ok"
            except Exception as exc:  # any failure means not ready; the reason is shown
                status = f"{type(exc).__name__}: {exc}"[:300]
            self._org_status, self._org_checked_at = status, time.monotonic()
            return status


def get_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state
