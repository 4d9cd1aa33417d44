"""Resolution: customer ids → the Contact or Lead that becomes the campaign member.

Always in bulk, never one query per customer. Up to `BULK_RESOLVE_THRESHOLD`
customers, the ids, emails or external id values go into `IN` lists, split into
queries of at most 2,000 values (one query page) and batched five to a Composite
request (`batched_queries`). Above it, one Bulk API 2.0 query per object reads the
needed columns of the whole object and the match is made locally.

Rules:
- Salesforce ids are looked up with queryAll, so a deleted record is reported as
  `deleted` rather than `not_found`.
- A converted lead is replaced by its `ConvertedContactId`; that contact is checked
  to exist.
- Emails and external id values match case-insensitively, as SOQL `=` and `IN` do on
  text fields.
- A customer matching several distinct records is `ambiguous`, with the candidates,
  unless a tie-break picks the newest or oldest record by `CreatedDate` (for a
  converted lead, the lead's `CreatedDate`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sfseg import soql
from sfseg.salesforce import SalesforceClient
from sfseg.segments.customers import CONTACT, LEAD, CustomerKind, InputError, id_field_kind
from sfseg.segments.plan import Resolved
from sfseg.segments.querying import QueryBatcher, field_in, in_chunks, not_null, select_query
from sfseg.soql import ids

__all__ = [
    "BULK_RESOLVE_THRESHOLD",
    "Resolution",
    "TieBreak",
    "Unresolved",
    "check_id_field",
    "resolve_customers",
]

# From this many customers, a Bulk query of the whole object and a local join cost
# fewer API calls than IN-list queries.
BULK_RESOLVE_THRESHOLD = 50_000


class TieBreak(StrEnum):
    """The rule that picks one of several matching records; without one, the customer is ambiguous."""

    NEWEST = "newest"
    OLDEST = "oldest"


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A customer that resolved to no member record, with the reason."""

    reason: str
    message: str
    candidates: tuple[str, ...] = ()


@dataclass(slots=True)
class Resolution:
    """Customers resolved to records, in input order, and the ones that did not resolve."""

    resolved: dict[str, Resolved] = field(default_factory=dict)
    unresolved: dict[str, Unresolved] = field(default_factory=dict)
    method: str = "rest"


@dataclass(frozen=True, slots=True)
class _Candidate:
    record_id: str
    sobject: str
    created: str
    converted_from: str | None = None


@dataclass(slots=True)
class _Matches:
    """Rows read back, keyed by the value they matched on."""

    contacts: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    leads: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    by_value: dict[str, list[_Candidate]] = field(default_factory=dict)
    converted: dict[str, str] = field(default_factory=dict)


def resolve_customers(
    client: SalesforceClient,
    customers: Mapping[str, CustomerKind],
    *,
    id_field: str = "auto",
    tie_break: TieBreak | None = None,
    method: str = "auto",
    bulk_threshold: int = BULK_RESOLVE_THRESHOLD,
) -> Resolution:
    """Resolve customers to Contact or Lead ids in bulk.

    Args:
        client: a connected client.
        customers: normalised customer id → kind, as `parse_customers` returns them.
        id_field: the external id field for `EXTERNAL_ID` customers.
        tie_break: pick among several matches instead of reporting `ambiguous`.
        method: `rest` (Composite-batched IN queries), `bulk` (Bulk query and local
            join) or `auto` (bulk from `bulk_threshold` customers).

    Raises:
        InputError: `id_field` is not an External ID or unique field of Contact or Lead.
    """
    use_bulk = method == "bulk" or (method == "auto" and len(customers) >= bulk_threshold)
    groups = _group(customers)
    external_objects = _external_objects(client, id_field) if groups[CustomerKind.EXTERNAL_ID] else ()

    matches = _Matches()
    reader = _BulkReader(customers, groups, client) if use_bulk else _RestReader(client)
    reader.read(groups, external_objects, id_field, matches)
    _check_converted_contacts(client, matches)

    resolution = Resolution(method="bulk" if use_bulk else "rest")
    for customer_id, kind in customers.items():
        outcome = _resolve_one(customer_id, kind, matches, tie_break)
        if isinstance(outcome, Resolved):
            resolution.resolved[customer_id] = outcome
        else:
            resolution.unresolved[customer_id] = outcome
    return resolution


def _group(customers: Mapping[str, CustomerKind]) -> dict[CustomerKind, list[str]]:
    groups: dict[CustomerKind, list[str]] = {kind: [] for kind in CustomerKind}
    for customer_id, kind in customers.items():
        groups[kind].append(customer_id)
    return groups


def _external_objects(client: SalesforceClient, id_field: str) -> tuple[tuple[str, str], ...]:
    """Return (object, field name as described) for each member object where the field can match."""
    return check_id_field(client, id_field)


_ID_FIELD_HINT = (
    "pass --id-field auto, Id, Email, or the API name of a Contact or Lead field that is "
    "an External ID or unique (see the object's fields in Setup)"
)


def check_id_field(client: SalesforceClient, id_field: str) -> tuple[tuple[str, str], ...]:
    """Check that a custom `--id-field` value can identify one customer, from describe.

    The field must exist on Contact or Lead, be filterable, and be an External ID or
    unique field there: any other field (such as `Name`) may match several records or
    none. `auto`, `Id` and `Email` need no check and return ().

    Returns:
        (object, field name as described) for each member object where the field qualifies.

    Raises:
        InputError: naming the value and the kinds of field that are accepted.
    """
    if id_field_kind(id_field) != "external":
        return ()
    name = id_field.strip()
    found: list[tuple[str, str]] = []
    seen: list[str] = []
    for sobject in (CONTACT, LEAD):
        described = client.describe(sobject).field(name)
        if described is None:
            continue
        seen.append(f"{sobject}.{described.name}")
        if described.filterable and (described.external_id or described.unique):
            found.append((sobject, described.name))
    if found:
        return tuple(found)
    if not seen:
        msg = f"--id-field {name!r} is not a field of Contact or Lead"
    else:
        msg = (f"--id-field {name!r} cannot identify a customer: {' and '.join(seen)} "
               "is neither a filterable External ID nor a unique field")  # fmt: skip
    raise InputError(msg, _ID_FIELD_HINT)


# --- REST reading ---------------------------------------------------------------

_CONTACT_ID_FIELDS = ("Id", "IsDeleted", "CreatedDate")
_LEAD_ID_FIELDS = ("Id", "IsDeleted", "IsConverted", "ConvertedContactId", "CreatedDate")
_CONTACT_MATCH_FIELDS = ("Id", "CreatedDate")
_LEAD_MATCH_FIELDS = ("Id", "IsConverted", "ConvertedContactId", "CreatedDate")


class _RestReader:
    def __init__(self, client: SalesforceClient) -> None:
        self.batcher = QueryBatcher(client)

    def read(
        self,
        groups: Mapping[CustomerKind, list[str]],
        external_objects: Sequence[tuple[str, str]],
        id_field: str,
        matches: _Matches,
    ) -> None:
        batcher = self.batcher
        for chunk in in_chunks(groups[CustomerKind.CONTACT_ID]):
            query = select_query(CONTACT, _CONTACT_ID_FIELDS, field_in("Id", chunk))
            batcher.add(query, _collect_ids(matches.contacts), include_deleted=True)
        for chunk in in_chunks(groups[CustomerKind.LEAD_ID]):
            query = select_query(LEAD, _LEAD_ID_FIELDS, field_in("Id", chunk))
            batcher.add(query, _collect_ids(matches.leads), include_deleted=True)
        for chunk in in_chunks(groups[CustomerKind.EMAIL]):
            for sobject, fields in ((CONTACT, _CONTACT_MATCH_FIELDS), (LEAD, _LEAD_MATCH_FIELDS)):
                query = select_query(sobject, (*fields, "Email"), field_in("Email", chunk))
                batcher.add(query, _collect_values(matches, sobject, "Email"))
        for chunk in in_chunks(groups[CustomerKind.EXTERNAL_ID]):
            for sobject, name in external_objects:
                fields = _CONTACT_MATCH_FIELDS if sobject == CONTACT else _LEAD_MATCH_FIELDS
                query = select_query(sobject, (*fields, name), field_in(name, chunk))
                batcher.add(query, _collect_values(matches, sobject, name))
        batcher.run()


def _collect_ids(target: dict[str, Mapping[str, Any]]) -> Callable[[Mapping[str, Any]], None]:
    def collect(record: Mapping[str, Any]) -> None:
        target[str(record["Id"])] = record

    return collect


def _collect_values(
    matches: _Matches, sobject: str, field_name: str
) -> Callable[[Mapping[str, Any]], None]:
    def collect(record: Mapping[str, Any]) -> None:
        value = record.get(field_name)
        if value is None:
            return
        candidate = _candidate(record, sobject, matches)
        if candidate is not None:
            matches.by_value.setdefault(str(value).lower(), []).append(candidate)

    return collect


def _candidate(record: Mapping[str, Any], sobject: str, matches: _Matches) -> _Candidate | None:
    record_id = str(record["Id"])
    created = _created_key(record.get("CreatedDate"))
    if sobject == LEAD and _truthy(record.get("IsConverted")):
        contact_id = record.get("ConvertedContactId")
        if not contact_id:
            return None
        matches.converted[record_id] = ids.to_18(str(contact_id))
        return _Candidate(ids.to_18(str(contact_id)), CONTACT, created, converted_from=record_id)
    return _Candidate(record_id, sobject, created)


# --- Bulk reading ---------------------------------------------------------------


class _BulkReader:
    """Reads whole objects with Bulk API 2.0 queries and keeps only the rows asked for.

    Membership is checked against the customers mapping itself, so a million ids are
    not copied into another set.
    """

    def __init__(self, customers: Mapping[str, CustomerKind], groups: Mapping[CustomerKind, list[str]],
                 client: SalesforceClient) -> None:  # fmt: skip
        self.client = client
        self.customers = customers
        # External id values keep their case as given, but match case-insensitively.
        self.external_values = {v.lower() for v in groups[CustomerKind.EXTERNAL_ID]}

    def _wanted(self, value: str) -> bool:
        return value in self.customers or value in self.external_values

    def read(
        self,
        groups: Mapping[CustomerKind, list[str]],
        external_objects: Sequence[tuple[str, str]],
        id_field: str,
        matches: _Matches,
    ) -> None:
        if groups[CustomerKind.CONTACT_ID]:
            self._read_ids(CONTACT, _CONTACT_ID_FIELDS, matches.contacts)
        if groups[CustomerKind.LEAD_ID]:
            self._read_ids(LEAD, _LEAD_ID_FIELDS, matches.leads)
        if groups[CustomerKind.EMAIL]:
            self._read_values(CONTACT, _CONTACT_MATCH_FIELDS, "Email", matches)
            self._read_values(LEAD, _LEAD_MATCH_FIELDS, "Email", matches)
        if groups[CustomerKind.EXTERNAL_ID]:
            for sobject, name in external_objects:
                fields = _CONTACT_MATCH_FIELDS if sobject == CONTACT else _LEAD_MATCH_FIELDS
                self._read_values(sobject, fields, name, matches)

    def _read_ids(
        self, sobject: str, fields: Sequence[str], target: dict[str, Mapping[str, Any]]
    ) -> None:
        query = soql.render(select_query(sobject, fields, None))
        for record in self.client.bulk2.query(query, include_deleted=True):
            record_id = str(record["Id"])
            if record_id in self.customers:
                target[record_id] = record

    def _read_values(
        self, sobject: str, fields: Sequence[str], field_name: str, matches: _Matches
    ) -> None:
        query = soql.render(select_query(sobject, (*fields, field_name), not_null(field_name)))
        collect = _collect_values(matches, sobject, field_name)
        for record in self.client.bulk2.query(query):
            value = record.get(field_name)
            if value is not None and self._wanted(str(value).lower()):
                collect(record)


# --- Converted leads --------------------------------------------------------------


def _check_converted_contacts(client: SalesforceClient, matches: _Matches) -> None:
    """Read the contacts of converted leads that no earlier query returned."""
    for record in matches.leads.values():
        if _truthy(record.get("IsConverted")) and record.get("ConvertedContactId"):
            matches.converted[str(record["Id"])] = ids.to_18(str(record["ConvertedContactId"]))

    missing = sorted(set(matches.converted.values()) - set(matches.contacts))
    if not missing:
        return
    batcher = QueryBatcher(client)
    for chunk in in_chunks(missing):
        query = select_query(CONTACT, _CONTACT_ID_FIELDS, field_in("Id", chunk))
        batcher.add(query, _collect_ids(matches.contacts), include_deleted=True)
    batcher.run()


# --- Joining --------------------------------------------------------------------

# Shared instances: a million unknown ids must not mean a million message strings.
_NO_CONTACT = Unresolved("not_found", "no Contact has this id (or it is not visible to the user)")
_NO_LEAD = Unresolved("not_found", "no Lead has this id (or it is not visible to the user)")
_NO_EMAIL_MATCH = Unresolved("not_found", "no Contact or Lead has this email")
_NO_VALUE_MATCH = Unresolved("not_found", "no Contact or Lead has this external id value")


def _resolve_one(
    customer_id: str, kind: CustomerKind, matches: _Matches, tie_break: TieBreak | None
) -> Resolved | Unresolved:
    if kind is CustomerKind.CONTACT_ID:
        return _resolve_contact_id(customer_id, matches)
    if kind is CustomerKind.LEAD_ID:
        return _resolve_lead_id(customer_id, matches)

    candidates = _distinct(matches.by_value.get(customer_id.lower(), ()))
    candidates = [c for c in candidates if _contact_alive(c, matches)]
    if not candidates:
        return _NO_EMAIL_MATCH if kind is CustomerKind.EMAIL else _NO_VALUE_MATCH
    if len(candidates) == 1:
        return _resolved(candidates[0])
    if tie_break is None:
        listed = ", ".join(f"{c.sobject} {c.record_id}" for c in candidates)
        return Unresolved(
            "ambiguous",
            f"{customer_id!r} matches {len(candidates)} records ({listed}); pass one id, "
            "or choose a tie-break (newest or oldest)",
            tuple(c.record_id for c in candidates),
        )
    ordered = sorted(candidates, key=lambda c: (c.created, c.record_id))
    pick = ordered[-1] if tie_break is TieBreak.NEWEST else ordered[0]
    return _resolved(pick)


def _resolved(candidate: _Candidate) -> Resolved:
    return Resolved(candidate.record_id, candidate.sobject, candidate.converted_from)


def _resolve_contact_id(record_id: str, matches: _Matches) -> Resolved | Unresolved:
    record = matches.contacts.get(record_id)
    if record is None:
        return _NO_CONTACT
    if _truthy(record.get("IsDeleted")):
        return Unresolved("deleted", f"Contact {record_id} is deleted (in the recycle bin)")
    return Resolved(record_id, CONTACT)


def _resolve_lead_id(record_id: str, matches: _Matches) -> Resolved | Unresolved:
    record = matches.leads.get(record_id)
    if record is None:
        return _NO_LEAD
    if _truthy(record.get("IsDeleted")):
        return Unresolved("deleted", f"Lead {record_id} is deleted (in the recycle bin)")
    if not _truthy(record.get("IsConverted")):
        return Resolved(record_id, LEAD)

    contact_id = matches.converted.get(record_id)
    if contact_id is None:
        return Unresolved("converted", f"Lead {record_id} is converted but has no converted contact")
    contact = matches.contacts.get(contact_id)
    if contact is None or _truthy(contact.get("IsDeleted")):
        return Unresolved(
            "converted",
            f"Lead {record_id} was converted to Contact {contact_id}, which is deleted or not found",
        )
    return Resolved(contact_id, CONTACT, converted_from=record_id)


def _contact_alive(candidate: _Candidate, matches: _Matches) -> bool:
    """False for a converted lead's contact known to be deleted."""
    if candidate.sobject != CONTACT or candidate.record_id not in matches.contacts:
        return True
    return not _truthy(matches.contacts[candidate.record_id].get("IsDeleted"))


def _distinct(candidates: Iterable[_Candidate]) -> list[_Candidate]:
    seen: dict[str, _Candidate] = {}
    for candidate in candidates:
        seen.setdefault(candidate.record_id, candidate)
    return list(seen.values())


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


def _created_key(value: Any) -> str:
    # REST rows carry the wire text (fixed width UTC, so text order is time order);
    # Bulk rows may arrive typed.
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    return "" if value is None else str(value)
