"""The `sfseg` command: one Typer app, with each front-end area adding its commands."""

from __future__ import annotations

from typing import Annotated

import typer

from sfseg.cli import assign, demo, errors, org, sandbox, segments, service

__all__ = ["DISTRIBUTION", "app", "main"]

#: The distribution name in pyproject.toml, whose installed version `--version` prints.
DISTRIBUTION = "salesforce-customer-segmentation"

app = typer.Typer(
    name="sfseg",
    help="Customer segments in Salesforce: create, assign, analyze.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

for area in (sandbox, org, segments, errors, demo, assign, service):
    area.register(app)


def _print_version(value: bool) -> None:
    if not value:
        return
    from importlib.metadata import PackageNotFoundError, version

    try:
        installed = version(DISTRIBUTION)
    except PackageNotFoundError:
        installed = f"(unknown: distribution {DISTRIBUTION} is not installed; run `pip install .`)"
    typer.echo(f"sfseg {installed}")
    raise typer.Exit


@app.callback()
def _root(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the installed sfseg version and exit."
        ),
    ] = False,
) -> None:
    """Customer segments in Salesforce: create, assign, analyze."""


def main() -> None:
    app()
