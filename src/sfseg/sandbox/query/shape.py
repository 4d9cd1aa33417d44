"""Result rows → records in Salesforce's REST shape.

A record is `{"attributes": {"type", "url"}, <fields in select order>}`. Parent
relationships nest as their own records, or null when the lookup is empty. A
polymorphic parent selected without TYPEOF has the attributes type `Name`, as
Salesforce reports it. Child-relationship subqueries are filled in afterwards by the
engine, which fetches the children of a whole page at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sfseg.sandbox.metadata import FieldSchema
from sfseg.sandbox.values import address_to_wire

__all__ = [
    "AddressSlot",
    "ChildSlot",
    "Item",
    "ParentShape",
    "RecordShape",
    "Slot",
    "TypeOfShape",
    "converter_for",
    "record_url",
]

Row = Sequence[Any]
Converter = Callable[[Any], Any]

# Attributes type of a polymorphic parent selected without TYPEOF.
POLYMORPHIC_TYPE = "Name"


def _to_bool(value: Any) -> Any:
    return None if value is None else bool(value)


def _to_int(value: Any) -> Any:
    return None if value is None else int(value)


def _to_float(value: Any) -> Any:
    return None if value is None else float(value)


def _identity(value: Any) -> Any:
    return value


def converter_for(field_type: str) -> Converter:
    """Stored SQLite value → wire JSON value for a describe type.

    Text, dates, datetimes and times are stored in their wire form already.
    """
    if field_type == "boolean":
        return _to_bool
    if field_type == "int":
        return _to_int
    if field_type in {"double", "currency", "percent"}:
        return _to_float
    return _identity


def record_url(api_version: str, sobject: str, record_id: str) -> str:
    return f"/services/data/v{api_version}/sobjects/{sobject}/{record_id}"


@dataclass
class Slot:
    """One value taken from a result column."""

    key: str
    column: int
    convert: Converter = _identity

    def build(self, row: Row, api_version: str) -> Any:
        return self.convert(row[self.column])


@dataclass
class AddressSlot:
    """A compound address built from its part columns (null when every part is null)."""

    key: str
    compound: FieldSchema
    parts: dict[str, int]
    """Part field name → column."""

    def build(self, row: Row, api_version: str) -> Any:
        values = {name: row[column] for name, column in self.parts.items()}
        return address_to_wire(self.compound, values)


@dataclass
class ChildSlot:
    """A child-relationship subquery; the engine fills it in after the page is built."""

    key: str

    def build(self, row: Row, api_version: str) -> Any:
        return None


@dataclass
class ParentShape:
    """A parent record reached through a relationship."""

    key: str
    id_columns: list[tuple[int, str]]
    """(column of the target's Id, target object) for each object the lookup may point to."""
    polymorphic: bool
    items: list[Item] = field(default_factory=list)

    def _found(self, row: Row) -> tuple[str, str] | None:
        for column, sobject in self.id_columns:
            if row[column] is not None:
                return row[column], sobject
        return None

    def build(self, row: Row, api_version: str) -> Any:
        found = self._found(row)
        if found is None:
            return None
        record_id, sobject = found
        shown_type = POLYMORPHIC_TYPE if self.polymorphic else sobject
        record: dict[str, Any] = {
            "attributes": {"type": shown_type, "url": record_url(api_version, sobject, record_id)}
        }
        _fill(record, self.items, row, api_version)
        return record


@dataclass
class TypeOfShape:
    """`TYPEOF What WHEN Account THEN ... ELSE ... END`: the fields depend on the parent's object."""

    key: str
    id_columns: list[tuple[int, str]]
    branches: dict[str, list[Item]]
    """Items per target object name."""

    def build(self, row: Row, api_version: str) -> Any:
        for column, sobject in self.id_columns:
            record_id = row[column]
            if record_id is None:
                continue
            record: dict[str, Any] = {
                "attributes": {"type": sobject, "url": record_url(api_version, sobject, record_id)}
            }
            _fill(record, self.branches.get(sobject, []), row, api_version)
            return record
        return None


Item = Slot | AddressSlot | ChildSlot | ParentShape | TypeOfShape


def _fill(record: dict[str, Any], items: list[Item], row: Row, api_version: str) -> None:
    # Plain slots are inlined: a page of 2,000 rows with children builds tens of
    # thousands of values, and the method call per value is most of the cost.
    for item in items:
        if item.__class__ is Slot:
            slot = item
            value = row[slot.column]
            convert = slot.convert
            record[slot.key] = value if convert is _identity or value is None else convert(value)
        else:
            record[item.key] = item.build(row, api_version)


@dataclass
class RecordShape:
    """The top-level record of a row."""

    sobject: str
    id_column: int
    items: list[Item] = field(default_factory=list)

    def build(self, row: Row, api_version: str) -> dict[str, Any]:
        record: dict[str, Any] = {
            "attributes": {
                "type": self.sobject,
                "url": record_url(api_version, self.sobject, row[self.id_column]),
            }
        }
        _fill(record, self.items, row, api_version)
        return record
