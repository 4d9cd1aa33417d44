"""Custom objects and fields from a seed's schema file.

A schema file is JSON:

    {"objects": {
       "Experience__c": {"label": "Experience", "labelPlural": "Experiences",
                         "keyPrefix": "a0X",
                         "fields": {"Price__c": {"type": "currency"}, ...}},
       "Contact": {"fields": {"External_Id__c": {"type": "string", "length": 20,
                                                 "externalId": true, "unique": true}}}}}

Field keys: `type` (a describe type; default "string"), `label`, `length`,
`precision`, `scale`, `externalId`, `unique`, `caseSensitive`, `required`,
`values` (picklist values), `restricted`, `referenceTo` (a name or a list),
`relationshipName` and `childRelationshipName` for lookups. A custom object gets the
system fields, OwnerId and a Name field. A `__c` field met in seed data without a
schema entry becomes a 255-character text field.

Every addition is also recorded in the database (`_sfseg_meta`), so a reopened
database file gets the same schema back.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sfseg.sandbox.metadata import FieldSchema, FieldType, ObjectSchema
from sfseg.sandbox.standard_objects import custom_field, custom_object, label_for
from sfseg.sandbox.storage import OrgStore

__all__ = [
    "add_custom_field",
    "add_custom_object",
    "apply_schema",
    "load_schema_file",
    "replay_schema",
]

_META_KEY = "custom_schema"
_FIRST_CUSTOM_PREFIX = 0  # custom key prefixes run a00, a01, ... as in a new org


def load_schema_file(store: OrgStore, path: Path) -> None:
    """Apply the schema file at `path` (see the module docstring)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    apply_schema(store, document)


def apply_schema(store: OrgStore, document: dict[str, Any]) -> None:
    """Apply a schema document: create custom objects, add fields, create the tables."""
    objects = document.get("objects", {})
    for name, spec in objects.items():
        if store.schema.get(name) is None:
            add_custom_object(store, name, spec)
    for name, spec in objects.items():
        sobject = store.schema.require(name)
        for field_name, field_spec in spec.get("fields", {}).items():
            add_custom_field(store, sobject.name, field_name, field_spec)


def add_custom_object(store: OrgStore, name: str, spec: dict[str, Any] | None = None) -> ObjectSchema:
    """Create a custom object and its table; return it."""
    spec = spec or {}
    prefix = spec.get("keyPrefix") or _next_custom_prefix(store)
    sobject = custom_object(name, label=spec.get("label"), plural=spec.get("labelPlural"),
                            key_prefix=prefix)
    store.schema.add(sobject)
    store.ensure_table(sobject)
    _record(store, {"object": name, "spec": {**spec, "keyPrefix": prefix, "fields": {}}})
    return sobject


def add_custom_field(store: OrgStore, sobject_name: str, name: str,
                     spec: dict[str, Any] | None = None) -> FieldSchema:
    """Add a custom field (text unless `spec` gives another type) and its column; return it."""
    spec = spec or {}
    sobject = store.schema.require(sobject_name)
    field = _field_from_spec(name, spec)
    sobject.add_field(field)
    if field.type is FieldType.REFERENCE:
        child_name = spec.get("childRelationshipName")
        for parent in field.reference_to:
            if child_name:
                store.schema.relationship_names[(parent, sobject.name, field.name)] = child_name
        store.schema.rebuild_child_relationships()
    store.ensure_table(sobject)
    _record(store, {"field": name, "object": sobject.name, "spec": spec})
    return field


def replay_schema(store: OrgStore) -> None:
    """Re-apply the recorded custom schema of a reopened database, in order."""
    entries = store.get_meta(_META_KEY) or []
    for entry in entries:
        if "field" in entry:
            sobject = store.schema.require(entry["object"])
            sobject.add_field(_field_from_spec(entry["field"], entry["spec"]))
            child_name = entry["spec"].get("childRelationshipName")
            for parent in _targets(entry["spec"]):
                if child_name:
                    store.schema.relationship_names[(parent, sobject.name, entry["field"])] = (
                        child_name
                    )
        else:
            spec = entry["spec"]
            store.schema.add(custom_object(entry["object"], label=spec.get("label"),
                                           plural=spec.get("labelPlural"),
                                           key_prefix=spec["keyPrefix"]))
    store.schema.rebuild_child_relationships()


def _record(store: OrgStore, entry: dict[str, Any]) -> None:
    entries = store.get_meta(_META_KEY) or []
    entries.append(entry)
    store.set_meta(_META_KEY, entries)


def _next_custom_prefix(store: OrgStore) -> str:
    number = _FIRST_CUSTOM_PREFIX
    while True:
        prefix = "a" + format(number, "02X")
        if store.schema.by_key_prefix(prefix) is None:
            return prefix
        number += 1


def _targets(spec: dict[str, Any]) -> tuple[str, ...]:
    targets = spec.get("referenceTo") or ()
    return (targets,) if isinstance(targets, str) else tuple(targets)


def _field_from_spec(name: str, spec: dict[str, Any]) -> FieldSchema:
    try:
        kind = FieldType(spec.get("type", "string"))
    except ValueError:
        msg = (
            f"schema field {name}: unknown type {spec.get('type')!r}; use a describe type "
            f"such as {', '.join(t.value for t in list(FieldType)[:8])}"
        )
        raise ValueError(msg) from None
    options: dict[str, Any] = {"label": spec.get("label") or label_for(name)}
    for key, option in (("length", "length"), ("precision", "precision"), ("scale", "scale"),
                        ("externalId", "external_id"), ("unique", "unique"),
                        ("caseSensitive", "case_sensitive"), ("restricted",
                                                               "restricted_picklist")):
        if key in spec:
            options[option] = spec[key]
    if spec.get("externalId"):
        options["id_lookup"] = True
    if spec.get("required"):
        options["required"] = True
    if "values" in spec:
        options["values"] = list(spec["values"])
    if kind is FieldType.REFERENCE:
        options["reference_to"] = _targets(spec)
        if spec.get("relationshipName"):
            options["relationship_name"] = spec["relationshipName"]
    return custom_field(name, kind, **options)
