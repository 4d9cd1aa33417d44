"""Commands of the org area: sign in, profiles, and checks of a connection (query, describe, limits)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from sfseg.cli.common import (
    ProfileOption,
    VerboseOption,
    add_key_column,
    console,
    err_console,
    fail,
    fail_for,
    open_client,
    plural,
    print_json,
)

# The client package (httpx, pydantic, PyJWT, keyring) is imported inside the commands so
# that `sfseg --help` and `sfseg sandbox serve` do not load it.
if TYPE_CHECKING:
    from sfseg.salesforce.client import SalesforceClient

__all__ = ["register"]

#: Width of describe's Field column at most: at 80 columns the other columns still fit.
DESCRIBE_NAME_WIDTH = 24

profiles_app = typer.Typer(help="List and show connection profiles (profiles.toml).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `sfseg` app."""
    app.command("login")(login)
    app.command("query")(query)
    app.command("describe")(describe)
    app.command("limits")(limits)
    app.add_typer(profiles_app, name="profiles")


@contextmanager
def _client(profile: str | None, verbose: bool = False) -> Iterator[SalesforceClient]:
    """Open a client and turn Salesforce and SOQL errors into a message and exit status 1."""
    from sfseg.salesforce.errors import SalesforceError
    from sfseg.soql import SoqlSyntaxError

    client = open_client(profile, verbose=verbose)
    try:
        yield client
    except SalesforceError as exc:
        fail_for(exc)
    except SoqlSyntaxError as exc:
        fail(f"invalid SOQL: {exc}", "fix the statement at the row and column shown")
    finally:
        client.close()


# --- login and profiles ---------------------------------------------------------


def login(
    profile: ProfileOption = None,
    login_url: Annotated[
        str | None, typer.Option(help="Login host: https://login.salesforce.com, https://test.salesforce.com or the My Domain URL.")
    ] = None,
    client_id: Annotated[str | None, typer.Option(help="The Connected App's consumer key.")] = None,
    port: Annotated[
        int | None,
        typer.Option(min=0, max=65_535, help="Loopback port of the redirect URI, 0 to 65535 (0: a free port); default: the profile's redirect_port, else a free port."),
    ] = None,
    open_browser: Annotated[bool, typer.Option("--open/--no-open", help="Open the sign-in page in a browser.")] = False,
) -> None:
    """Sign in through the browser (OAuth web-server flow with PKCE) and save the profile.

    The refresh token goes to the system keyring; profiles.toml gets the hosts and client id.
    """
    import keyring.errors

    from sfseg.salesforce import profiles, secrets
    from sfseg.salesforce.errors import SalesforceError
    from sfseg.salesforce.settings import ConnectionSettings
    from sfseg.salesforce.weblogin import run_web_login

    name = profile or profiles.DEFAULT_PROFILE
    overrides: dict[str, Any] = {"flow": "web"}
    if login_url:
        overrides["login_url"] = login_url
    if client_id:
        overrides["client_id"] = client_id
    if port is not None:
        overrides["redirect_port"] = port
    try:
        settings = ConnectionSettings.load(profile if _profile_exists(profile) else None, **overrides)
        token = run_web_login(settings, show_url=lambda url: _show_url(url, open_browser))
    except SalesforceError as exc:
        fail_for(exc)
    if not token.refresh_token:
        fail("the sign-in returned no refresh token", "add the refresh_token scope to the Connected App's OAuth scopes")

    try:
        secrets.set_secret(name, "refresh_token", token.refresh_token)
    except keyring.errors.KeyringError as exc:
        fail(
            f"the refresh token could not be stored in the system keyring ({type(exc).__name__})",
            "install a keyring backend (for example the Secret Service on Linux), then run `sfseg login` again",
        )
    values = {
        "instance_url": token.instance_url,
        "login_url": settings.token_host_url,
        "client_id": settings.client_id,
        "flow": "refresh_token",
        "api_version": settings.api_version,
        "ca_file": settings.ca_file,
    }
    path = profiles.write_profile(name, values)
    console.print(f"Signed in to {token.instance_url}. Profile [bold]{name}[/] saved in {path}; refresh token stored in the keyring.")


def _profile_exists(profile: str | None) -> bool:
    from sfseg.salesforce import profiles

    return profile is not None and profile in profiles.list_profiles()


def _show_url(url: str, open_browser: bool) -> None:
    err_console.print("Open this URL to sign in:", highlight=False)
    err_console.print(url, highlight=False, soft_wrap=True)
    if open_browser:
        import webbrowser

        webbrowser.open(url)


@profiles_app.command("list")
def profiles_list(json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List the saved profiles."""
    from sfseg.salesforce import profiles
    from sfseg.salesforce.errors import SalesforceError

    try:
        saved = profiles.list_profiles()
    except SalesforceError as exc:
        fail_for(exc)
    if json_output:
        print_json(saved)
        return
    path = profiles.profiles_path()
    if not saved:
        where = str(path) if path.exists() else f"{path} (not created yet)"
        err_console.print(f"No profiles in {where}.", highlight=False, soft_wrap=True)
        err_console.print(
            "Run `sfseg login` to sign in and save one, or set SFSEG_INSTANCE_URL, SFSEG_CLIENT_ID and "
            "SFSEG_CLIENT_SECRET to connect without a profile.",
            highlight=False, soft_wrap=True,
        )
        return
    table = Table(title=str(path))
    add_key_column(table, "Profile", min_width=7)
    add_key_column(table, "Instance URL", min_width=12)
    table.add_column("Flow")
    add_key_column(table, "Client id", min_width=9)
    for name, values in sorted(saved.items()):
        table.add_row(name, values.get("instance_url", ""), values.get("flow", ""), values.get("client_id", ""))
    console.print(table)


@profiles_app.command("show")
def profiles_show(
    name: Annotated[str, typer.Argument(help="Profile name.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show one profile's settings as the client sees them; secrets show only as set or not."""
    from sfseg.salesforce.errors import SalesforceError
    from sfseg.salesforce.settings import ConnectionSettings

    try:
        settings = ConnectionSettings.load(name)
    except SalesforceError as exc:
        fail_for(exc)
    values = settings.public_values()
    if json_output:
        print_json(values)
        return
    table = Table("Setting", "Value", title=f"Profile {name}")
    for key, value in values.items():
        table.add_row(key, "" if value is None else str(value))
    console.print(table)


# --- connection checks ------------------------------------------------------------


def query(
    soql: Annotated[str, typer.Argument(help="The SOQL statement.")],
    include_deleted: Annotated[bool, typer.Option("--all", help="Include deleted and archived rows (queryAll).")] = False,
    count_only: Annotated[bool, typer.Option("--count", help="Print only the number of matching rows.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    profile: ProfileOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Run a SOQL query and print every row (all pages); a `SELECT COUNT()` query prints its count."""
    with _client(profile, verbose) as client:
        if count_only:
            total = client.count(soql, include_deleted=include_deleted)
            if json_output:
                print_json({"totalSize": total})
            else:
                console.print(total)
            return
        result = client.query_all(soql) if include_deleted else client.query(soql)
        rows = [_flatten(record) for record in result]
        if json_output:
            print_json({"totalSize": result.total_size, "records": rows, "apiCalls": client.api_calls})
            return
        calls = plural(client.api_calls, "API call")
        if _is_bare_count(soql):
            # COUNT() without a field returns no rows, only totalSize.
            console.print(result.total_size)
            err_console.print(calls, highlight=False)
            return
        if not rows:
            err_console.print(f"No rows match, {calls}.", highlight=False)
            hint = "Check the WHERE clause" + ("." if include_deleted else ", or add --all to include deleted rows.")
            err_console.print(hint, highlight=False)
            return
        _print_rows(rows)
        err_console.print(f"{plural(len(rows), 'row')}, {calls}", highlight=False)


def _is_bare_count(soql: str) -> bool:
    """Tell whether the query is `SELECT COUNT() FROM ...`, whose result is totalSize alone."""
    from sfseg.soql import SoqlSyntaxError, ast, parse

    try:
        parsed = parse(soql)
    except SoqlSyntaxError:
        return False
    if len(parsed.select) != 1 or not isinstance(parsed.select[0], ast.SelectField):
        return False
    expression = parsed.select[0].expression
    return isinstance(expression, ast.FunctionCall) and expression.name.upper() == "COUNT" and not expression.args


def _flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if key == "attributes":
            continue
        if isinstance(value, dict) and "records" in value:
            flat[prefix + key] = [_flatten(child) for child in value["records"]]
        elif isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[prefix + key] = value
    return flat


def _print_rows(rows: list[dict[str, Any]]) -> None:
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    table = Table()
    for column in columns:
        if _holds_ids(column, rows):
            add_key_column(table, column)
        else:
            table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
    console.print(table)


def _holds_ids(column: str, rows: list[dict[str, Any]]) -> bool:
    """Id and reference columns: `Id`, `...Id`, or values that look like Salesforce ids."""
    from sfseg.soql.ids import is_salesforce_id

    if column == "Id" or column.endswith("Id"):
        return True
    values = [row.get(column) for row in rows[:20] if row.get(column)]
    return bool(values) and all(isinstance(v, str) and is_salesforce_id(v) for v in values)


def describe(
    sobject: Annotated[str, typer.Argument(help="Object API name, such as Contact.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    profile: ProfileOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Show an object's fields: type, length, and whether each can be filtered and grouped."""
    with _client(profile, verbose) as client:
        described = client.describe(sobject)
    fields = sorted(described.fields.values(), key=lambda f: f.name)
    if json_output:
        print_json(
            {
                "name": described.name,
                "label": described.label,
                "keyPrefix": described.key_prefix,
                "fields": [
                    {"name": f.name, "type": f.type, "length": f.length, "filterable": f.filterable,
                     "groupable": f.groupable, "nillable": f.nillable, "externalId": f.external_id,
                     "referenceTo": list(f.reference_to), "relationshipName": f.relationship_name,
                     "picklistValues": [p.value for p in f.picklist_values]}
                    for f in fields
                ],
            }
        )
        return
    table = Table(title=f"{described.name} ({described.label})")
    # API names are what the reader came for: the column fits the longest one, up to
    # DESCRIBE_NAME_WIDTH; a longer name folds onto a second line rather than losing letters.
    widest = max((len(f.name) for f in fields), default=5)
    table.add_column("Field", overflow="fold", min_width=min(DESCRIBE_NAME_WIDTH, widest))
    table.add_column("Type", overflow="fold")
    table.add_column("Length", justify="right")
    table.add_column("Filter")
    table.add_column("Group")
    table.add_column("References", overflow="fold")
    for f in fields:
        table.add_row(f.name, f.type, str(f.length or ""), _yes(f.filterable), _yes(f.groupable), ", ".join(f.reference_to))
    console.print(table)


def _yes(flag: bool) -> str:
    return "yes" if flag else ""


def limits(
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    profile: ProfileOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Show the org's daily API allowance (used and left) and the calls this command made."""
    with _client(profile, verbose) as client:
        data = client.limits()
        usage = client.api_usage
        calls = client.api_calls
    daily = {"max": usage.max, "used": usage.used, "remaining": usage.remaining} if usage else None
    if json_output:
        print_json({"dailyApiRequests": daily, "apiCallsMade": calls, "limits": data})
        return
    table = Table(title="Org limits")
    add_key_column(table, "Limit", min_width=max((len(name) for name in data), default=5))
    table.add_column("Max", justify="right")
    table.add_column("Remaining", justify="right")
    for name, value in sorted(data.items()):
        if isinstance(value, dict) and "Max" in value:
            table.add_row(name, str(value["Max"]), str(value.get("Remaining", "")))
    console.print(table)
    if daily:
        console.print(f"Daily API requests: {daily['used']} used of {daily['max']}, {daily['remaining']} left.")
    console.print(f"API calls made by this command: {calls}")
