"""`sfseg demo`: the whole flow (preview, create, assign twice, analyze) on the bundled
sample org in a local sandbox, with a temporary store unless `--store` keeps it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sfseg.cli.common import JsonOption, console, err_console, print_json
from sfseg.cli.failures import reported
from sfseg.cli.render import preview_table, show_analysis, show_assign, show_created

if TYPE_CHECKING:
    from sfseg.segments.store import Store

__all__ = ["demo_command", "register"]


def register(app: typer.Typer) -> None:
    """Add the `demo` command to the `sfseg` app."""
    app.command("demo")(demo_command)


DEMO_SEGMENT = "Demo: US customers in California, Texas or from the web"
DEMO_RULES = """\
target: both
match:
  all:
    - {field: MailingCountry, op: eq, value: United States}
    - any:
        - {field: MailingState, op: in, value: [California, Texas]}
        - {field: LeadSource, op: eq, value: Web}
"""


def demo_command(
    as_json: JsonOption = False,
    store_url: Annotated[
        str | None,
        typer.Option(
            "--store", help="Keep the demo's segment in this store URL; default: a temporary one."
        ),
    ] = None,
) -> None:
    """Run the whole flow on the bundled sample org in a local sandbox; needs no configuration."""
    import tempfile

    from sfseg.sandbox.server import run_sandbox
    from sfseg.segments.store import Store

    steps: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="sfseg-demo-") as scratch:
        url = store_url or f"sqlite:///{Path(scratch) / 'sfseg.db'}"
        with err_console.status("Starting the sandbox org with the sample data..."):
            sandbox = run_sandbox(seed="sample")
            info = sandbox.__enter__()
        try:
            with _demo_client(info) as client, Store(url) as store, reported(store, "demo"):
                _run_demo(client, store, steps, quiet=as_json)
        finally:
            sandbox.__exit__(None, None, None)
    if as_json:
        print_json(steps)


@contextmanager
def _demo_client(info: Any) -> Iterator[Any]:
    from sfseg.salesforce import ConnectionSettings, SalesforceClient

    settings = ConnectionSettings(
        instance_url=info.url, login_url=info.url, api_version=info.api_version, flow="client_credentials",
        client_id=info.client_id, client_secret=info.client_secret, ca_file=info.ca_file,
    )  # fmt: skip
    with SalesforceClient(settings) as client:
        yield client


def _step(quiet: bool, number: int, title: str) -> None:
    if not quiet:
        console.rule(f"[bold]Step {number}: {title}")


def _run_demo(client: Any, store: Store, steps: dict[str, Any], *, quiet: bool) -> None:
    from sfseg.segments.analyze import analyze_segment
    from sfseg.segments.assign import assign_customers
    from sfseg.segments.create import create_segment
    from sfseg.segments.criteria import preview

    _step(quiet, 1, "preview the criteria (a rule document, target contacts and leads)")
    found = preview(client, DEMO_RULES)
    steps["preview"] = found.to_json()
    if not quiet:
        console.print(DEMO_RULES)
        console.print(preview_table(dict(found.counts), dict(found.soql)))

    _step(quiet, 2, "create the segment and its Campaign")
    created = create_segment(
        client, store, DEMO_SEGMENT, DEMO_RULES, description="Made by `sfseg demo`."
    )
    steps["create"] = created.to_json()
    if not quiet:
        show_created(created, matches=False)
    assert created.segment is not None
    segment_id = created.segment.id

    customers = _demo_customers(client)
    steps["customers"] = customers
    for number, key, title in (
        (3, "assign", "assign customers given as ids and emails, one of them twice"),
        (4, "assign_again", "assign the same customers again: nothing changes"),
    ):
        _step(quiet, number, title)
        if number == 3 and not quiet:
            console.print(
                "Assignment adds the customers it is given and does not check them against the "
                "criteria, so a member can fall outside them (such as the contact of a converted lead)."
            )
        result = assign_customers(client, store, segment_id, customers)
        steps[key] = result.to_json()
        if not quiet:
            show_assign(result)

    _step(quiet, 5, "analyze the segment")
    analysis = analyze_segment(client, store, segment_id)
    steps["analyze"] = analysis.to_json()
    if not quiet:
        show_analysis(analysis)


def _demo_customers(client: Any) -> list[str]:
    """Pick a mix of ids and emails from the sample org: a few unknown, a converted lead, a repeat."""
    from sfseg.soql import ids

    contacts = list(
        client.query(
            "SELECT Id, Email FROM Contact WHERE MailingCountry = 'United States' "
            "AND MailingState = 'California' AND Email != null ORDER BY Email LIMIT 6"
        )
    )
    converted = list(
        client.query("SELECT Id FROM Lead WHERE IsConverted = true ORDER BY Id LIMIT 1")
    )
    account = list(client.query("SELECT Id FROM Account ORDER BY Id LIMIT 1"))
    customers = [
        str(contacts[0]["Email"]),
        str(contacts[1]["Email"]).upper(),  # emails match case-insensitively
        ids.to_15(str(contacts[2]["Id"])),  # a 15-character id
        str(contacts[3]["Id"]),
        str(contacts[4]["Email"]),
        str(contacts[0]["Email"]),  # repeated
        "nobody@example.invalid",  # unknown email
        ids.to_18("003000000000042"),  # unknown contact id
    ]
    if converted:
        customers.append(str(converted[0]["Id"]))  # converted lead: assigned as its contact
    if account:
        customers.append(str(account[0]["Id"]))  # an Account id: not a person
    return customers
