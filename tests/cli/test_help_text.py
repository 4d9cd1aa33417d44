"""Command help that renders whole at any terminal width."""

from __future__ import annotations

import inspect

import pytest
import typer
from typer.testing import CliRunner

from sfseg.cli.main import app

# Commands whose help is written with one source line per paragraph. Typer keeps the
# line breaks of a docstring's later paragraphs, so Rich would break a paragraph
# written over several lines at each source line as well as at the terminal width.
WHOLE_PARAGRAPHS = [
    ("assign",), ("analyze",), ("segments", "create"), ("errors",), ("login",), ("limits",),
]


def _help(args: tuple[str, ...], columns: int) -> str:
    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    return result.stdout


def _paragraph(text: str, start: str) -> list[str]:
    """Return the rendered lines of the help paragraph that begins with `start`."""
    lines = [line.strip() for line in text.splitlines()]
    first = next(index for index, line in enumerate(lines) if line.startswith(start))
    end = lines.index("", first)
    return lines[first:end]


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_assign_exit_status_whole(columns: int) -> None:
    """Each line of the Exit status paragraph is filled before the next one starts."""
    lines = _paragraph(_help(("assign",), columns), "Exit status:")
    assert " ".join(lines).endswith("(continue it later with `sfseg jobs resume JOB`).")
    for line, following in zip(lines, lines[1:], strict=False):
        next_word = following.split()[0]
        # The help has one column of padding on each side.
        assert len(line) + 1 + len(next_word) > columns - 2, (line, following)


@pytest.mark.parametrize("path", WHOLE_PARAGRAPHS, ids=" ".join)
def test_help_paragraphs_one_line(path: tuple[str, ...]) -> None:
    """The help paragraphs after the first are each written on one source line."""
    command = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    paragraphs = inspect.cleandoc(command.help or "").split("\n\n")
    for paragraph in paragraphs[1:]:
        assert "\n" not in paragraph.strip(), paragraph

