"""Helpers every CLI area shares: consoles, JSON output, failing with a fix, opening a client."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from sfseg.salesforce.client import SalesforceClient
from sfseg.salesforce.errors import SalesforceError
from sfseg.salesforce.settings import ConnectionSettings

__all__ = ["ProfileOption", "console", "err_console", "fail", "fail_for", "open_client", "print_json"]

console = Console()
err_console = Console(stderr=True)

ProfileOption = Annotated[
    str | None,
    typer.Option(
        "--profile",
        "-p",
        help="Connection profile from profiles.toml; SFSEG_* variables override its values.",
        envvar="SFSEG_PROFILE",
        show_envvar=True,
    ),
]


def _json_default(value: Any) -> str:
    # Dates and datetimes in ISO 8601 so that scripts can parse them; Decimal as text
    # so that amounts stay exact.
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def print_json(obj: Any) -> None:
    """Write `obj` to stdout as indented JSON (Decimal as text, dates and datetimes in ISO 8601)."""
    console.print_json(json.dumps(obj, default=_json_default, ensure_ascii=False), highlight=False)


def fail(message: str, hint: str | None = None) -> NoReturn:
    """Print the cause (and the fix, when known) to stderr and exit with status 1."""
    err_console.print(f"[bold red]Error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    if hint:
        err_console.print(f"[yellow]Fix:[/] {escape(hint)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=1)


def fail_for(error: SalesforceError) -> NoReturn:
    """Exit through `fail` with a Salesforce error's text and its hint."""
    text = str(error)
    if error.hint and text.endswith(f"; {error.hint}"):
        text = text[: -len(error.hint) - 2]  # the hint gets its own line
    fail(text, error.hint)


def open_client(profile: str | None) -> SalesforceClient:
    """Connect with a profile (None: `SFSEG_PROFILE` or the environment alone); exits on bad settings."""
    try:
        settings = ConnectionSettings.load(profile)
        return SalesforceClient(settings)
    except SalesforceError as exc:
        fail_for(exc)
