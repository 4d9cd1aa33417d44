"""Customer ids as the caller gives them: parsing, normalising and folding repeats.

A customer id is a Salesforce record id (15 or 18 characters), an email address, or
the value of an external id field. `parse_customers` turns raw strings into one
entry per distinct customer, in first-seen order:

- ids become their 18-character form, so `003...15` and `003...18` fold together;
  a key prefix other than Contact (`003`) or Lead (`00Q`) is rejected as the wrong
  object, because only those two can be campaign members;
- emails are trimmed and lower-cased (Salesforce matches email fields
  case-insensitively);
- external id values are trimmed and kept as written.

Repeats keep the first occurrence and are listed, so every input line is accounted
for. Rejected values are listed with the reason; they are never sent to Salesforce.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from sfseg.soql import ids

__all__ = [
    "CONTACT",
    "LEAD",
    "MEMBER_KEY_PREFIXES",
    "CustomerKind",
    "CustomerSet",
    "InputError",
    "Rejected",
    "Repeat",
    "id_field_kind",
    "parse_customers",
    "read_customer_file",
]

CONTACT = "Contact"
LEAD = "Lead"

# Only Contacts and Leads can be campaign members (CampaignMember.ContactId / LeadId).
MEMBER_KEY_PREFIXES = {"003": CONTACT, "00Q": LEAD}

# Common key prefixes, so a wrong-object message can name the object.
_KNOWN_KEY_PREFIXES = {
    "001": "Account",
    "005": "User",
    "006": "Opportunity",
    "00D": "Organization",
    "00G": "Group",
    "00K": "OpportunityContactRole",
    "00T": "Task",
    "00U": "Event",
    "00v": "CampaignMember",
    "01Y": "CampaignMemberStatus",
    "500": "Case",
    "701": "Campaign",
}

# A deliberately loose shape check: one @, no spaces, a dot in the domain. It only
# tells an email apart from an id or an external id value, because Salesforce
# validates the address itself when the record is written.
_EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class InputError(ValueError):
    """Customer input that cannot be read at all (a missing file or CSV column).

    `hint` is the next step for the user, kept apart from the message so that the
    CLI prints it once on its own line.
    """

    # An error in the user's input, not an API failure: the error log leaves it out.
    user_input = True

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class CustomerKind(StrEnum):
    """The kind of value a customer id is, which decides how it is matched to a record."""

    CONTACT_ID = "contact_id"
    LEAD_ID = "lead_id"
    EMAIL = "email"
    EXTERNAL_ID = "external_id"


@dataclass(frozen=True, slots=True)
class Rejected:
    """An input value that is not sent to Salesforce, with the reason."""

    customer_id: str
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class Repeat:
    """A later occurrence of a customer already given; the first occurrence wins."""

    given: str
    customer_id: str


@dataclass(slots=True)
class CustomerSet:
    """Distinct customers in first-seen order, with what was rejected or folded.

    `customers` maps each normalised customer id to its kind; a dict keeps insertion
    order and stays compact for a million ids.
    """

    customers: dict[str, CustomerKind] = field(default_factory=dict)
    rejected: list[Rejected] = field(default_factory=list)
    repeats: list[Repeat] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.customers) + len(self.rejected)


def id_field_kind(id_field: str) -> str:
    """Return "auto", "id", "email" or "external" for an `--id-field` value.

    `Id` and `Email` are matched case-insensitively, as Salesforce field names are;
    anything else names an external id field.
    """
    lowered = id_field.strip().lower()
    if not lowered:
        msg = "the id field is empty"
        raise InputError(msg, "pass --id-field auto, Id, Email or the API name of an external id field")
    if lowered in ("auto", "id", "email"):
        return lowered
    return "external"


def parse_customers(values: Iterable[str], *, id_field: str = "auto") -> CustomerSet:
    """Normalise raw customer ids and fold repeats.

    Args:
        values: raw strings; blank ones are ignored.
        id_field: `auto` (ids by shape and key prefix, emails by shape), `Id`,
            `Email`, or the API name of an external id field.

    Returns:
        The distinct customers in first-seen order, the rejected values with their
        reasons, and the repeats.
    """
    kind = id_field_kind(id_field)
    result = CustomerSet()
    rejected_seen: set[str] = set()

    for raw in values:
        given = raw.strip()
        if not given:
            continue

        parsed = _parse_one(given, kind)
        if isinstance(parsed, Rejected):
            if parsed.customer_id in rejected_seen:
                result.repeats.append(Repeat(given, parsed.customer_id))
            else:
                rejected_seen.add(parsed.customer_id)
                result.rejected.append(parsed)
            continue

        customer_id, customer_kind = parsed
        if customer_id in result.customers:
            result.repeats.append(Repeat(given, customer_id))
        else:
            result.customers[customer_id] = customer_kind

    return result


def _parse_one(given: str, kind: str) -> tuple[str, CustomerKind] | Rejected:
    if kind == "external":
        return given, CustomerKind.EXTERNAL_ID
    if kind == "email":
        return _parse_email(given)
    if kind == "id":
        return _parse_id(given)

    if ids.is_salesforce_id(given):
        return _parse_id(given)
    if "@" in given:
        return _parse_email(given)
    return Rejected(
        given,
        "unrecognised",
        f"{given!r} is neither a Salesforce id nor an email address; "
        "pass --id-field with the external id field it belongs to",
    )


def _parse_id(given: str) -> tuple[str, CustomerKind] | Rejected:
    try:
        record_id = ids.to_18(given)
    except ids.InvalidIdError:
        return Rejected(
            given,
            "invalid_id",
            f"{given!r} is not a Salesforce id: expected 15 or 18 letters and digits "
            "with a valid checksum",
        )

    prefix = record_id[:3]
    sobject = MEMBER_KEY_PREFIXES.get(prefix)
    if sobject == CONTACT:
        return record_id, CustomerKind.CONTACT_ID
    if sobject == LEAD:
        return record_id, CustomerKind.LEAD_ID

    name = _KNOWN_KEY_PREFIXES.get(prefix, f"an object with key prefix {prefix!r}")
    return Rejected(
        record_id,
        "wrong_object",
        f"{record_id} is the id of {name}, not of a Contact (003) or Lead (00Q); "
        "only contacts and leads can be campaign members",
    )


def _parse_email(given: str) -> tuple[str, CustomerKind] | Rejected:
    email = given.lower()
    if _EMAIL_PATTERN.match(email):
        return email, CustomerKind.EMAIL
    return Rejected(given, "invalid_email", f"{given!r} is not an email address")


def read_customer_file(path: str | Path, *, column: str | None = None) -> Iterator[str]:
    """Yield customer ids from a file: one per line, or one CSV column by header name.

    Raises:
        InputError: the file cannot be read, or `column` is not in the CSV header.
    """
    file_path = Path(path)
    try:
        handle = file_path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        msg = f"cannot read customer file {str(file_path)!r}: {exc.strerror}"
        raise InputError(msg, "check the path, or pass the customer ids as arguments") from exc

    with handle:
        if column is None:
            for line in handle:
                yield line.strip()
            return

        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        if column not in header:
            msg = f"column {column!r} is not in the header of {str(file_path)!r}"
            columns = ", ".join(header)
            hint = f"pass --column with one of: {columns}" if columns else "give a CSV file whose first line is a header"
            raise InputError(msg, hint)
        for row in reader:
            yield row.get(column) or ""
