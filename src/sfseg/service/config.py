"""Settings of one service process: where it listens, its store, its org and its limits."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from sfseg.salesforce.settings import ConnectionSettings
from sfseg.segments.write import WriteOptions

__all__ = ["ServiceConfig", "is_loopback"]

DEFAULT_PORT = 8080
DEFAULT_WORKERS = 2
# Bodies above this size get 413 before they are read: 100,000 customer ids of 18
# characters with JSON quoting and commas take about 2.2 MB.
DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024
# `?wait=true` waits for the result only up to this many customer ids ...
DEFAULT_WAIT_MAX_CUSTOMERS = 1_000
# ... and only this long; past it the caller gets the 202 job response.
DEFAULT_WAIT_SECONDS = 30.0
# Jobs queued or running at most; more assignments get 429 until some finish.
DEFAULT_MAX_JOBS = 200
# Running jobs get this long to finish at shutdown before they are checkpointed.
DEFAULT_DRAIN_SECONDS = 10.0


def is_loopback(host: str) -> bool:
    """True for `localhost` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(slots=True)
class ServiceConfig:
    """One service's settings; `connection` is the org, `store_url` None means the default store."""

    connection: ConnectionSettings
    store_url: str | None = None
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    workers: int = DEFAULT_WORKERS
    max_jobs: int = DEFAULT_MAX_JOBS
    allow_remote: bool = False
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    wait_max_customers: int = DEFAULT_WAIT_MAX_CUSTOMERS
    wait_seconds: float = DEFAULT_WAIT_SECONDS
    drain_seconds: float = DEFAULT_DRAIN_SECONDS
    write_options: WriteOptions | None = None
    resume_at_start: bool = True

    def check(self) -> None:
        """Reject settings the service cannot run with; messages name the value and the fix."""
        if not is_loopback(self.host) and not self.allow_remote:
            msg = (
                f"host {self.host!r} is not a loopback address; pass --allow-remote to listen "
                "on other interfaces (and put TLS in front of the service)"
            )
            raise ValueError(msg)
        if self.workers < 1:
            msg = f"--workers {self.workers} must be 1 or more"
            raise ValueError(msg)
        if self.max_jobs < 1:
            msg = f"max_jobs {self.max_jobs} must be 1 or more"
            raise ValueError(msg)
        if not 0 <= self.port <= 65535:
            msg = f"--port {self.port} must be between 0 and 65535"
            raise ValueError(msg)
