"""Running the sandbox: uvicorn on a loopback port in a background thread.

`run_sandbox()` is the context manager tests and demos use; `SandboxServer` is what
`sfseg sandbox serve` runs. Both bind the socket first, so port 0 gives a free port
whose URL is known before the first request.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn

from sfseg.sandbox.app import create_app
from sfseg.sandbox.config import SandboxConfig
from sfseg.sandbox.state import SandboxState, build_state
from sfseg.sandbox.tls import TlsFiles, make_tls_files

__all__ = ["SandboxInfo", "SandboxServer", "SandboxStartError", "run_sandbox"]

# uvicorn's h11 parser rejects a request head over 16 KiB with a bare 400 before the app
# runs. A larger buffer lets the gateway send Salesforce's 414 and 431 itself.
_MAX_REQUEST_HEAD_BYTES = 1024 * 1024
_START_TIMEOUT_SECONDS = 30.0
# Idle keep-alive connections stay open this long. With uvicorn's default of 5 s, the
# server closed the connection just as simple-salesforce (1.12) sent its next Bulk API
# poll, 5.001 s after the last one, so the poll read no response. requests' urllib3
# reuses an idle connection however old it is, so the timeout must exceed any poll interval.
_KEEP_ALIVE_SECONDS = 120
_STOP_TIMEOUT_SECONDS = 10.0


class SandboxStartError(RuntimeError):
    """The sandbox server did not start; the message gives the reason."""


@dataclass(frozen=True, slots=True)
class SandboxInfo:
    """Address and credentials of a running sandbox."""

    url: str
    client_id: str
    client_secret: str = field(repr=False)
    ca_file: str | None
    api_version: str
    state: SandboxState = field(repr=False, compare=False)

    @property
    def data_url(self) -> str:
        """Base of the REST API for `api_version`, e.g. `http://127.0.0.1:5000/services/data/v66.0`."""
        return f"{self.url}/services/data/v{self.api_version}"

    @property
    def verify(self) -> ssl.SSLContext | bool:
        """What to pass as httpx's `verify=`: a context trusting the CA, or True for http."""
        if self.ca_file is None:
            return True
        return ssl.create_default_context(cafile=self.ca_file)

    def access_token(self) -> str:
        """Mint a session for the integration user without an HTTP call (for tests)."""
        user = self.state.default_user
        session = self.state.tokens.issue(
            username=user.username, user_id=user.user_id, client_id=self.client_id, scope="api"
        )
        return session.access_token

    def ready_document(self) -> dict[str, Any]:
        """Return the JSON that `--ready-file` receives."""
        return {
            "url": self.url,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "ca_file": self.ca_file,
            "api_version": self.api_version,
        }


def _bind(host: str, port: int) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        msg = f"cannot listen on {host}:{port}: {exc.strerror}; pick another --port or use 0"
        raise SandboxStartError(msg) from exc
    return sock


def _url(scheme: str, sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}:{port}"


def write_ready_file(path: Path, document: dict[str, Any]) -> None:
    """Write the ready file atomically with mode 0600, because it contains the client secret."""
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2)
    os.replace(temporary, path)


class SandboxServer:
    """One sandbox server: `start()` returns once it accepts connections, `stop()` ends it."""

    def __init__(self, config: SandboxConfig, *, state: SandboxState | None = None) -> None:
        self.config = config
        self._state = state
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._tls: TlsFiles | None = None
        self.info: SandboxInfo | None = None

    def start(self) -> SandboxInfo:
        config = self.config
        state = self._state if self._state is not None else build_state(config)
        sock = _bind(config.host, config.port)
        if config.tls:
            self._tls = make_tls_files(config.ca_file)
        url = _url("https" if config.tls else "http", sock)
        state.base_url = url

        uvicorn_config = uvicorn.Config(
            create_app(config, state=state),
            http="h11",
            lifespan="off",
            log_config=None,
            access_log=False,
            h11_max_incomplete_event_size=_MAX_REQUEST_HEAD_BYTES,
            timeout_keep_alive=_KEEP_ALIVE_SECONDS,
            timeout_graceful_shutdown=3,
            ssl_certfile=str(self._tls.cert_file) if self._tls else None,
            ssl_keyfile=str(self._tls.key_file) if self._tls else None,
        )
        self._server = uvicorn.Server(uvicorn_config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="sfseg-sandbox", daemon=True
        )
        self._thread.start()
        self._wait_started(url)

        self.info = SandboxInfo(
            url=url,
            client_id=config.client_id,
            client_secret=config.client_secret,
            ca_file=str(self._tls.ca_file) if self._tls else None,
            api_version=config.api_version,
            state=state,
        )
        if config.ready_file is not None:
            write_ready_file(config.ready_file, self.info.ready_document())
        return self.info

    def _wait_started(self, url: str) -> None:
        assert self._server is not None and self._thread is not None
        deadline = time.monotonic() + _START_TIMEOUT_SECONDS
        while not self._server.started:
            if not self._thread.is_alive():
                self._cleanup()
                msg = f"the sandbox server at {url} stopped during start-up; see the log above"
                raise SandboxStartError(msg)
            if time.monotonic() > deadline:
                self.stop()
                msg = f"the sandbox server at {url} did not start within {_START_TIMEOUT_SECONDS:.0f} s"
                raise SandboxStartError(msg)
            time.sleep(0.005)

    def wait(self) -> None:
        """Block until the server stops (it stops on `stop()` from another thread)."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(0.5)

    def stop(self, *, force: bool = False, wait: bool = True) -> None:
        """Stop serving.

        `force` skips waiting for open connections and running requests. With `wait`
        False the call returns at once and the server finishes stopping in the
        background (uvicorn takes about 0.2 s), which test fixtures use.
        """
        if self._server is not None:
            self._server.should_exit = True
            self._server.force_exit = force
        if wait:
            self._finish()
        else:
            threading.Thread(target=self._finish, name="sfseg-sandbox-stop", daemon=True).start()

    def _finish(self) -> None:
        if self._thread is not None:
            self._thread.join(_STOP_TIMEOUT_SECONDS)
        self._cleanup()

    def _cleanup(self) -> None:
        if self._tls is not None:
            self._tls.remove()
            self._tls = None


@contextmanager
def run_sandbox(
    *, seed: str = "sample", tls: bool = False, wait_on_exit: bool = True, **options: Any
) -> Iterator[SandboxInfo]:
    """Run a sandbox on a free loopback port for the duration of the `with` block.

    `options` are `SandboxConfig` fields (`api_limit=`, `token_ttl=`, `max_concurrent=`,
    `faults=`, `latency_ms=`, ...). With `tls=True` the URL is https and `ca_file` names
    the CA to trust. With `wait_on_exit` False, leaving the block does not wait for the
    port to close. Raises SandboxStartError when the server does not come up.
    """
    config = SandboxConfig(seed=seed, tls=tls, **options)
    server = SandboxServer(config)
    info = server.start()
    try:
        yield info
    finally:
        # The block is over, so nothing still in flight needs a response.
        server.stop(force=True, wait=wait_on_exit)
