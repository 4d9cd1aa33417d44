"""Error handling of the segment commands: each error a command catches becomes a message on
stderr and exit status 1, and is written to the error log (`sfseg errors`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.markup import escape

from sfseg.cli.common import err_console, fail, fail_for, print_notes

if TYPE_CHECKING:
    from sfseg.segments.criteria import CriteriaError
    from sfseg.segments.store import Store

__all__ = ["open_store", "reported"]


def _fail_criteria(error: CriteriaError, notes: Sequence[str]) -> NoReturn:
    err_console.print(
        f"[bold red]Error:[/] {len(error.problems)} problem(s) in the criteria:", highlight=False
    )
    for problem in error.problems:
        err_console.print(f"  {escape(str(problem))}", highlight=False, soft_wrap=True)
    err_console.print(
        "[yellow]Fix:[/] correct each location above and run the command again", highlight=False
    )
    print_notes(notes)
    raise typer.Exit(code=1)


@contextmanager
def reported(store: Store | None, operation: str, segment_id: str | None = None) -> Iterator[None]:
    """Turn the errors of a command into a message and exit status, and log them.

    Notes added to an error (`BaseException.add_note`) are printed after its fix.
    """
    # Imported here, not at the top, so that `sfseg --help` and the sandbox skip SQLAlchemy.
    from sfseg.salesforce.errors import SalesforceError
    from sfseg.segments.criteria import CriteriaError
    from sfseg.segments.store import AmbiguousSegmentError, SegmentNotFoundError

    try:
        yield
    except (typer.Exit, typer.Abort):
        raise
    except CriteriaError as exc:
        _log(store, operation, exc, segment_id)
        _fail_criteria(exc, _notes(exc))
    except SalesforceError as exc:
        _log(store, operation, exc, segment_id)
        fail_for(exc, notes=_notes(exc))
    except (SegmentNotFoundError, AmbiguousSegmentError) as exc:
        fail(str(exc), notes=_notes(exc))
    except (ValueError, LookupError) as exc:
        _log(store, operation, exc, segment_id)
        fail(str(exc), notes=_notes(exc))


def _notes(error: BaseException) -> list[str]:
    return [str(note) for note in getattr(error, "__notes__", ())]


def _log(store: Store | None, operation: str, error: BaseException, segment_id: str | None) -> None:
    from sfseg.segments.errorlog import record_error

    if store is not None:
        record_error(store, operation=operation, error=error, segment_id=segment_id)


def open_store() -> Store:
    """Open the segments store at `SFSEG_DATABASE_URL` (or the default file), or exit with the cause."""
    from sfseg.segments.store import Store

    try:
        return Store()
    except Exception as exc:  # a bad URL or an unreachable server: report, do not trace
        fail(f"cannot open the segments store: {exc}", "check SFSEG_DATABASE_URL")
