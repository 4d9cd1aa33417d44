"""Running the service with uvicorn: in the foreground (`sfseg serve`) or in a thread (tests).

The app runs in one process; its jobs run on the app's own worker pool, so
`--workers` sizes that pool, not a number of processes (several processes would each
resume the same left-over jobs at start-up).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from sfseg.salesforce import SalesforceClient
from sfseg.segments.store import Store
from sfseg.service.app import create_app
from sfseg.service.config import ServiceConfig
from sfseg.service.state import ServiceState

__all__ = ["RunningService", "run_service", "serve"]

START_TIMEOUT_S = 20.0
# uvicorn stops waiting for open connections after this long at shutdown.
GRACEFUL_SHUTDOWN_S = 5
# Idle connections stay open this long: longer than the 5 s keep-alive of common
# clients (httpx, requests' urllib3), so that a client never reuses a connection at
# the moment the server closes it.
KEEP_ALIVE_S = 30


@dataclass(frozen=True, slots=True)
class RunningService:
    """A service running in a thread: its base URL, app (for tests) and uvicorn server."""

    url: str
    app: FastAPI
    server: uvicorn.Server

    @property
    def state(self) -> ServiceState:
        """The running app's shared state (store, client, runner, config)."""
        state: ServiceState = self.app.state.service
        return state


def _uvicorn_config(
    config: ServiceConfig, store: Store | None, client: SalesforceClient | None
) -> uvicorn.Config:
    return uvicorn.Config(
        create_app(config, store=store, client=client),
        host=config.host,
        port=config.port,
        http="h11",
        lifespan="on",
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
        timeout_keep_alive=KEEP_ALIVE_S,
    )


def serve(config: ServiceConfig) -> None:
    """Run the service until interrupted (SIGINT/SIGTERM drain the jobs, then exit)."""
    config.check()
    uvicorn.Server(_uvicorn_config(config, None, None)).run()


@contextmanager
def run_service(
    config: ServiceConfig, *, store: Store | None = None, client: SalesforceClient | None = None
) -> Iterator[RunningService]:
    """Run the service in a thread on `config.host` (port 0: a free port) for the `with` block."""
    config.check()
    # The socket's protocol must be IPPROTO_TCP, as getaddrinfo gives it: asyncio sets
    # TCP_NODELAY only on such sockets, and without it Nagle's algorithm and delayed
    # ACKs hold each response for about 40 ms.
    family, kind, proto, _name, address = socket.getaddrinfo(
        config.host, config.port, type=socket.SOCK_STREAM
    )[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(address)
    port = sock.getsockname()[1]
    uvicorn_config = _uvicorn_config(config, store, client)
    server = uvicorn.Server(uvicorn_config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="sfseg-service", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            msg = f"the service on {config.host}:{port} did not start; see the log"
            raise RuntimeError(msg)
        time.sleep(0.01)
    host = f"[{config.host}]" if ":" in config.host else config.host
    try:
        app = uvicorn_config.app
        assert isinstance(app, FastAPI)
        yield RunningService(url=f"http://{host}:{port}", app=app, server=server)
    finally:
        server.should_exit = True
        thread.join(config.drain_seconds + GRACEFUL_SHUTDOWN_S + 35)
        sock.close()
