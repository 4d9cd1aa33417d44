"""The `sfseg` command: one Typer app, with each front-end area adding its commands."""

from __future__ import annotations

import typer

from sfseg.cli import assign, demo, errors, org, sandbox, segments, service

__all__ = ["app", "main"]

app = typer.Typer(
    name="sfseg",
    help="Customer segments in Salesforce: create, assign, analyze.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

for area in (sandbox, org, segments, errors, demo, assign, service):
    area.register(app)


@app.callback()
def _root() -> None:
    """Customer segments in Salesforce: create, assign, analyze."""


def main() -> None:
    app()
