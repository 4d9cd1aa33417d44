"""Object and field metadata of the sandbox org, in Salesforce's describe terms.

`OrgSchema` contains one `ObjectSchema` per sObject. Each object keys its `FieldSchema`s
by lower-case API name, so lookups are case-insensitive as in Salesforce. The standard
objects come from `standard_schema()` (defined in `sfseg.sandbox.standard_objects`);
custom objects and fields are added from a seed's schema file with `OrgSchema.add` and
`ObjectSchema.add_field`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "ChildRelationship",
    "ErrorCode",
    "FieldSchema",
    "FieldType",
    "ObjectSchema",
    "OrgSchema",
    "PicklistValue",
    "RecordError",
    "CombinedRecordError",
    "record_errors",
    "standard_schema",
]


class ErrorCode(StrEnum):
    """The Salesforce `errorCode` values the sandbox raises."""

    CANNOT_UPDATE_CONVERTED_LEAD = "CANNOT_UPDATE_CONVERTED_LEAD"
    DELETE_FAILED = "DELETE_FAILED"
    DUPLICATE_VALUE = "DUPLICATE_VALUE"
    ENTITY_IS_DELETED = "ENTITY_IS_DELETED"
    FIELD_INTEGRITY_EXCEPTION = "FIELD_INTEGRITY_EXCEPTION"
    INVALID_CROSS_REFERENCE_KEY = "INVALID_CROSS_REFERENCE_KEY"
    INVALID_EMAIL_ADDRESS = "INVALID_EMAIL_ADDRESS"
    INVALID_FIELD = "INVALID_FIELD"
    INVALID_FIELD_FOR_INSERT_UPDATE = "INVALID_FIELD_FOR_INSERT_UPDATE"
    INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST = "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    INVALID_TYPE = "INVALID_TYPE"
    INVALID_TYPE_FOR_OPERATION = "INVALID_TYPE_FOR_OPERATION"
    INVALID_TYPE_ON_FIELD_IN_RECORD = "INVALID_TYPE_ON_FIELD_IN_RECORD"
    JSON_PARSER_ERROR = "JSON_PARSER_ERROR"
    MALFORMED_ID = "MALFORMED_ID"
    MULTIPLE_CHOICES = "MULTIPLE_CHOICES"
    NOT_FOUND = "NOT_FOUND"
    NUMBER_OUTSIDE_VALID_RANGE = "NUMBER_OUTSIDE_VALID_RANGE"
    REQUIRED_FIELD_MISSING = "REQUIRED_FIELD_MISSING"
    STRING_TOO_LONG = "STRING_TOO_LONG"


class RecordError(Exception):
    """A Salesforce record-level error: HTTP status, `errorCode`, message and fields.

    Re-exported by `sfseg.sandbox.org`; defined here so the metadata can raise it
    without an import cycle.
    """

    def __init__(
        self,
        error_code: str,
        message: str,
        fields: list[str] | None = None,
        http_status: int = 400,
    ) -> None:
        super().__init__(message)
        self.error_code = str(error_code)
        self.message = message
        self.fields = list(fields or [])
        self.http_status = http_status

    def __str__(self) -> str:
        return f"{self.error_code}: {self.message}"

    def __repr__(self) -> str:
        return (
            f"RecordError(error_code={self.error_code!r}, message={self.message!r}, "
            f"fields={self.fields!r}, http_status={self.http_status})"
        )

    def to_wire(self) -> dict[str, object]:
        """Return the `{"message", "errorCode", "fields"}` entry of a REST error body."""
        return {"message": self.message, "errorCode": self.error_code, "fields": self.fields}

    @property
    def errors(self) -> list[RecordError]:
        """Every error of the record, primary first; a single error lists itself."""
        return [self]


class CombinedRecordError(RecordError):
    """Several validation errors of one record, reported together as Salesforce does.

    The first error is the primary one: `error_code`, `message`, `fields` and
    `http_status` are its own, so code that reads one error keeps working. `errors`
    lists them all, in the order the REST error array and the collections `errors`
    list carry them.
    """

    def __init__(self, errors: Sequence[RecordError]) -> None:
        if not errors:
            message = "CombinedRecordError needs at least one error"
            raise ValueError(message)
        first = errors[0]
        super().__init__(first.error_code, first.message, first.fields, first.http_status)
        self._errors = [item for error in errors for item in error.errors]

    @property
    def errors(self) -> list[RecordError]:
        return list(self._errors)

    def __str__(self) -> str:
        return "; ".join(f"{error.error_code}: {error.message}" for error in self._errors)

    def __repr__(self) -> str:
        return f"CombinedRecordError({self._errors!r})"


def record_errors(errors: Sequence[RecordError]) -> RecordError:
    """Return the one error of a record, or a `CombinedRecordError` carrying several."""
    return errors[0] if len(errors) == 1 else CombinedRecordError(errors)


class FieldType(StrEnum):
    """Field types; each value is the describe `type` string."""

    ID = "id"
    REFERENCE = "reference"
    STRING = "string"
    TEXTAREA = "textarea"
    PICKLIST = "picklist"
    MULTIPICKLIST = "multipicklist"
    BOOLEAN = "boolean"
    INT = "int"
    DOUBLE = "double"
    CURRENCY = "currency"
    PERCENT = "percent"
    DATE = "date"
    DATETIME = "datetime"
    TIME = "time"
    EMAIL = "email"
    PHONE = "phone"
    URL = "url"
    ADDRESS = "address"
    LOCATION = "location"
    COMBOBOX = "combobox"


TEXT_TYPES = frozenset(
    {
        FieldType.STRING,
        FieldType.TEXTAREA,
        FieldType.PICKLIST,
        FieldType.MULTIPICKLIST,
        FieldType.EMAIL,
        FieldType.PHONE,
        FieldType.URL,
        FieldType.COMBOBOX,
    }
)
NUMBER_TYPES = frozenset({FieldType.DOUBLE, FieldType.CURRENCY, FieldType.PERCENT})
COMPOUND_TYPES = frozenset({FieldType.ADDRESS, FieldType.LOCATION})


@dataclass(frozen=True)
class PicklistValue:
    """One entry of a picklist: its API value, label, and active/default flags."""

    value: str
    label: str
    active: bool = True
    default: bool = False


@dataclass(frozen=True)
class FieldSchema:
    """One field with the describe flags Salesforce reports for it."""

    name: str
    label: str
    type: FieldType
    length: int = 0
    precision: int = 0
    scale: int = 0
    digits: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    filterable: bool = True
    groupable: bool = True
    sortable: bool = True
    aggregatable: bool = True
    unique: bool = False
    external_id: bool = False
    id_lookup: bool = False
    name_field: bool = False
    calculated: bool = False
    custom: bool = False
    auto_number: bool = False
    case_sensitive: bool = False
    default_value: object = None
    defaulted_on_create: bool = False
    picklist_values: tuple[PicklistValue, ...] = ()
    restricted_picklist: bool = False
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    polymorphic: bool = False
    compound_field_name: str | None = None
    html_formatted: bool = False

    @property
    def is_stored(self) -> bool:
        """False for compound address/location fields, which are built from their parts."""
        return self.type not in COMPOUND_TYPES

    @property
    def is_required(self) -> bool:
        """True when a create must supply a value (not nillable, createable, no default)."""
        return (
            not self.nillable
            and self.createable
            and not self.defaulted_on_create
            and self.type is not FieldType.BOOLEAN
        )

    def picklist_default(self) -> str | None:
        """Return the value marked as default, if any."""
        for entry in self.picklist_values:
            if entry.default:
                return entry.value
        return None


@dataclass(frozen=True)
class ChildRelationship:
    """A child relationship: the child object, its reference field and the relationship name."""

    child_sobject: str
    field: str
    relationship_name: str | None
    cascade_delete: bool = False


@dataclass
class ObjectSchema:
    """One sObject: its describe flags, fields and child relationships."""

    name: str
    label: str
    label_plural: str
    key_prefix: str
    custom: bool = False
    createable: bool = True
    updateable: bool = True
    deletable: bool = True
    queryable: bool = True
    fields: dict[str, FieldSchema] = field(default_factory=dict)
    child_relationships: list[ChildRelationship] = field(default_factory=list)
    _stored: list[FieldSchema] | None = field(default=None, repr=False, compare=False)

    def add_field(self, schema: FieldSchema) -> None:
        """Add or replace a field (keyed by its lower-case name)."""
        self.fields[schema.name.lower()] = schema
        self._stored = None

    def field(self, name: str) -> FieldSchema | None:
        """Return the field called `name` (any case), or None."""
        return self.fields.get(name.lower())

    def parent_relationship(self, name: str) -> FieldSchema | None:
        """Return the reference field whose relationship name is `name` (any case), or None."""
        wanted = name.lower()
        for candidate in self.fields.values():
            if candidate.relationship_name and candidate.relationship_name.lower() == wanted:
                return candidate
        return None

    def child_relationship(self, name: str) -> ChildRelationship | None:
        """Return the child relationship called `name` (any case), or None."""
        wanted = name.lower()
        for relationship in self.child_relationships:
            if relationship.relationship_name and relationship.relationship_name.lower() == wanted:
                return relationship
        return None

    def stored_fields(self) -> list[FieldSchema]:
        """Return the fields that have a column, in definition order."""
        if self._stored is None:
            self._stored = [candidate for candidate in self.fields.values()
                            if candidate.is_stored]
        return list(self._stored)

    def name_field(self) -> FieldSchema | None:
        """Return the field flagged `nameField` (Name, CaseNumber, ...), or None."""
        for candidate in self.fields.values():
            if candidate.name_field:
                return candidate
        return None

    def reference_fields(self) -> list[FieldSchema]:
        """Return the lookup fields."""
        return [f for f in self.fields.values() if f.type is FieldType.REFERENCE]


class OrgSchema:
    """Every sObject of one org, looked up case-insensitively or by key prefix."""

    def __init__(self, objects: list[ObjectSchema] | None = None) -> None:
        self._objects: dict[str, ObjectSchema] = {}
        self._by_prefix: dict[str, ObjectSchema] = {}
        # (parent, child, field) → child relationship name, as Salesforce names them.
        self.relationship_names: dict[tuple[str, str, str], str] = {}
        for sobject in objects or []:
            self.add(sobject)

    def add(self, sobject: ObjectSchema) -> None:
        """Add or replace an object."""
        self._objects[sobject.name.lower()] = sobject
        self._by_prefix[sobject.key_prefix] = sobject

    def get(self, name: str) -> ObjectSchema | None:
        """Return the object called `name` (any case), or None."""
        return self._objects.get(name.lower())

    def require(self, name: str) -> ObjectSchema:
        """Return the object called `name`, or raise RecordError INVALID_TYPE."""
        sobject = self.get(name)
        if sobject is None:
            msg = f"sObject type '{name}' is not supported."
            raise RecordError(ErrorCode.INVALID_TYPE, msg)
        return sobject

    def by_key_prefix(self, prefix: str) -> ObjectSchema | None:
        """Return the object whose ids start with `prefix` (`003` → Contact), or None."""
        return self._by_prefix.get(prefix)

    def __iter__(self) -> Iterator[ObjectSchema]:
        return iter(sorted(self._objects.values(), key=lambda sobject: sobject.name))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._objects

    def __len__(self) -> int:
        return len(self._objects)

    def rebuild_child_relationships(self) -> None:
        """Recompute every object's child relationships from the reference fields.

        `relationship_names` maps (parent, child, field) to the relationship name
        Salesforce uses (Account ← Contact.AccountId is "Contacts"). A custom lookup
        without an entry gets `child_relationship_name_for_custom`. Audit and owner
        fields without a name are left out, to keep User's list short.
        """
        for sobject in self._objects.values():
            sobject.child_relationships = []
        for child in self:
            for reference in child.reference_fields():
                self._link_children(child, reference, self.relationship_names)

    def _link_children(
        self,
        child: ObjectSchema,
        reference: FieldSchema,
        names: dict[tuple[str, str, str], str],
    ) -> None:
        for parent_name in reference.reference_to:
            parent = self.get(parent_name)
            if parent is None:
                continue
            name = names.get((parent.name, child.name, reference.name))
            if name is None and reference.custom and reference.relationship_name:
                name = child_relationship_name_for_custom(reference)
            if name is None and reference.name in _UNNAMED_SKIPPED:
                continue
            parent.child_relationships.append(
                ChildRelationship(child.name, reference.name, name)
            )


_UNNAMED_SKIPPED = frozenset({"CreatedById", "LastModifiedById", "OwnerId"})


def child_relationship_name_for_custom(reference: FieldSchema) -> str:
    """Return the `__r` child relationship name of a custom lookup.

    A custom schema may carry `childRelationshipName`; without one the sandbox
    uses the plural of the lookup's relationship name (`Contact__r` → `Contacts__r`).
    """
    base = (reference.relationship_name or reference.name).removesuffix("__r")
    return f"{base}s__r"


def standard_schema() -> OrgSchema:
    """Build a fresh schema with the thirteen standard objects (see
    `sfseg.sandbox.standard_objects`, which defines them)."""
    from sfseg.sandbox.standard_objects import standard_schema as build

    return build()
