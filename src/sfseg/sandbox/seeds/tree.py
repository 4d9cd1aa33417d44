"""Loader for the Salesforce CLI's sObject tree format (`sf data import tree`).

A plan file is a JSON list of steps `{"sobject", "saveRefs", "resolveRefs", "files"}`;
each data file is `{"records": [...]}` where a record carries
`"attributes": {"type", "referenceId"}`, its fields, `"@RefName"` values that point at
an earlier record's referenceId, and optionally nested children under a child
relationship name (`"Contacts": {"records": [...]}`). A single data file can be loaded
without a plan.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sfseg.sandbox.seeds.loader import RecordLoader

__all__ = ["load_tree_file", "load_tree_plan"]


class _References:
    """referenceId → record id, filled by steps with saveRefs."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}

    def resolve(self, value: Any, where: str) -> Any:
        if isinstance(value, str) and value.startswith("@"):
            found = self.ids.get(value[1:])
            if found is None:
                msg = (
                    f"{where}: reference {value} names no earlier record; load the file that "
                    "defines it first (plan order) with saveRefs true"
                )
                raise ValueError(msg)
            return found
        return value


def load_tree_plan(loader: RecordLoader, plan_path: Path) -> None:
    """Load every step of a plan file, in order."""
    steps = json.loads(plan_path.read_text(encoding="utf-8"))
    references = _References()
    for step in steps:
        for name in step.get("files", []):
            _load_file(loader, plan_path.parent / name, references,
                       save=step.get("saveRefs", True), default_type=step.get("sobject"))


def load_tree_file(loader: RecordLoader, path: Path, references: _References | None = None) -> None:
    """Load one sObject tree data file."""
    _load_file(loader, path, references or _References(), save=True, default_type=None)


def _load_file(loader: RecordLoader, path: Path, references: _References, *, save: bool,
               default_type: str | None) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    _load_records(loader, document.get("records", []), references, save=save,
                  default_type=default_type, where=path.name, parent=None)


def _load_records(loader: RecordLoader, records: list[dict[str, Any]],
                  references: _References, *, save: bool, default_type: str | None,
                  where: str, parent: tuple[str, str] | None) -> None:
    by_type: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        sobject = record.get("attributes", {}).get("type") or default_type
        if not sobject:
            msg = f"{where}: a record has no attributes.type and the plan names no sobject"
            raise ValueError(msg)
        by_type.setdefault(sobject, []).append(record)
    for sobject, group in by_type.items():
        _load_group(loader, sobject, group, references, save=save, where=where, parent=parent)


def _load_group(loader: RecordLoader, sobject: str, records: list[dict[str, Any]],
                references: _References, *, save: bool, where: str,
                parent: tuple[str, str] | None) -> None:
    schema = loader.object_schema(sobject)
    flat: list[dict[str, Any]] = []
    children: list[dict[str, Any]] = []
    for record in records:
        fields: dict[str, Any] = {}
        nested: dict[str, Any] = {}
        for key, value in record.items():
            if key == "attributes":
                continue
            if isinstance(value, dict) and "records" in value:
                nested[key] = value
                continue
            fields[key] = references.resolve(value, f"{where} {sobject}.{key}")
        if parent is not None:
            fields[parent[0]] = parent[1]
        flat.append(fields)
        children.append(nested)
    ids = loader.insert(schema.name, flat)
    for record, record_id, nested in zip(records, ids, children, strict=True):
        reference_id = record.get("attributes", {}).get("referenceId")
        if save and reference_id:
            references.ids[reference_id] = record_id
        for relationship_name, block in nested.items():
            relationship = schema.child_relationship(relationship_name)
            if relationship is None:
                msg = f"{where}: {sobject} has no child relationship {relationship_name!r}"
                raise ValueError(msg)
            _load_records(loader, block["records"], references, save=save,
                          default_type=relationship.child_sobject, where=where,
                          parent=(relationship.field, record_id))
