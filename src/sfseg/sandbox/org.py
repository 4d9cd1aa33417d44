"""The sandbox org's DML facade: create, retrieve, update, delete and upsert records
with Salesforce's validation, used by the HTTP routes, bulk jobs and reports.

Every write runs inside a SAVEPOINT, so a failed write leaves nothing behind, and
`Org.transaction()` groups several writes for allOrNone. Errors are `RecordError`s
carrying Salesforce's `errorCode`, message and fields; a record with several validation
problems raises `CombinedRecordError`, which lists them all with the first as the primary.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sfseg.sandbox import describe as describe_module
from sfseg.sandbox.campaigns import CampaignRules
from sfseg.sandbox.clock import Clock
from sfseg.sandbox.contact_roles import ContactRoleRules
from sfseg.sandbox.derived import derive
from sfseg.sandbox.metadata import (
    CombinedRecordError,
    ErrorCode,
    FieldSchema,
    FieldType,
    ObjectSchema,
    OrgSchema,
    RecordError,
    record_errors,
)
from sfseg.sandbox.standard_objects import standard_schema
from sfseg.sandbox.storage import OrgStore, quote
from sfseg.sandbox.values import (
    address_to_wire,
    format_datetime,
    text_to_column,
    to_column,
    to_wire,
)
from sfseg.soql.ids import is_salesforce_id, to_15, to_18

__all__ = [
    "DEFAULT_API_VERSION",
    "CombinedRecordError",
    "MultipleMatchesError",
    "Org",
    "RecordError",
]

DEFAULT_API_VERSION = "66.0"

Row = dict[str, Any]

_NOT_FOUND = "The requested resource does not exist"
_READ_ONLY_HINT = (
    "Please check the security settings of this field and verify that it is read/write "
    "for your profile or permission set."
)
# Deleting a parent soft-deletes these children too (Salesforce cascade deletes).
_CASCADES: dict[str, tuple[tuple[str, str], ...]] = {
    "Account": (("Contact", "AccountId"), ("Opportunity", "AccountId")),
    "Contact": (("CampaignMember", "ContactId"), ("OpportunityContactRole", "ContactId")),
    "Lead": (("CampaignMember", "LeadId"),),
    "Campaign": (("CampaignMember", "CampaignId"), ("CampaignMemberStatus", "CampaignId")),
    "Opportunity": (("OpportunityContactRole", "OpportunityId"),),
}
_DEFAULT_USER = {
    "Username": "sandbox.admin@sfseg.example",
    "FirstName": "Sandbox",
    "LastName": "Admin",
    "Email": "sandbox.admin@sfseg.example",
    "Alias": "sadmin",
    "CommunityNickname": "sandbox.admin",
    "IsActive": 1,
}


class MultipleMatchesError(RecordError):
    """An upsert's external id matched several records (HTTP 300); `.ids` lists them."""

    def __init__(self, sobject: str, field: str, value: str, ids: list[str]) -> None:
        message = f"{sobject}.{field} = {value!r} matches {len(ids)} records: {', '.join(ids)}"
        super().__init__(ErrorCode.MULTIPLE_CHOICES, message, [field], http_status=300)
        self.ids = ids


class Org:
    """One sandbox org: schema, storage, clock and the write rules.

    Thread-safe: every method acquires `store.lock` before it touches the database.
    """

    def __init__(self, store: OrgStore) -> None:
        self.store = store
        self.schema: OrgSchema = store.schema
        self.clock: Clock = store.clock
        self.records_written: Counter[str] = Counter()
        self.campaigns = CampaignRules(self)
        self.contact_roles = ContactRoleRules(self)
        self._savepoints = itertools.count(1)
        self.default_user_id: str = store.get_meta("default_user_id") or ""

    # ------------------------------------------------------------ opening

    @classmethod
    def open(cls, db_path: str | None = None, seed: str = "empty", *,
             clock: Clock | None = None) -> Org:
        """Open an org in memory (`db_path` None) or in an SQLite file, and seed it.

        `seed` is "empty", "sample", "synthetic:N" or the path of a user's export
        (see `sfseg.sandbox.seeds`). A file that already contains an org is reopened
        as it is, and `seed` is ignored.
        """
        from sfseg.sandbox.seeds import load_seed, restore_custom_schema

        store = OrgStore(standard_schema(), db_path, clock)
        if store.get_meta("seed") is not None:
            restore_custom_schema(store)
            store.create_tables()
            store.enable_wal()
            return cls(store)
        store.begin_bulk_load()
        # Indexes are built after the seed is in: one sort per index instead of a
        # B-tree insert per row.
        store.create_tables(indexes=False)
        org = cls(store)
        # One transaction for the whole seed, so a seed that fails leaves an empty
        # database that the next open seeds afresh.
        with org.transaction():
            org._create_default_user()
            load_seed(org, seed)
        store.build_indexes()
        store.set_meta("seed", seed)
        store.enable_wal()
        # records_written counts API writes; the seed is not one.
        org.records_written.clear()
        return org

    def _create_default_user(self) -> None:
        self.default_user_id = self.store.new_id(self.schema.require("User"))
        self.insert_system_row("User", {**_DEFAULT_USER, "Id": self.default_user_id})
        self.store.set_meta("default_user_id", self.default_user_id)

    def close(self) -> None:
        """Close the database."""
        self.store.close()

    # -------------------------------------------------------- transactions

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes: an exception inside rolls every write back (SAVEPOINT)."""
        with self.store.lock:
            name = f"sp{next(self._savepoints)}"
            written = self.records_written.copy()
            connection = self.store.connection
            connection.execute(f"SAVEPOINT {name}")
            try:
                yield
            except BaseException:
                connection.execute(f"ROLLBACK TO {name}")
                connection.execute(f"RELEASE {name}")
                self.records_written = written
                raise
            connection.execute(f"RELEASE {name}")

    # ---------------------------------------------------------------- create

    def create(self, sobject: str, fields: dict[str, Any], *, text_values: bool = False) -> str:
        """Insert a record from request JSON and return its 18-character id.

        `text_values` marks values read from CSV text (Bulk API), where a value of the
        wrong type is INVALID_TYPE_ON_FIELD_IN_RECORD instead of JSON_PARSER_ERROR.

        Raises:
            RecordError: INVALID_TYPE, INVALID_FIELD, INVALID_FIELD_FOR_INSERT_UPDATE,
                REQUIRED_FIELD_MISSING, STRING_TOO_LONG, JSON_PARSER_ERROR, MALFORMED_ID,
                INVALID_CROSS_REFERENCE_KEY, DUPLICATE_VALUE and the Campaign rules' codes.
                The field-level validation errors of the record (bad values, read-only
                fields, missing required fields) come together as one `CombinedRecordError`.
        """
        schema = self.schema.require(sobject)
        if not schema.createable:
            raise _not_supported(schema, "insert")
        with self.transaction():
            values, problems = self._columns_from_json(schema, fields, creating=True,
                                                       text=text_values)
            return self._insert(schema, values, problems)

    def _insert(self, schema: ObjectSchema, values: Row,
                problems: Sequence[RecordError] = ()) -> str:
        row = self._defaults(schema)
        row.update(values)
        self._check_required(schema, row, values, creating=True, problems=problems)
        self._check_unique(schema, row)
        row.update(derive(schema.name, row, None, self.clock))
        self._derive_activity_account(schema, row)
        self.campaigns.before_insert(schema.name, row)
        record_id = self.store.new_id(schema)
        now = format_datetime(self.clock.now())
        row.update(Id=record_id, IsDeleted=0, CreatedDate=now, LastModifiedDate=now,
                   SystemModstamp=now, CreatedById=self.default_user_id,
                   LastModifiedById=self.default_user_id)
        self._fill_auto_number(schema, row)
        self.store.insert_row(schema.name, row)
        self.campaigns.after_insert(schema.name, row)
        self.contact_roles.after_insert(schema.name, row)
        self._touch_last_activity(schema, row)
        self.records_written[schema.name] += 1
        return record_id

    def insert_system_row(self, sobject: str, values: Row) -> str:
        """Insert a row the org itself creates (default statuses, the default user),
        skipping the createable checks; return its id."""
        schema = self.schema.require(sobject)
        row = self._defaults(schema)
        row.update(values)
        row.update(derive(schema.name, row, None, self.clock))
        record_id = row.get("Id") or self.store.new_id(schema)
        now = format_datetime(self.clock.now())
        user = self.default_user_id or record_id
        row.update(Id=record_id, IsDeleted=0, CreatedDate=now, LastModifiedDate=now,
                   SystemModstamp=now, CreatedById=user, LastModifiedById=user)
        self.store.insert_row(schema.name, row)
        self.records_written[schema.name] += 1
        return str(record_id)

    def _defaults(self, schema: ObjectSchema) -> Row:
        row: Row = {}
        for field in schema.stored_fields():
            if field.type is FieldType.BOOLEAN:
                row[field.name] = int(bool(field.default_value))
            elif field.picklist_values and field.picklist_default() is not None:
                row[field.name] = field.picklist_default()
            elif field.default_value is not None:
                row[field.name] = field.default_value
        if schema.field("OwnerId") is not None:
            row["OwnerId"] = self.default_user_id or None
        return row

    def _fill_auto_number(self, schema: ObjectSchema, row: Row) -> None:
        for field in schema.fields.values():
            if field.auto_number and row.get(field.name) is None:
                count = self.store.count(schema.name, include_deleted=True)
                row[field.name] = f"{count + 1:08d}"

    # ---------------------------------------------------------------- update

    def update(self, sobject: str, record_id: str, fields: dict[str, Any], *,
               text_values: bool = False) -> None:
        """Update a record from request JSON (only the fields given; `text_values` as
        for `create`).

        Raises:
            RecordError: NOT_FOUND (404), ENTITY_IS_DELETED, INVALID_FIELD,
                INVALID_FIELD_FOR_INSERT_UPDATE, CANNOT_UPDATE_CONVERTED_LEAD and the
                create errors for the values.
        """
        schema = self.schema.require(sobject)
        if not schema.updateable:
            raise _not_supported(schema, "update")
        with self.transaction():
            old = self._live_row(schema, record_id)
            fields = _drop_matching_id(fields, old["Id"])
            values, problems = self._columns_from_json(schema, fields, creating=False,
                                                       text=text_values)
            self._update(schema, old, values, problems)

    def _update(self, schema: ObjectSchema, old: Row, values: Row,
                problems: Sequence[RecordError] = ()) -> None:
        if schema.name == "Lead" and old.get("IsConverted"):
            raise RecordError(ErrorCode.CANNOT_UPDATE_CONVERTED_LEAD, "cannot reference converted lead")
        row = {**old, **values}
        self._check_required(schema, row, values, creating=False, problems=problems)
        self._check_unique(schema, row)
        row.update(derive(schema.name, row, old, self.clock))
        self._derive_activity_account(schema, row)
        self.campaigns.before_update(schema.name, old, row)
        now = format_datetime(self.clock.now())
        row.update(LastModifiedDate=now, SystemModstamp=now,
                   LastModifiedById=self.default_user_id or old.get("LastModifiedById"))
        changes = {name: value for name, value in row.items() if old.get(name) != value}
        self.store.update_row(schema.name, old["Id"], changes)
        self.campaigns.after_update(schema.name, old, row)
        self.contact_roles.after_update(schema.name, old, row)
        self._touch_last_activity(schema, row)
        self.records_written[schema.name] += 1

    # ---------------------------------------------------------------- delete

    def delete(self, sobject: str, record_id: str) -> None:
        """Soft-delete a record and its cascade-deleted children.

        The row stays with IsDeleted = true, so queryAll still returns it.

        Raises:
            RecordError: NOT_FOUND (404), ENTITY_IS_DELETED, DELETE_FAILED.
        """
        schema = self.schema.require(sobject)
        if not schema.deletable:
            raise _not_supported(schema, "delete")
        with self.transaction():
            row = self._live_row(schema, record_id)
            self._delete_row(schema, row)

    def _delete_row(self, schema: ObjectSchema, row: Row, *, cascaded: bool = False) -> None:
        # A child deleted with its parent skips the rules for deleting it alone
        # (a campaign's default member status goes with the campaign).
        if not cascaded:
            self.campaigns.before_delete(schema.name, row)
        for child_name, column in _CASCADES.get(schema.name, ()):
            child = self.schema.require(child_name)
            for child_row in self._rows_where(child_name, column, row["Id"]):
                self._delete_row(child, child_row, cascaded=True)
        now = format_datetime(self.clock.now())
        self.store.update_row(schema.name, row["Id"], {
            "IsDeleted": 1, "LastModifiedDate": now, "SystemModstamp": now,
        })
        self.campaigns.after_delete(schema.name, row)
        self.contact_roles.after_delete(schema.name, row)
        self.records_written[schema.name] += 1

    def _rows_where(self, sobject: str, column: str, value: str) -> list[Row]:
        cursor = self.store.connection.execute(
            f'SELECT * FROM {quote(sobject)} WHERE {quote(column)} = ? AND "IsDeleted" = 0',
            (value,),
        )
        names = [description[0] for description in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]

    # -------------------------------------------------------------- retrieve

    def retrieve(self, sobject: str, record_id: str, fields: list[str] | None = None,
                 api_version: str = DEFAULT_API_VERSION) -> dict[str, Any]:
        """Return a record as Salesforce's REST JSON, with `attributes`.

        `fields` None returns every field (compound addresses included); otherwise
        only those, with `Id` added at the end as Salesforce does.

        Raises:
            RecordError: NOT_FOUND (404) for an unknown id or a string that is not an id
                of this object, ENTITY_IS_DELETED (404), INVALID_FIELD (400).
        """
        schema = self.schema.require(sobject)
        with self.store.lock:
            row = self._live_row(schema, record_id)
        selected = self._selected_fields(schema, fields)
        record: dict[str, Any] = {"attributes": self.attributes(schema.name, row["Id"],
                                                                api_version)}
        for field in selected:
            if field.type is FieldType.ADDRESS:
                record[field.name] = address_to_wire(field, row)
            elif field.is_stored:
                record[field.name] = to_wire(field, row.get(field.name))
        if fields is not None and "Id" not in record:
            record["Id"] = row["Id"]
        return record

    @staticmethod
    def attributes(sobject: str, record_id: str, api_version: str) -> dict[str, str]:
        """Return a record's `attributes` entry: type and REST url."""
        return {"type": sobject,
                "url": f"/services/data/v{api_version}/sobjects/{sobject}/{record_id}"}

    def _selected_fields(self, schema: ObjectSchema, names: list[str] | None) -> list[FieldSchema]:
        if names is None:
            return [f for f in schema.fields.values() if f.type is not FieldType.LOCATION]
        selected = []
        for name in names:
            field = schema.field(name.strip())
            if field is None:
                message = (
                    f"No such column '{name.strip()}' on entity '{schema.name}'. If you are "
                    "attempting to use a custom field, be sure to append the '__c' after the "
                    "custom field name. Please reference your WSDL or the describe call for "
                    "the appropriate names."
                )
                raise RecordError(ErrorCode.INVALID_FIELD, message)
            selected.append(field)
        return selected

    # ---------------------------------------------------------------- upsert

    def upsert(self, sobject: str, external_id_field: str, value: str,
               fields: dict[str, Any], *, text_values: bool = False) -> tuple[str, bool]:
        """Create or update the record whose `external_id_field` equals `value`
        (`text_values` as for `create`).

        Returns (id, created). Raises MultipleMatchesError when several records
        match, and RecordError NOT_FOUND (404) "Provided external ID field does not
        exist or is not accessible: x" when the field is not an external id.
        """
        schema = self.schema.require(sobject)
        field = self._external_id_field(schema, external_id_field)
        with self.transaction():
            if field.name == "Id":
                return self._upsert_by_id(schema, value, fields, text_values)
            matches = self.find_by_external_id(schema.name, field.name, value)
            if len(matches) > 1:
                raise MultipleMatchesError(schema.name, field.name, value, matches)
            fields = {k: v for k, v in fields.items() if k.lower() != field.name.lower()}
            if matches:
                old = self._live_row(schema, matches[0])
                values, problems = self._columns_from_json(schema, fields, creating=False,
                                                           text=text_values)
                self._update(schema, old, values, problems)
                return matches[0], False
            values, problems = self._columns_from_json(schema, fields, creating=True,
                                                       text=text_values)
            values[field.name] = to_column(field, value)
            return self._insert(schema, values, problems), True

    def _upsert_by_id(self, schema: ObjectSchema, value: str, fields: dict[str, Any],
                      text_values: bool) -> tuple[str, bool]:
        if not value:
            values, problems = self._columns_from_json(schema, fields, creating=True,
                                                       text=text_values)
            return self._insert(schema, values, problems), True
        old = self._live_row(schema, value)
        values, problems = self._columns_from_json(
            schema, _drop_matching_id(fields, old["Id"]), creating=False, text=text_values
        )
        self._update(schema, old, values, problems)
        return old["Id"], False

    def _external_id_field(self, schema: ObjectSchema, name: str) -> FieldSchema:
        field = schema.field(name)
        if field is None or not (field.external_id or field.name == "Id"):
            message = f"Provided external ID field does not exist or is not accessible: {name}"
            raise RecordError(ErrorCode.NOT_FOUND, message, http_status=404)
        return field

    def find_by_external_id(self, sobject: str, field_name: str, value: str) -> list[str]:
        """Return the ids of live records whose `field_name` equals `value` (text compared
        case-insensitively unless the field is case-sensitive)."""
        schema = self.schema.require(sobject)
        field = schema.field(field_name)
        if field is None:
            return []
        collate = "" if field.case_sensitive or field.type is not FieldType.STRING else (
            " COLLATE NOCASE"
        )
        with self.store.lock:
            rows = self.store.connection.execute(
                f'SELECT "Id" FROM {quote(schema.name)} WHERE {quote(field.name)} = ?{collate} '
                'AND "IsDeleted" = 0 ORDER BY "Id"',
                (to_column(field, value),),
            ).fetchall()
        return [row[0] for row in rows]

    # -------------------------------------------------------------- describe

    def describe(self, sobject: str, api_version: str = DEFAULT_API_VERSION) -> dict[str, Any]:
        """Return `/sobjects/{Type}/describe` JSON. Raises RecordError NOT_FOUND (404)."""
        schema = self.schema.get(sobject)
        if schema is None:
            raise RecordError(ErrorCode.NOT_FOUND, _NOT_FOUND, http_status=404)
        return describe_module.describe_sobject(schema, api_version, self._record_types(schema))

    def sobject_info(self, sobject: str, api_version: str = DEFAULT_API_VERSION) -> dict[str, Any]:
        """Return `GET /sobjects/{Type}` JSON (objectDescribe and recentItems).

        Raises RecordError NOT_FOUND (404) for an unknown object.
        """
        schema = self.schema.get(sobject)
        if schema is None:
            raise RecordError(ErrorCode.NOT_FOUND, _NOT_FOUND, http_status=404)
        return describe_module.sobject_basic_info(schema, api_version)

    def describe_global(self, api_version: str = DEFAULT_API_VERSION) -> dict[str, Any]:
        """Return `/sobjects` (describe global) JSON."""
        return describe_module.describe_global(self.schema, api_version)

    def _record_types(self, schema: ObjectSchema) -> list[Row]:
        with self.store.lock:
            cursor = self.store.connection.execute(
                'SELECT "Id", "Name", "DeveloperName", "IsActive" FROM "RecordType" '
                'WHERE "SobjectType" = ? AND "IsDeleted" = 0 ORDER BY "Name"',
                (schema.name,),
            )
            names = [description[0] for description in cursor.description]
            return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]

    # ---------------------------------------------------------- lead convert

    def convert_lead(self, lead_id: str, *, contact_id: str | None = None,
                     account_id: str | None = None, opportunity_id: str | None = None,
                     converted_status: str = "Closed - Converted") -> str:
        """Mark a lead converted, as Salesforce's convertLead call does, and return the
        contact id.

        Without `contact_id` (or `account_id`) a Contact (or Account) is created from
        the lead. The REST API has no convert call, so tests and seeds use this one.
        """
        lead_schema = self.schema.require("Lead")
        with self.transaction():
            lead = self._live_row(lead_schema, lead_id)
            if lead["IsConverted"]:
                raise RecordError(ErrorCode.CANNOT_UPDATE_CONVERTED_LEAD,
                                  "cannot reference converted lead")
            if account_id is None:
                account_id = self.create("Account", {"Name": lead["Company"]})
            if contact_id is None:
                contact_id = self.create("Contact", {
                    "FirstName": lead["FirstName"], "LastName": lead["LastName"],
                    "Email": lead["Email"], "AccountId": account_id, "Title": lead["Title"],
                })
            today = self.clock.today().isoformat()
            self.store.update_row("Lead", lead["Id"], {
                "IsConverted": 1, "ConvertedDate": today, "Status": converted_status,
                "ConvertedContactId": to_18(contact_id), "ConvertedAccountId": to_18(account_id),
                "ConvertedOpportunityId": to_18(opportunity_id) if opportunity_id else None,
            })
            self.campaigns.after_lead_converted(lead["Id"])
            return to_18(contact_id)

    # ------------------------------------------------------------ validation

    def _live_row(self, schema: ObjectSchema, record_id: str) -> Row:
        """Return the stored row, or raise NOT_FOUND / ENTITY_IS_DELETED (404)."""
        if not is_salesforce_id(record_id) or to_18(record_id)[:3] != schema.key_prefix:
            # Salesforce reads a non-id in the id slot as an external-id field name.
            message = f"Provided external ID field does not exist or is not accessible: {record_id}"
            raise RecordError(ErrorCode.NOT_FOUND, message, http_status=404)
        row = self.store.fetch_row(schema.name, to_18(record_id))
        if row is None:
            raise RecordError(ErrorCode.NOT_FOUND, _NOT_FOUND, http_status=404)
        if row["IsDeleted"]:
            raise RecordError(ErrorCode.ENTITY_IS_DELETED, "entity is deleted", http_status=404)
        return row

    def _columns_from_json(self, schema: ObjectSchema, fields: dict[str, Any], *,
                           creating: bool, text: bool = False) -> tuple[Row, list[RecordError]]:
        """Return the column values of `fields` and the validation problems found.

        What Salesforce fails while it reads the request (an unknown field, `Id` in
        the body, a JSON value of the wrong type) raises at once. A value the record
        cannot hold (too long, not in a restricted picklist, a bad id, a read-only
        field, ...) is returned as a problem instead, so that `_check_required` raises
        it together with the record's other validation errors.
        """
        values: Row = {}
        problems: list[RecordError] = []
        read_only: list[str] = []
        for key, value in fields.items():
            if key == "attributes":
                continue
            if key.lower() == "id":
                raise RecordError(
                    ErrorCode.INVALID_FIELD, "The Id field should not be specified in the sobject data."
                )
            field = schema.field(key)
            if field is None:
                parent = schema.parent_relationship(key)
                if parent is not None and isinstance(value, dict):
                    values[parent.name] = self._resolve_parent(parent, value)
                    continue
                message = f"No such column '{key}' on sobject of type {schema.name}"
                raise RecordError(ErrorCode.INVALID_FIELD, message, [key])
            allowed = field.createable if creating else field.updateable
            if not allowed:
                read_only.append(field.name)
                continue
            try:
                values[field.name] = self._column_value(field, value, text=text)
            except RecordError as error:
                if error.error_code == ErrorCode.JSON_PARSER_ERROR:
                    raise
                problems.append(error)
        if read_only:
            message = f"Unable to create/update fields: {', '.join(read_only)}. {_READ_ONLY_HINT}"
            problems.append(
                RecordError(ErrorCode.INVALID_FIELD_FOR_INSERT_UPDATE, message, read_only)
            )
        return values, problems

    def _column_value(self, field: FieldSchema, value: Any, *, text: bool) -> Any:
        column = text_to_column(field, value) if text else to_column(field, value)
        if field.type is FieldType.REFERENCE and column is not None:
            return self._check_reference(field, column)
        return column

    def _check_reference(self, field: FieldSchema, value: str) -> str:
        if not is_salesforce_id(value):
            message = f"{field.label}: id value of incorrect type: {value}"
            raise RecordError(ErrorCode.MALFORMED_ID, message, [field.name])
        target = self.schema.by_key_prefix(value[:3])
        if target is None or target.name not in field.reference_to:
            message = f"{field.label}: id value of incorrect type: {value}"
            raise RecordError(ErrorCode.MALFORMED_ID, message, [field.name])
        full = to_18(value)
        found = self.store.connection.execute(
            f'SELECT "IsDeleted" FROM {quote(target.name)} WHERE "Id" = ?', (full,)
        ).fetchone()
        if found is None:
            message = f"{field.label}: invalid cross reference id"
            raise RecordError(ErrorCode.INVALID_CROSS_REFERENCE_KEY, message, [field.name])
        if found[0]:
            raise RecordError(ErrorCode.ENTITY_IS_DELETED, "entity is deleted", [field.name])
        return full

    def _resolve_parent(self, reference: FieldSchema, value: dict[str, Any]) -> str:
        """Resolve `"Account": {"Ext__c": "x"}` to the parent's id, as Salesforce does."""
        target = self.schema.require(reference.reference_to[0])
        keys = [key for key in value if key != "attributes"]
        if len(keys) != 1:
            message = f"{reference.relationship_name}: give exactly one external id field"
            raise RecordError(ErrorCode.INVALID_FIELD, message, [reference.name])
        field = self._external_id_field(target, keys[0])
        matches = self.find_by_external_id(target.name, field.name, str(value[keys[0]]))
        if len(matches) != 1:
            message = (
                f"Foreign key external ID: {value[keys[0]]} "
                f"{'not found' if not matches else 'matched several records'} "
                f"for field {field.name} in entity {target.name}"
            )
            raise RecordError(ErrorCode.INVALID_FIELD, message, [reference.name])
        return matches[0]

    def _check_required(self, schema: ObjectSchema, row: Row, values: Row, *,
                        creating: bool, problems: Sequence[RecordError] = ()) -> None:
        """Raise the record's validation errors: the value `problems`, then the
        required fields left empty, all in one `CombinedRecordError` when there are several.

        Salesforce reports every validation problem of a record at once (a REST error
        array, a collections `errors` list). NOTE: that the value checks and the
        required-field check land in one answer, and in this order, is unconfirmed
        against a live org; only the array shape and several errors per record are.
        """
        errors = list(problems)
        # A field whose value failed was given, so it is not also "missing".
        failed = {name for error in errors for name in error.fields}
        missing = []
        for field in schema.fields.values():
            required = not field.nillable and field.createable and field.is_stored
            if not required or field.type is FieldType.BOOLEAN or field.name in failed:
                continue
            if row.get(field.name) is None and (creating or field.name in values):
                missing.append(field.name)
        if missing:
            message = f"Required fields are missing: [{', '.join(missing)}]"
            errors.append(RecordError(ErrorCode.REQUIRED_FIELD_MISSING, message, missing))
        if errors:
            raise record_errors(errors)

    def _check_unique(self, schema: ObjectSchema, row: Row) -> None:
        for field in schema.fields.values():
            if not field.unique or row.get(field.name) is None:
                continue
            matches = [
                other for other in self.find_by_external_id(schema.name, field.name,
                                                            row[field.name])
                if other != row.get("Id")
            ]
            if matches:
                message = (
                    f"duplicate value found: {field.name} duplicates value on record with id: "
                    f"{to_15(matches[0])}"
                )
                raise RecordError(ErrorCode.DUPLICATE_VALUE, message, [field.name])

    def _touch_last_activity(self, schema: ObjectSchema, row: Row) -> None:
        """Move LastActivityDate of the activity's Who and Account forward.

        Salesforce's LastActivityDate is the latest due date of an event or of a closed
        task on the record. Deleting or reopening an activity does not move it back here.
        """
        if schema.name not in {"Task", "Event"} or not row.get("ActivityDate"):
            return
        if schema.name == "Task" and not row.get("IsClosed"):
            return
        targets = [row.get("WhoId"), row.get("AccountId")]
        for record_id in filter(None, targets):
            target = self.schema.by_key_prefix(record_id[:3])
            if target is None or target.field("LastActivityDate") is None:
                continue
            self.store.connection.execute(
                f'UPDATE {quote(target.name)} SET "LastActivityDate" = ? WHERE "Id" = ? '
                'AND ("LastActivityDate" IS NULL OR "LastActivityDate" < ?)',
                (row["ActivityDate"], record_id, row["ActivityDate"]),
            )

    def _derive_activity_account(self, schema: ObjectSchema, row: Row) -> None:
        if schema.name not in {"Task", "Event"}:
            return
        account_id = None
        what_id = row.get("WhatId")
        who_id = row.get("WhoId")
        if what_id and what_id.startswith(self.schema.require("Account").key_prefix):
            account_id = what_id
        elif who_id and who_id.startswith(self.schema.require("Contact").key_prefix):
            found = self.store.connection.execute(
                'SELECT "AccountId" FROM "Contact" WHERE "Id" = ?', (who_id,)
            ).fetchone()
            account_id = found[0] if found else None
        row["AccountId"] = account_id


def _drop_matching_id(fields: dict[str, Any], record_id: str) -> dict[str, Any]:
    """Drop an `Id`/`id` key that names the record being updated (collections send it)."""
    result = {}
    for key, value in fields.items():
        if key.lower() == "id":
            if isinstance(value, str) and is_salesforce_id(value) and to_18(value) == record_id:
                continue
            raise RecordError(
                ErrorCode.INVALID_FIELD, "The Id field should not be specified in the sobject data."
            )
        result[key] = value
    return result


def _not_supported(schema: ObjectSchema, operation: str) -> RecordError:
    # NOTE: errorCode from SOAP's StatusCode list; the REST message is unconfirmed.
    message = f"entity type {schema.name} does not support {operation}"
    return RecordError(ErrorCode.INVALID_TYPE_FOR_OPERATION, message)
