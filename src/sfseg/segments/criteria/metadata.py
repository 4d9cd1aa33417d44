"""Object and field metadata for checking criteria, read from `describe` and cached.

The adapter accepts the client's typed describe result (attributes such as
`.fields`, `.picklist_values`, `.reference_to`) and the REST describe JSON (keys such
as `picklistValues`, `referenceTo`), so criteria can also be checked against a describe
document saved to a file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sfseg.salesforce.errors import InvalidTypeError, NotFoundError

__all__ = ["FieldInfo", "MetadataCache", "ObjectInfo", "object_info"]

# Describe types whose values are text in SOQL (quoted literals).
TEXT_TYPES = frozenset(
    {
        "string",
        "textarea",
        "email",
        "phone",
        "url",
        "picklist",
        "multipicklist",
        "combobox",
        "id",
        "reference",
        "encryptedstring",
    }
)
NUMBER_TYPES = frozenset({"int", "double", "currency", "percent", "long"})


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """The describe facts about one field that criteria checks need."""

    name: str
    type: str
    label: str = ""
    filterable: bool = True
    groupable: bool = False
    aggregatable: bool = False
    picklist_values: tuple[str, ...] = ()
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None

    @property
    def is_text(self) -> bool:
        return self.type in TEXT_TYPES

    @property
    def is_number(self) -> bool:
        return self.type in NUMBER_TYPES


@dataclass(slots=True)
class ObjectInfo:
    """The fields of one object, looked up case-insensitively."""

    name: str
    label: str = ""
    fields: dict[str, FieldInfo] = field(default_factory=dict)

    def field(self, name: str) -> FieldInfo | None:
        return self.fields.get(name.lower())

    def parent_relationship(self, name: str) -> FieldInfo | None:
        wanted = name.lower()
        for info in self.fields.values():
            if info.relationship_name and info.relationship_name.lower() == wanted:
                return info
        return None

    def field_names(self) -> list[str]:
        return [info.name for info in self.fields.values()]

    def relationship_names(self) -> list[str]:
        return [info.relationship_name for info in self.fields.values() if info.relationship_name]


def _read(source: Any, snake: str, camel: str, default: Any = None) -> Any:
    if isinstance(source, Mapping):
        return source.get(camel, source.get(snake, default))
    return getattr(source, snake, default)


def _picklist_values(raw: Iterable[Any] | None) -> tuple[str, ...]:
    values: list[str] = []
    for entry in raw or ():
        if isinstance(entry, str):
            values.append(entry)
            continue
        if _read(entry, "active", "active", True) is False:
            continue
        value = _read(entry, "value", "value")
        if value is not None:
            values.append(str(value))
    return tuple(values)


def _field_info(raw: Any) -> FieldInfo:
    field_type = _read(raw, "type", "type", "string")
    return FieldInfo(
        name=str(_read(raw, "name", "name")),
        type=str(getattr(field_type, "value", field_type)),
        label=str(_read(raw, "label", "label", "") or ""),
        filterable=bool(_read(raw, "filterable", "filterable", True)),
        groupable=bool(_read(raw, "groupable", "groupable", False)),
        aggregatable=bool(_read(raw, "aggregatable", "aggregatable", False)),
        picklist_values=_picklist_values(_read(raw, "picklist_values", "picklistValues")),
        reference_to=tuple(_read(raw, "reference_to", "referenceTo", ()) or ()),
        relationship_name=_read(raw, "relationship_name", "relationshipName"),
    )


def object_info(describe: Any) -> ObjectInfo:
    """Build an `ObjectInfo` from a describe result (client object or REST JSON)."""
    raw_fields = _read(describe, "fields", "fields", ())
    if isinstance(raw_fields, Mapping):
        raw_fields = raw_fields.values()
    info = ObjectInfo(
        name=str(_read(describe, "name", "name")),
        label=str(_read(describe, "label", "label", "") or ""),
    )
    for raw in raw_fields:
        field_info = _field_info(raw)
        info.fields[field_info.name.lower()] = field_info
    return info


class MetadataCache:
    """Describe results by object name, fetched once each through `describe`.

    `describe` is usually `client.describe`; it may raise the client's `NotFoundError`
    or `InvalidTypeError` for an unknown object, which `get` turns into None.
    """

    def __init__(self, describe: Callable[[str], Any]) -> None:
        self._describe = describe
        self._objects: dict[str, ObjectInfo | None] = {}

    def add(self, describe: Any) -> ObjectInfo:
        info = object_info(describe)
        self._objects[info.name.lower()] = info
        return info

    def get(self, sobject: str) -> ObjectInfo | None:
        key = sobject.lower()
        if key not in self._objects:
            try:
                self._objects[key] = object_info(self._describe(sobject))
            except (NotFoundError, InvalidTypeError):
                self._objects[key] = None
        return self._objects[key]
