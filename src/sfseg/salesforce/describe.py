"""Describe results as typed objects, and record values typed from them.

Currency, percent and double values become `Decimal` (JSON numbers are parsed
as `Decimal` already, so 0.1 stays exactly 0.1), dates `datetime.date`,
datetimes aware `datetime.datetime` in UTC, times `datetime.time`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sfseg.salesforce import wire

__all__ = ["DescribeLookup", "FieldDescribe", "PicklistValue", "SObjectDescribe", "convert_record", "convert_value"]

#: Returns the describe of an sObject name; the client's cached `describe`.
DescribeLookup = Callable[[str], "SObjectDescribe"]


@dataclass(frozen=True, slots=True)
class PicklistValue:
    value: str
    label: str
    active: bool = True
    default: bool = False


@dataclass(frozen=True, slots=True)
class FieldDescribe:
    """One field of a describe result, with Salesforce's `type` string (`currency`, `reference`, ...)."""

    name: str
    type: str
    label: str = ""
    length: int = 0
    filterable: bool = True
    groupable: bool = False
    nillable: bool = True
    createable: bool = False
    updateable: bool = False
    external_id: bool = False
    id_lookup: bool = False
    unique: bool = False
    picklist_values: tuple[PicklistValue, ...] = ()
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FieldDescribe:
        return cls(
            name=str(data["name"]),
            type=str(data.get("type", "string")),
            label=str(data.get("label") or data["name"]),
            length=int(data.get("length") or 0),
            filterable=bool(data.get("filterable", True)),
            groupable=bool(data.get("groupable", False)),
            nillable=bool(data.get("nillable", True)),
            createable=bool(data.get("createable", False)),
            updateable=bool(data.get("updateable", False)),
            external_id=bool(data.get("externalId", False)),
            id_lookup=bool(data.get("idLookup", False)),
            unique=bool(data.get("unique", False)),
            picklist_values=tuple(
                PicklistValue(
                    value=str(p["value"]),
                    label=str(p.get("label") or p["value"]),
                    active=bool(p.get("active", True)),
                    default=bool(p.get("defaultValue", False)),
                )
                for p in data.get("picklistValues") or ()
            ),
            reference_to=tuple(str(r) for r in data.get("referenceTo") or ()),
            relationship_name=data.get("relationshipName"),
        )


@dataclass(frozen=True, slots=True)
class SObjectDescribe:
    """An object's describe: its flags and fields, looked up case-insensitively."""

    name: str
    label: str
    key_prefix: str | None
    createable: bool
    updateable: bool
    deletable: bool
    queryable: bool
    fields: dict[str, FieldDescribe]  # keyed by lower-case name
    child_relationships: dict[str, str] = field(default_factory=dict)  # lower-case name → child sobject
    _converters: dict[str, Callable[[Any], Any]] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SObjectDescribe:
        fields = {}
        for item in data.get("fields") or ():
            described = FieldDescribe.from_json(item)
            fields[described.name.lower()] = described
        children = {
            str(rel["relationshipName"]).lower(): str(rel["childSObject"])
            for rel in data.get("childRelationships") or ()
            if rel.get("relationshipName")
        }
        # Keyed by the exact field name: record JSON uses describe's spelling, and an
        # exact lookup keeps typing cheap on large query results.
        converters = {
            described.name: converter
            for described in fields.values()
            if (converter := _CONVERTERS.get(described.type)) is not None
        }
        return cls(
            name=str(data["name"]),
            label=str(data.get("label") or data["name"]),
            key_prefix=data.get("keyPrefix"),
            createable=bool(data.get("createable", False)),
            updateable=bool(data.get("updateable", False)),
            deletable=bool(data.get("deletable", False)),
            queryable=bool(data.get("queryable", True)),
            fields=fields,
            child_relationships=children,
            _converters=converters,
        )

    def field(self, name: str) -> FieldDescribe | None:
        """Return the field called `name` in any letter case, or None."""
        return self.fields.get(name.lower())

    def relationship_target(self, name: str) -> str | None:
        """Return the parent object a relationship name (`Account`, `Owner`) points to, or None."""
        lowered = name.lower()
        for described in self.fields.values():
            if described.relationship_name and described.relationship_name.lower() == lowered:
                return described.reference_to[0] if described.reference_to else None
        return None

    def convert_record(self, record: dict[str, Any], lookup: DescribeLookup) -> dict[str, Any]:
        """Type the values of a wire record in place (parents and child subqueries too)."""
        for key, value in record.items():
            if value is None or key == "attributes":
                continue
            if isinstance(value, dict):
                record[key] = _convert_nested(value, lookup)
                continue
            converter = self._converters.get(key)
            if converter is not None:
                record[key] = converter(value)
        return record


def _convert_nested(value: dict[str, Any], lookup: DescribeLookup) -> dict[str, Any]:
    if "records" in value and isinstance(value["records"], list):
        for child in value["records"]:
            convert_record(child, lookup)
        return value
    return convert_record(value, lookup)


def convert_record(record: dict[str, Any], lookup: DescribeLookup) -> dict[str, Any]:
    """Type a wire record in place from the describe of its `attributes.type`.

    Aggregate rows (`AggregateResult`) have no describe; their numbers are already
    `Decimal` or int from parsing.
    """
    sobject = (record.get("attributes") or {}).get("type")
    if not sobject or sobject == "AggregateResult":
        return record
    return lookup(sobject).convert_record(record, lookup)


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def _to_date(value: Any) -> Any:
    return wire.parse_date(value) if isinstance(value, str) else value


def _to_datetime(value: Any) -> Any:
    return wire.parse_datetime(value) if isinstance(value, str) else value


def _to_time(value: Any) -> Any:
    return wire.parse_time(value) if isinstance(value, str) else value


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "currency": _to_decimal,
    "percent": _to_decimal,
    "double": _to_decimal,
    "date": _to_date,
    "datetime": _to_datetime,
    "time": _to_time,
}


def convert_value(field_type: str, value: Any) -> Any:
    """Type one wire value for a describe `type`; values of other types pass through."""
    converter = _CONVERTERS.get(field_type)
    if value is None or converter is None:
        return value
    return converter(value)
