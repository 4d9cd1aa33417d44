"""Resolve field paths such as `Account.Owner.Name` against describe metadata."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from sfseg.segments.criteria.fieldmap import counterpart
from sfseg.segments.criteria.metadata import FieldInfo, MetadataCache, ObjectInfo

__all__ = ["PathError", "ResolvedPath", "close_match", "resolve_path", "resolve_for_object"]


class PathError(ValueError):
    """A field path that does not resolve; `suggestion` is a close match if there is one."""

    def __init__(self, message: str, suggestion: str | None = None) -> None:
        super().__init__(message)
        self.suggestion = suggestion


@dataclass(frozen=True, slots=True)
class ResolvedPath:
    """A field path spelt as describe spells it, and the field at its end."""

    parts: tuple[str, ...]
    field: FieldInfo
    sobject: str

    @property
    def dotted(self) -> str:
        return ".".join(self.parts)


def close_match(name: str, choices: Sequence[str]) -> str | None:
    lowered = {choice.lower(): choice for choice in choices}
    matches = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.75)
    return lowered[matches[0]] if matches else None


def _require_object(metadata: MetadataCache, sobject: str) -> ObjectInfo:
    info = metadata.get(sobject)
    if info is None:
        msg = f"object {sobject} does not exist or is not accessible"
        raise PathError(msg)
    return info


def resolve_path(metadata: MetadataCache, sobject: str, dotted: str) -> ResolvedPath:
    """Resolve `dotted` on `sobject`, walking parent relationships.

    Raises:
        PathError: an object, relationship or field is missing, or the field cannot be
            used in WHERE (its describe has `filterable: false`).
    """
    info = _require_object(metadata, sobject)
    names = dotted.split(".")
    canonical: list[str] = []
    for relationship in names[:-1]:
        reference = info.parent_relationship(relationship)
        if reference is None or not reference.reference_to:
            msg = f"{info.name} has no relationship {relationship}"
            raise PathError(msg, close_match(relationship, info.relationship_names()))
        canonical.append(reference.relationship_name or relationship)
        # A polymorphic relationship (Owner, Who) is checked against its first target.
        info = _require_object(metadata, reference.reference_to[0])
    field = info.field(names[-1])
    if field is None:
        msg = f"{info.name} has no field {names[-1]}"
        raise PathError(msg, close_match(names[-1], info.field_names()))
    if not field.filterable:
        msg = f"{info.name}.{field.name} cannot be used in a filter (it is not filterable)"
        raise PathError(msg)
    canonical.append(field.name)
    return ResolvedPath(tuple(canonical), field, sobject)


_OTHER_OBJECT = {"contact": "Lead", "lead": "Contact"}


def _resolves(metadata: MetadataCache, sobject: str, dotted: str) -> bool:
    try:
        resolve_path(metadata, sobject, dotted)
    except PathError:
        return False
    return True


def resolve_for_object(
    metadata: MetadataCache, sobject: str, dotted: str, *, mapped: bool
) -> ResolvedPath:
    """Resolve `dotted` on `sobject`, using the Contact/Lead counterpart when `mapped`.

    With `mapped` (target `both`), a path missing on `sobject` is replaced by its
    counterpart (MailingCountry on Lead becomes Country); a path with no counterpart
    is an error naming the missing counterpart.
    """
    try:
        return resolve_path(metadata, sobject, dotted)
    except PathError as first:
        other = counterpart(dotted, sobject)
        if other is None:
            if not mapped:
                raise
            other_object = _OTHER_OBJECT.get(sobject.lower())
            if other_object is None or not _resolves(metadata, other_object, dotted):
                raise
            msg = f"{dotted} has no counterpart on {sobject} ({first})"
            raise PathError(msg, first.suggestion) from first
        if not mapped:
            # The other object's name for this fact was written; point at this object's.
            raise PathError(str(first), other) from first
        return resolve_path(metadata, sobject, other)
