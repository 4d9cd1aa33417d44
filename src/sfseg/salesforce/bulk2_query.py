"""Bulk API 2.0 query results: pages streamed one at a time, values typed from describe.

Each results page is CSV whose first row is the header, and `Sforce-Locator` names the
next page until it is the literal string `null`. Only one page is held at a time, so
memory stays flat however many rows the query returns. CSV carries only text, so each
column is typed from the describe of the field it reads, never guessed from the text.
An empty cell is None, because Bulk query writes nulls as empty cells.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sfseg.salesforce.describe import SObjectDescribe, convert_value
from sfseg.salesforce.errors import PagingLoopError
from sfseg.soql import ast

if TYPE_CHECKING:
    from sfseg.salesforce.client import SalesforceClient

__all__ = [
    "LAST_PAGE_LOCATOR",
    "ColumnTyper",
    "expand_compound_fields",
    "parse_page",
]

LAST_PAGE_LOCATOR = "null"

# Components of compound fields, which Bulk query refuses ("Selecting compound data not
# supported in Bulk Query"): an address `<prefix>Address` is stored as `<prefix>Street`,
# ..., and a geolocation `Foo__c` as `Foo__Latitude__s` and `Foo__Longitude__s`.
_ADDRESS_PARTS = ("Street", "City", "State", "PostalCode", "Country", "Latitude", "Longitude", "GeocodeAccuracy")
_LOCATION_PARTS = ("Latitude__s", "Longitude__s")

DescribeLookup = Callable[[str], SObjectDescribe]


def _components(describe: SObjectDescribe, name: str, field_type: str) -> list[str]:
    if field_type == "address":
        prefix = name[: -len("Address")] if name.lower().endswith("address") else name
        candidates = [prefix + part for part in _ADDRESS_PARTS]
    else:
        stem = name[: -len("__c")] if name.lower().endswith("__c") else name
        candidates = [f"{stem}__{part}" for part in _LOCATION_PARTS]
    return [found.name for candidate in candidates if (found := describe.field(candidate)) is not None]


def _target_describe(root: SObjectDescribe, parts: tuple[str, ...], lookup: DescribeLookup) -> SObjectDescribe | None:
    current = root
    for relationship in parts:
        target = current.relationship_target(relationship)
        if target is None:
            return None
        current = lookup(target)
    return current


def _strip_object_prefix(parts: tuple[str, ...], query: ast.Query) -> tuple[str, ...]:
    names = {query.from_.sobject.lower(), (query.from_.alias or "").lower()}
    if len(parts) > 1 and parts[0].lower() in names:
        return parts[1:]
    return parts


def expand_compound_fields(query: ast.Query, lookup: DescribeLookup) -> ast.Query:
    """Replace compound address and geolocation fields in the select list by their parts."""
    root = lookup(query.from_.sobject)
    items: list[ast.SelectItem] = []
    changed = False
    for item in query.select:
        expression = item.expression if isinstance(item, ast.SelectField) else None
        if not isinstance(expression, ast.FieldPath):
            items.append(item)
            continue
        parts = _strip_object_prefix(expression.parts, query)
        owner = _target_describe(root, parts[:-1], lookup)
        field = owner.field(parts[-1]) if owner is not None else None
        if owner is None or field is None or field.type not in ("address", "location"):
            items.append(item)
            continue
        changed = True
        for component in _components(owner, field.name, field.type):
            items.append(ast.SelectField(ast.FieldPath((*parts[:-1], component))))
    return dataclasses.replace(query, select=tuple(items)) if changed else query


def _to_bool(text: str) -> bool:
    return text.lower() == "true"


def _to_int(text: str) -> int:
    return int(Decimal(text))


class ColumnTyper:
    """Turns the text cells of a results row into typed values, by column header."""

    def __init__(self, root: SObjectDescribe, lookup: DescribeLookup) -> None:
        self._root = root
        self._lookup = lookup
        self._cache: dict[str, Callable[[str], Any] | None] = {}

    def _converter(self, header: str) -> Callable[[str], Any] | None:
        if header in self._cache:
            return self._cache[header]
        parts = tuple(header.split("."))
        owner = _target_describe(self._root, parts[:-1], self._lookup)
        field = owner.field(parts[-1]) if owner is not None else None
        converter: Callable[[str], Any] | None = None
        if field is not None:
            field_type = field.type
            if field_type == "boolean":
                converter = _to_bool
            elif field_type == "int":
                converter = _to_int
            elif field_type in ("double", "currency", "percent", "date", "datetime", "time"):
                converter = lambda text, kind=field_type: convert_value(kind, text)  # noqa: E731
        self._cache[header] = converter
        return converter

    def converters(self, header: list[str]) -> list[Callable[[str], Any] | None]:
        return [self._converter(name) for name in header]


def parse_page(text: str, typer: ColumnTyper) -> Iterator[dict[str, Any]]:
    """Yield the typed rows of one results page; its first row is read as the header."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        return
    converters = typer.converters(header)
    for row in reader:
        if not row:
            continue
        record: dict[str, Any] = {}
        for name, convert, cell in zip(header, converters, row, strict=False):
            if cell == "":
                record[name] = None
            elif convert is None:
                record[name] = cell
            else:
                record[name] = convert(cell)
        yield record


def iter_result_pages(
    client: SalesforceClient, results_path: str, page_size: int
) -> Iterator[str]:
    """Yield the CSV text of each results page, following the locator until `null`.

    Raises:
        PagingLoopError: a page named a locator already read.
    """
    seen: set[str] = set()
    locator: str | None = None
    while True:
        params = {"maxRecords": str(page_size)}
        if locator is not None:
            params["locator"] = locator
        response = client.request("GET", results_path, params=params, headers={"Accept": "text/csv"}, replay_safe=True)
        text = response.text
        locator = response.headers.get("Sforce-Locator", LAST_PAGE_LOCATOR)
        # Drop the page's bytes before the caller parses its text: memory stays at about
        # one page (`SalesforceClient.request` leaves no cycle that would keep them).
        del response
        yield text
        if not locator or locator == LAST_PAGE_LOCATOR:
            return
        if locator in seen:
            message = f"Bulk query results named locator {locator} twice; stopping to avoid a loop"
            raise PagingLoopError(message, method="GET", path=results_path)
        seen.add(locator)
