"""Rich progress bars for assignment jobs, on stderr."""

from __future__ import annotations

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from sfseg.cli.common import err_console
from sfseg.segments.write import Progress as ProgressSink

__all__ = ["RichProgress"]

_STEP_LABELS = {"resolve": "Resolving customers", "write": "Writing members", "reconcile": "Reconciling"}


class RichProgress(ProgressSink):
    """Progress bars on stderr, one per step; silent when stderr is not a terminal."""

    def __init__(self) -> None:
        self._bars = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=err_console, transient=True, disable=not err_console.is_terminal,
        )  # fmt: skip
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> RichProgress:
        self._bars.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._bars.stop()

    def start(self, step: str, total: int | None) -> None:
        self._tasks[step] = self._bars.add_task(_STEP_LABELS.get(step, step), total=total)

    def advance(self, step: str, amount: int) -> None:
        if step in self._tasks:
            self._bars.advance(self._tasks[step], amount)

    def finish(self, step: str) -> None:
        task = self._tasks.pop(step, None)
        if task is not None:
            self._bars.remove_task(task)
