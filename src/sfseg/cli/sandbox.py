"""Commands of the sandbox area: `sfseg sandbox serve` runs the local org."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from sfseg.cli.common import err_console, fail
from sfseg.sandbox.config import (
    DEFAULT_API_LIMIT,
    DEFAULT_API_VERSION,
    DEFAULT_CLIENT_ID,
    DEFAULT_MAX_CONCURRENT,
    DEFAULT_TOKEN_TTL_SECONDS,
    SandboxConfig,
)

if TYPE_CHECKING:
    from sfseg.sandbox.server import SandboxInfo

__all__ = ["register", "sandbox_app"]

sandbox_app = typer.Typer(
    help="The local Salesforce-compatible sandbox org.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `sfseg` app."""
    app.add_typer(sandbox_app, name="sandbox")


def _print_banner(config: SandboxConfig, info: SandboxInfo) -> None:
    lines = [f"Sandbox org ({config.seed}) listening on {info.url}", f"  client id:     {config.client_id}"]
    # Only generated credentials are shown: they belong to this sandbox alone.
    if config.secret_generated:
        lines.append(f"  client secret: {config.client_secret}  (generated, sandbox only)")
    else:
        lines.append("  client secret: the one given with --client-secret")
    username = info.state.default_user.username
    if config.password_generated:
        lines.append(f"  password:      {config.password}  (generated, for {username})")
    else:
        lines.append(f"  password:      the one given with --password, for {username}")
    if info.ca_file is not None:
        lines.append(f"  CA file:       {info.ca_file}")
    if config.ready_file is not None:
        lines.append(f"  ready file:    {config.ready_file}")
    lines.append("Press Ctrl+C to stop.")
    for line in lines:
        err_console.print(line, soft_wrap=True, highlight=False, markup=False)


def _run_until_stopped(config: SandboxConfig) -> None:
    from sfseg.sandbox.server import SandboxServer, SandboxStartError

    server = SandboxServer(config)
    try:
        info = server.start()
    except (SandboxStartError, ValueError, OSError) as exc:
        fail(f"The sandbox did not start: {exc}")
    _print_banner(config, info)

    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, request_stop)
    try:
        while not stopping.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        err_console.print("Stopping the sandbox.")
        server.stop()
        if config.ready_file is not None:
            config.ready_file.unlink(missing_ok=True)


@sandbox_app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on; loopback unless --allow-remote.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port; 0 picks a free one.")] = 0,
    allow_remote: Annotated[bool, typer.Option("--allow-remote", help="Allow a --host that is not a loopback address.")] = False,
    tls: Annotated[bool, typer.Option("--tls", help="Serve HTTPS with a certificate signed by a generated CA.")] = False,
    ca_file: Annotated[Path | None, typer.Option(help="Where --tls writes the CA certificate (PEM).")] = None,
    seed: Annotated[str, typer.Option(help="Data to load: sample, empty, synthetic:N or the path of an export.")] = "sample",
    db: Annotated[Path | None, typer.Option(help="SQLite file of the org; in memory when left out.")] = None,
    client_id: Annotated[str, typer.Option(help="Consumer key the OAuth grants accept.")] = DEFAULT_CLIENT_ID,
    client_secret: Annotated[
        str | None,
        typer.Option(
            envvar="SFSEG_SANDBOX_CLIENT_SECRET",
            help="Consumer secret; a random one is generated and printed when left out.",
        ),
    ] = None,
    username: Annotated[str | None, typer.Option(help="Run-as user of client-credentials tokens (a User of the seed).")] = None,
    password: Annotated[
        str | None,
        typer.Option(
            envvar="SFSEG_SANDBOX_PASSWORD",
            help="Password the password grant accepts for every known user; generated and printed when left out.",
        ),
    ] = None,
    jwt_cert: Annotated[Path | None, typer.Option(help="Certificate (PEM) whose key signs JWT bearer assertions.")] = None,
    token_ttl: Annotated[int, typer.Option(help="Seconds a session lasts after its last use.")] = DEFAULT_TOKEN_TTL_SECONDS,
    rotate_refresh_tokens: Annotated[bool, typer.Option("--rotate-refresh-tokens", help="Issue a new refresh token on every refresh.")] = False,
    api_limit: Annotated[int, typer.Option(help="Daily API request allowance.")] = DEFAULT_API_LIMIT,
    max_concurrent: Annotated[int, typer.Option(help="Requests in flight before REQUEST_LIMIT_EXCEEDED.")] = DEFAULT_MAX_CONCURRENT,
    latency_ms: Annotated[int, typer.Option(help="Milliseconds added to every API response.")] = 0,
    faults: Annotated[Path | None, typer.Option(help='Fault rules to load at start: JSON {"seed", "rules"}.')] = None,
    ready_file: Annotated[Path | None, typer.Option(help="Write url, client id and secret, CA file and API version here (JSON, mode 0600) once serving.")] = None,
    api_version: Annotated[str, typer.Option(help="API version written to the ready file.")] = DEFAULT_API_VERSION,
) -> None:
    """Run the sandbox org until Ctrl+C or SIGTERM, logging one line per request."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = SandboxConfig(
            host=host,
            port=port,
            allow_remote=allow_remote,
            tls=tls,
            ca_file=ca_file,
            seed=seed,
            db=db,
            client_id=client_id,
            client_secret=client_secret or "",
            username=username,
            password=password or "",
            jwt_cert=jwt_cert,
            token_ttl=token_ttl,
            rotate_refresh_tokens=rotate_refresh_tokens,
            api_limit=api_limit,
            max_concurrent=max_concurrent,
            latency_ms=latency_ms,
            faults=faults,
            ready_file=ready_file,
            api_version=api_version,
        )
    except ValueError as exc:
        fail(str(exc))
    _run_until_stopped(config)
