"""`sfseg serve` and `sfseg keys create|list|revoke`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from sfseg.cli.common import ProfileOption, console, err_console, fail, fail_for, print_json

# The store and the client settings are imported inside the commands so that
# `sfseg --help` and `sfseg sandbox serve` do not load SQLAlchemy or pydantic.
if TYPE_CHECKING:
    from sfseg.segments.store import Store

__all__ = ["keys_app", "register"]

keys_app = typer.Typer(help="API keys of the HTTP service.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `sfseg` app."""
    app.command("serve")(serve_command)
    app.add_typer(keys_app, name="keys")


def _open_store() -> Store:
    from sfseg.segments.store import Store

    try:
        return Store()
    except Exception as exc:  # a bad URL or an unreachable server: report, do not trace
        fail(f"cannot open the segments store: {exc}", "check SFSEG_DATABASE_URL")


def serve_command(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8080,
    workers: Annotated[int, typer.Option("--workers", help="Job worker threads.")] = 2,
    allow_remote: Annotated[
        bool,
        typer.Option(
            "--allow-remote", help="Allow a non-loopback --host (put TLS in front of it)."
        ),
    ] = False,
    profile: ProfileOption = None,
) -> None:
    """Run the HTTP API (FastAPI + uvicorn) with the store and org of the other commands."""
    from sfseg.salesforce.errors import SalesforceError
    from sfseg.salesforce.settings import ConnectionSettings
    from sfseg.service.config import ServiceConfig
    from sfseg.service.server import serve

    try:
        settings = ConnectionSettings.load(profile)
        settings.check()
    except SalesforceError as exc:
        fail_for(exc)
    config = ServiceConfig(
        connection=settings, host=host, port=port, workers=workers, allow_remote=allow_remote
    )
    try:
        config.check()
    except ValueError as exc:
        fail(str(exc))
    err_console.print(f"sfseg service on http://{host}:{port} (OpenAPI document at /openapi.json)")
    serve(config)


@keys_app.command("create")
def create_command(
    name: Annotated[str, typer.Option("--name", help="Who uses the key, e.g. crm-sync.")],
    read_only: Annotated[
        bool, typer.Option("--read-only", help="The key may only read (GET requests).")
    ] = False,
) -> None:
    """Create an API key and print it once; the store keeps only its digest."""
    from sfseg.service.keys import create_key

    with _open_store() as store:
        try:
            info, key = create_key(store, name, read_only=read_only)
        except ValueError as exc:
            fail(str(exc))
    err_console.print(
        f"Created {'read-only ' if info.read_only else ''}key {info.name!r}; it is shown once, "
        "store it now:"
    )
    print(key)


@keys_app.command("list")
def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the keys as JSON.")] = False,
) -> None:
    """List the API keys (names and prefixes; the keys themselves are not stored)."""
    from sfseg.service.keys import list_keys

    with _open_store() as store:
        keys = list_keys(store)
    if as_json:
        print_json([
            {"name": k.name, "prefix": k.prefix, "read_only": k.read_only, "revoked": k.revoked}
            for k in keys
        ])  # fmt: skip
        return
    table = Table(title="API keys")
    for column in ("Name", "Prefix", "Access", "State"):
        table.add_column(column)
    for key in keys:
        table.add_row(
            key.name, key.prefix + "...", "read-only" if key.read_only else "read-write",
            "revoked" if key.revoked else "active",
        )  # fmt: skip
    console.print(table)


@keys_app.command("revoke")
def revoke_command(name: Annotated[str, typer.Argument(help="Name of the key.")]) -> None:
    """Revoke a key; requests with it get 401 from then on."""
    from sfseg.service.keys import revoke_key

    with _open_store() as store:
        try:
            info = revoke_key(store, name)
        except LookupError as exc:
            fail(str(exc).strip("'\""), "run `sfseg keys list` to see the names")
    console.print(f"Revoked key {info.name!r}.")
