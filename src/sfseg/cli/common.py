"""Helpers every CLI area shares: consoles, JSON output, failing with a fix, opening a client."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from rich.table import Table

    from sfseg.salesforce.client import SalesforceClient
    from sfseg.salesforce.errors import SalesforceError

__all__ = [
    "JsonOption",
    "ProfileOption",
    "VerboseOption",
    "add_key_column",
    "configure_logging",
    "console",
    "err_console",
    "fail",
    "fail_for",
    "open_client",
    "plural",
    "print_json",
    "print_notes",
]

#: Width of stdout when it is a file or a pipe and COLUMNS is unset. Rich would
#: assume 80 columns and cut ids in tables written to a file.
NON_TERMINAL_WIDTH = 200
#: Narrowest column for a Salesforce id: the 18-character form must fit.
ID_WIDTH = 18


def _stdout_console() -> Console:
    out = Console()
    if not out.is_terminal and not os.environ.get("COLUMNS"):
        out.width = NON_TERMINAL_WIDTH
    return out


def _hide_flag_types() -> None:
    """Show no `<bool>` type next to on/off flags in `--help`.

    Typer prints each option's value type in help, flags included, so `--json <bool>`
    reads as if the flag took a value. A flag takes none, so its type cell stays empty.
    Every CLI area imports this module, so the change covers the whole `sfseg` help.
    """
    from typer.core import TyperOption

    shown = TyperOption.display_type_rich
    if getattr(shown, "_sfseg_hides_flags", False):
        return

    def display_type_rich(self: TyperOption, ctx: typer.Context) -> str | None:
        return None if self.is_flag else shown(self, ctx)

    display_type_rich._sfseg_hides_flags = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign,assignment]


_hide_flag_types()
console = _stdout_console()
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

JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")]

VerboseOption = Annotated[
    bool,
    typer.Option("--verbose", "-v", help="Log each API request and retry to stderr (SFSEG_LOG_LEVEL sets the level)."),
]


def add_key_column(table: Table, header: str, *, min_width: int = ID_WIDTH) -> None:
    """Add a column for ids or API names: never cut short with an ellipsis.

    The column is not squeezed below `min_width` (an 18-character id fits) and a
    value wider than the column folds onto the next line instead of losing characters.
    """
    table.add_column(header, no_wrap=True, overflow="fold", min_width=min_width)


_LOG_HANDLER_NAME = "sfseg-cli-stderr"


def configure_logging(verbose: bool = False) -> None:
    """Send the library's log records to stderr only when asked.

    `SFSEG_LOG_LEVEL` (DEBUG, INFO, WARNING, ...) wins; else `verbose` means INFO.
    With neither, nothing is printed: retries and request lines are records for
    those who ask, and the command reports the outcome itself.
    """
    root = logging.getLogger("sfseg")
    for previous in [h for h in root.handlers if h.get_name() == _LOG_HANDLER_NAME]:
        root.removeHandler(previous)
    level_name = os.environ.get("SFSEG_LOG_LEVEL", "").strip().upper()
    handler: logging.Handler
    if not level_name and not verbose:
        handler = logging.NullHandler()
    else:
        level = logging.getLevelName(level_name) if level_name else logging.INFO
        if not isinstance(level, int):
            fail(f"SFSEG_LOG_LEVEL = {level_name!r} is not a log level", "use DEBUG, INFO, WARNING or ERROR")
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.setLevel(level)
        if root.level == logging.NOTSET or root.level > level:
            root.setLevel(level)
    handler.set_name(_LOG_HANDLER_NAME)
    root.addHandler(handler)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """`1 row`, `2 rows`: the count with the noun in the matching number."""
    noun = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count:,} {noun}"


def _json_default(value: Any) -> str:
    # Dates and datetimes in ISO 8601 so that scripts can parse them; Decimal as text
    # so that amounts stay exact.
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def print_json(obj: Any) -> None:
    """Write `obj` to stdout as indented JSON (Decimal as text, dates and datetimes in ISO 8601)."""
    console.print_json(json.dumps(obj, default=_json_default, ensure_ascii=False), highlight=False)


def fail(message: str, hint: str | None = None, *, notes: Sequence[str] = ()) -> NoReturn:
    """Print the cause, the fix (when known) and each note to stderr, and exit with status 1."""
    err_console.print(f"[bold red]Error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    if hint:
        err_console.print(f"[yellow]Fix:[/] {escape(hint)}", highlight=False, soft_wrap=True)
    print_notes(notes)
    raise typer.Exit(code=1)


def print_notes(notes: Sequence[str]) -> None:
    """Print each note, such as what a failed command left behind, on its own stderr line."""
    for note in notes:
        err_console.print(f"[yellow]Note:[/] {escape(note)}", highlight=False, soft_wrap=True)


def fail_for(error: SalesforceError, *, notes: Sequence[str] = ()) -> NoReturn:
    """Exit through `fail` with a Salesforce error's text, its hint and `notes`."""
    text = str(error)
    if error.hint and text.endswith(f"; {error.hint}"):
        text = text[: -len(error.hint) - 2]  # the hint gets its own line
    fail(text, error.hint, notes=notes)


def open_client(profile: str | None, *, verbose: bool = False) -> SalesforceClient:
    """Connect with a profile (None: `SFSEG_PROFILE` or the environment alone); exits on bad settings.

    Also sets where log records go (`configure_logging(verbose)`).
    """
    configure_logging(verbose)
    # The client (httpx, pydantic, PyJWT) is imported on first use so that commands
    # that never connect, such as `sfseg --help` and `sfseg sandbox serve`, start faster.
    from sfseg.salesforce.client import SalesforceClient
    from sfseg.salesforce.errors import SalesforceError
    from sfseg.salesforce.settings import ConnectionSettings

    try:
        settings = ConnectionSettings.load(profile)
        return SalesforceClient(settings)
    except SalesforceError as exc:
        fail_for(exc)
