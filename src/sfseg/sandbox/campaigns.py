"""Campaign semantics: member statuses, CampaignMember rules and Campaign roll-ups.

Salesforce behaviour modelled here (Object Reference: Campaign, CampaignMember,
CampaignMemberStatus):

- a new Campaign gets the statuses "Sent" (default) and "Responded" (responded);
- exactly one default status per campaign, labels unique per campaign; the default
  status, or one that members use, cannot be deleted;
- a CampaignMember is unique per campaign and Contact or Lead. With both ids only the
  ContactId is kept, and a converted lead is rejected. An unknown Status becomes the
  campaign's default, and HasResponded, FirstRespondedDate and Type follow the status;
- the Campaign roll-ups change by deltas as members and opportunities change, so a
  200-member write costs 200 small updates, not 200 recounts.

Roll-up definitions: NumberOfContacts and NumberOfLeads count members by kind (a
lead converted after it joined stays a lead member); NumberOfConvertedLeads counts
lead members whose lead is converted; NumberOfResponses counts responded contact
members plus responded members whose lead is not converted; the opportunity roll-ups
count Opportunities whose CampaignId (primary campaign source) is the campaign.
"""

from __future__ import annotations

from typing import Any, Protocol

from sfseg.sandbox.clock import Clock
from sfseg.sandbox.metadata import ErrorCode, RecordError
from sfseg.sandbox.standard_objects import MEMBER_COPIED_FIELDS, OPPORTUNITY_STAGES
from sfseg.sandbox.storage import OrgStore, quote
from sfseg.soql.ids import to_15

__all__ = ["DEFAULT_STATUSES", "CampaignRules", "RowWriter"]

Row = dict[str, Any]

# (Label, IsDefault, HasResponded, SortOrder) of every new campaign.
DEFAULT_STATUSES = (("Sent", True, False, 1), ("Responded", False, True, 2))

_MEMBER_ROLLUPS = ("NumberOfContacts", "NumberOfLeads", "NumberOfConvertedLeads",
                   "NumberOfResponses")
_OPPORTUNITY_ROLLUPS = ("NumberOfOpportunities", "NumberOfWonOpportunities",
                        "AmountAllOpportunities", "AmountWonOpportunities")

# Source columns of the member's copied fields, by member field name.
_CONTACT_SOURCES = {
    "Street": "MailingStreet", "City": "MailingCity", "State": "MailingState",
    "PostalCode": "MailingPostalCode", "Country": "MailingCountry",
}
_LEAD_SOURCES = {"CompanyOrAccount": "Company"}


class RowWriter(Protocol):
    """The org interface the rules use: the store, the clock and system inserts."""

    store: OrgStore
    clock: Clock

    def insert_system_row(self, sobject: str, values: Row) -> str:
        """Insert a row with Id, audit fields and defaults filled; return its id."""
        ...


class CampaignRules:
    """The Campaign, CampaignMember, CampaignMemberStatus and Opportunity hooks of one org."""

    def __init__(self, org: RowWriter) -> None:
        self._org = org

    @property
    def _db(self) -> Any:
        return self._org.store.connection

    # ------------------------------------------------------------ dispatch

    def before_insert(self, sobject: str, row: Row) -> None:
        """Check and complete a row about to be inserted (may raise RecordError)."""
        if sobject == "CampaignMember":
            self._member_before_insert(row)
        elif sobject == "CampaignMemberStatus":
            self._status_before_insert(row)

    def after_insert(self, sobject: str, row: Row) -> None:
        """Apply the effects of an inserted row on other rows."""
        if sobject == "Campaign":
            self._create_default_statuses(row["Id"])
        elif sobject == "CampaignMember":
            self._apply_delta(row["CampaignId"], self._member_contribution(row), +1)
        elif sobject == "CampaignMemberStatus" and row.get("IsDefault"):
            self._clear_other_defaults(row)
        elif sobject == "Opportunity":
            self._apply_delta(row.get("CampaignId"), _opportunity_contribution(row), +1)

    def before_update(self, sobject: str, old: Row, row: Row) -> None:
        """Check and complete a row about to be updated; `row` is old plus the changes."""
        if sobject == "CampaignMember":
            self._member_apply_status(row, old)
        elif sobject == "CampaignMemberStatus":
            self._status_before_update(old, row)

    def after_update(self, sobject: str, old: Row, row: Row) -> None:
        """Apply the effects of an updated row on other rows."""
        if sobject == "CampaignMember":
            self._apply_delta(old["CampaignId"], self._member_contribution(old), -1)
            self._apply_delta(row["CampaignId"], self._member_contribution(row), +1)
        elif sobject == "CampaignMemberStatus":
            self._status_after_update(old, row)
        elif sobject == "Opportunity":
            self._apply_delta(old.get("CampaignId"), _opportunity_contribution(old), -1)
            self._apply_delta(row.get("CampaignId"), _opportunity_contribution(row), +1)
        elif sobject in {"Contact", "Lead"}:
            self._refresh_member_copies(sobject, row)

    def before_delete(self, sobject: str, row: Row) -> None:
        """Reject a delete Salesforce rejects (may raise RecordError)."""
        if sobject == "CampaignMemberStatus":
            self._status_before_delete(row)

    def after_delete(self, sobject: str, row: Row) -> None:
        """Apply the effects of a deleted row on the roll-ups."""
        if sobject == "CampaignMember":
            self._apply_delta(row["CampaignId"], self._member_contribution(row), -1)
        elif sobject == "Opportunity":
            self._apply_delta(row.get("CampaignId"), _opportunity_contribution(row), -1)

    def after_lead_converted(self, lead_id: str) -> None:
        """Move the lead's memberships from unconverted to converted in the roll-ups."""
        members = self._db.execute(
            'SELECT * FROM "CampaignMember" WHERE "LeadId" = ? AND "IsDeleted" = 0', (lead_id,)
        )
        names = [column[0] for column in members.description]
        for values in members.fetchall():
            member = dict(zip(names, values, strict=True))
            before = self._member_contribution(member, converted=False)
            after = self._member_contribution(member, converted=True)
            self._apply_delta(member["CampaignId"], before, -1)
            self._apply_delta(member["CampaignId"], after, +1)

    # ------------------------------------------------------ member statuses

    def _create_default_statuses(self, campaign_id: str) -> None:
        for label, is_default, responded, order in DEFAULT_STATUSES:
            self._org.insert_system_row("CampaignMemberStatus", {
                "CampaignId": campaign_id, "Label": label, "IsDefault": int(is_default),
                "HasResponded": int(responded), "SortOrder": order,
            })

    def statuses(self, campaign_id: str) -> list[Row]:
        """Return the campaign's live statuses (Id, Label, IsDefault, HasResponded, SortOrder)."""
        cursor = self._db.execute(
            'SELECT "Id", "Label", "IsDefault", "HasResponded", "SortOrder" '
            'FROM "CampaignMemberStatus" WHERE "CampaignId" = ? AND "IsDeleted" = 0 '
            'ORDER BY "SortOrder"',
            (campaign_id,),
        )
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]

    def _status_before_insert(self, row: Row) -> None:
        existing = self.statuses(row["CampaignId"])
        self._check_status_unique(row, existing)
        if row.get("SortOrder") is None:
            row["SortOrder"] = max((s["SortOrder"] or 0 for s in existing), default=0) + 1
        if not existing:
            row["IsDefault"] = 1

    def _check_status_unique(self, row: Row, existing: list[Row]) -> None:
        for other in existing:
            if other["Id"] == row.get("Id"):
                continue
            if (other["Label"] or "").lower() == (row.get("Label") or "").lower():
                _raise_duplicate("Label", other["Id"])
            if row.get("SortOrder") is not None and other["SortOrder"] == row["SortOrder"]:
                _raise_duplicate("SortOrder", other["Id"])

    def _clear_other_defaults(self, row: Row) -> None:
        self._db.execute(
            'UPDATE "CampaignMemberStatus" SET "IsDefault" = 0 '
            'WHERE "CampaignId" = ? AND "Id" != ? AND "IsDefault" = 1',
            (row["CampaignId"], row["Id"]),
        )

    def _status_before_update(self, old: Row, row: Row) -> None:
        self._check_status_unique(row, self.statuses(row["CampaignId"]))
        if old["IsDefault"] and not row["IsDefault"]:
            # NOTE: Salesforce's exact errorCode for un-setting the default is unconfirmed.
            message = (
                "A campaign must have exactly one default member status: "
                "set another status as the default instead of clearing this one"
            )
            raise RecordError(ErrorCode.FIELD_INTEGRITY_EXCEPTION, message, ["IsDefault"])
        if old["HasResponded"] and not row["HasResponded"]:
            self._require_another_responded(old)

    def _require_another_responded(self, status: Row) -> None:
        others = [
            s for s in self.statuses(status["CampaignId"])
            if s["Id"] != status["Id"] and s["HasResponded"]
        ]
        if not others:
            # NOTE: errorCode unconfirmed; the rule is from the Object Reference (API 39.0+).
            message = (
                "A campaign must keep at least one member status with HasResponded = true: "
                "mark another status as responded first"
            )
            raise RecordError(ErrorCode.FIELD_INTEGRITY_EXCEPTION, message, ["HasResponded"])

    def _status_after_update(self, old: Row, row: Row) -> None:
        if row["IsDefault"] and not old["IsDefault"]:
            self._clear_other_defaults(row)
        if row["Label"] != old["Label"]:
            self._db.execute(
                'UPDATE "CampaignMember" SET "Status" = ? WHERE "CampaignId" = ? AND "Status" = ?',
                (row["Label"], row["CampaignId"], old["Label"]),
            )
        if bool(row["HasResponded"]) != bool(old["HasResponded"]):
            self._restate_members(row)

    def _restate_members(self, status: Row) -> None:
        """Set HasResponded of the members in `status` and recount the campaign's responses."""
        today = self._org.clock.today().isoformat()
        self._db.execute(
            'UPDATE "CampaignMember" SET "HasResponded" = ?, '
            '"FirstRespondedDate" = CASE WHEN ? = 1 THEN COALESCE("FirstRespondedDate", ?) '
            'ELSE "FirstRespondedDate" END '
            'WHERE "CampaignId" = ? AND "Status" = ? AND "IsDeleted" = 0',
            (status["HasResponded"], status["HasResponded"], today, status["CampaignId"],
             status["Label"]),
        )
        self.recount(status["CampaignId"])

    def _status_before_delete(self, row: Row) -> None:
        # NOTE: the errorCode for these two refusals is unconfirmed; the rules are documented.
        if row["IsDefault"]:
            message = (
                f"Can't delete member status '{row['Label']}': it is the campaign's default. "
                "Make another status the default first."
            )
            raise RecordError(ErrorCode.DELETE_FAILED, message)
        in_use = self._db.execute(
            'SELECT COUNT(*) FROM "CampaignMember" WHERE "CampaignId" = ? AND "Status" = ? '
            'AND "IsDeleted" = 0',
            (row["CampaignId"], row["Label"]),
        ).fetchone()[0]
        if in_use:
            message = (
                f"Can't delete member status '{row['Label']}': {in_use} campaign members use "
                "it. Move them to another status first."
            )
            raise RecordError(ErrorCode.DELETE_FAILED, message)
        if row["HasResponded"]:
            self._require_another_responded(row)

    # ------------------------------------------------------ campaign members

    def _member_before_insert(self, row: Row) -> None:
        if row.get("ContactId") and row.get("LeadId"):
            # Salesforce keeps only the ContactId when both are given.
            row["LeadId"] = None
        if not row.get("ContactId") and not row.get("LeadId"):
            # NOTE: message and fields unconfirmed; Salesforce requires one of the two.
            message = "Required fields are missing: [ContactId, LeadId]"
            raise RecordError(ErrorCode.REQUIRED_FIELD_MISSING, message, ["ContactId", "LeadId"])
        person = self._member_person(row)
        self._check_not_member(row)
        row["Type"] = "Contact" if row.get("ContactId") else "Lead"
        row["LeadOrContactId"] = row.get("ContactId") or row.get("LeadId")
        row["LeadOrContactOwnerId"] = person.get("OwnerId")
        row.update(_copied_fields(row["Type"], person, self._account_name(person)))
        self._member_apply_status(row, None)

    def _member_person(self, row: Row) -> Row:
        sobject, record_id = (
            ("Contact", row["ContactId"]) if row.get("ContactId") else ("Lead", row["LeadId"])
        )
        person = self._org.store.fetch_row(sobject, record_id) or {}
        if sobject == "Lead" and person.get("IsConverted"):
            raise RecordError(
                ErrorCode.CANNOT_UPDATE_CONVERTED_LEAD, "cannot reference converted lead", ["LeadId"]
            )
        return person

    def _account_name(self, person: Row) -> str | None:
        account_id = person.get("AccountId")
        if not account_id:
            return None
        found = self._db.execute(
            'SELECT "Name" FROM "Account" WHERE "Id" = ?', (account_id,)
        ).fetchone()
        return None if found is None else str(found[0])

    def _check_not_member(self, row: Row) -> None:
        column = "ContactId" if row.get("ContactId") else "LeadId"
        found = self._db.execute(
            f'SELECT "Id" FROM "CampaignMember" WHERE "CampaignId" = ? AND {quote(column)} = ? '
            'AND "IsDeleted" = 0 LIMIT 1',
            (row["CampaignId"], row[column]),
        ).fetchone()
        if found is not None:
            raise RecordError(ErrorCode.DUPLICATE_VALUE, "Already a campaign member.", [])

    def _member_apply_status(self, row: Row, old: Row | None) -> None:
        statuses = self.statuses(row["CampaignId"])
        wanted = row.get("Status")
        match = _find_status(statuses, wanted)
        if match is None:
            # An unknown label silently becomes the campaign's default.
            match = next((s for s in statuses if s["IsDefault"]), None)
        if match is None:
            row["HasResponded"] = 0
            return
        row["Status"] = match["Label"]
        row["HasResponded"] = int(bool(match["HasResponded"]))
        if row["HasResponded"] and not (old and old.get("FirstRespondedDate")):
            row["FirstRespondedDate"] = self._org.clock.today().isoformat()

    def _member_contribution(self, member: Row, converted: bool | None = None) -> Row:
        responded = int(bool(member.get("HasResponded")))
        if member.get("ContactId"):
            return {"NumberOfContacts": 1, "NumberOfResponses": responded}
        if converted is None:
            converted = self._lead_converted(member.get("LeadId"))
        return {
            "NumberOfLeads": 1,
            "NumberOfConvertedLeads": int(converted),
            "NumberOfResponses": 0 if converted else responded,
        }

    def _lead_converted(self, lead_id: str | None) -> bool:
        if not lead_id:
            return False
        found = self._db.execute(
            'SELECT "IsConverted" FROM "Lead" WHERE "Id" = ?', (lead_id,)
        ).fetchone()
        return bool(found and found[0])

    def _refresh_member_copies(self, sobject: str, person: Row) -> None:
        column = "ContactId" if sobject == "Contact" else "LeadId"
        copies = _copied_fields(sobject, person, self._account_name(person))
        copies["LeadOrContactOwnerId"] = person.get("OwnerId")
        assignments = ", ".join(f"{quote(name)} = ?" for name in copies)
        self._db.execute(
            f'UPDATE "CampaignMember" SET {assignments} WHERE {quote(column)} = ?',
            [*copies.values(), person["Id"]],
        )

    # ------------------------------------------------------------- roll-ups

    def _apply_delta(self, campaign_id: str | None, delta: Row, sign: int) -> None:
        changes = {name: value for name, value in delta.items() if value}
        if not campaign_id or not changes:
            return
        assignments = ", ".join(
            f"{quote(name)} = COALESCE({quote(name)}, 0) + ?" for name in changes
        )
        self._db.execute(
            f'UPDATE "Campaign" SET {assignments} WHERE "Id" = ?',
            [sign * value for value in changes.values()] + [campaign_id],
        )

    def recount(self, campaign_id: str | None = None) -> None:
        """Recompute the roll-ups from scratch (one campaign, or all when None).

        Used after bulk loads and status changes that touch many members at once.
        """
        where = 'WHERE c."Id" = ?' if campaign_id else ""
        parameters = (campaign_id,) if campaign_id else ()
        self._db.execute(_RECOUNT_SQL.format(where=where), parameters)


_RECOUNT_SQL = """
UPDATE "Campaign" AS c SET
  "NumberOfContacts" = (SELECT COUNT(*) FROM "CampaignMember" m
     WHERE m."CampaignId" = c."Id" AND m."IsDeleted" = 0 AND m."ContactId" IS NOT NULL),
  "NumberOfLeads" = (SELECT COUNT(*) FROM "CampaignMember" m
     WHERE m."CampaignId" = c."Id" AND m."IsDeleted" = 0 AND m."ContactId" IS NULL
       AND m."LeadId" IS NOT NULL),
  "NumberOfConvertedLeads" = (SELECT COUNT(*) FROM "CampaignMember" m JOIN "Lead" l
       ON l."Id" = m."LeadId"
     WHERE m."CampaignId" = c."Id" AND m."IsDeleted" = 0 AND m."ContactId" IS NULL
       AND l."IsConverted" = 1),
  "NumberOfResponses" = (SELECT COUNT(*) FROM "CampaignMember" m LEFT JOIN "Lead" l
       ON l."Id" = m."LeadId"
     WHERE m."CampaignId" = c."Id" AND m."IsDeleted" = 0 AND m."HasResponded" = 1
       AND (m."ContactId" IS NOT NULL OR COALESCE(l."IsConverted", 0) = 0)),
  "NumberOfOpportunities" = (SELECT COUNT(*) FROM "Opportunity" o
     WHERE o."CampaignId" = c."Id" AND o."IsDeleted" = 0),
  "NumberOfWonOpportunities" = (SELECT COUNT(*) FROM "Opportunity" o
     WHERE o."CampaignId" = c."Id" AND o."IsDeleted" = 0 AND o."IsWon" = 1),
  "AmountAllOpportunities" = (SELECT COALESCE(SUM(o."Amount"), 0) FROM "Opportunity" o
     WHERE o."CampaignId" = c."Id" AND o."IsDeleted" = 0),
  "AmountWonOpportunities" = (SELECT COALESCE(SUM(o."Amount"), 0) FROM "Opportunity" o
     WHERE o."CampaignId" = c."Id" AND o."IsDeleted" = 0 AND o."IsWon" = 1)
{where}
"""


def _find_status(statuses: list[Row], label: str | None) -> Row | None:
    if not label:
        return None
    for status in statuses:
        if status["Label"] == label:
            return status
    lowered = label.lower()
    for status in statuses:
        if (status["Label"] or "").lower() == lowered:
            return status
    return None


def _opportunity_contribution(row: Row) -> Row:
    amount = row.get("Amount") or 0.0
    stage = OPPORTUNITY_STAGES.get(row.get("StageName") or "")
    won = bool(row.get("IsWon")) if "IsWon" in row else bool(stage and stage.won)
    return {
        "NumberOfOpportunities": 1,
        "NumberOfWonOpportunities": int(won),
        "AmountAllOpportunities": amount,
        "AmountWonOpportunities": amount if won else 0.0,
    }


def _copied_fields(kind: str, person: Row, account_name: str | None) -> Row:
    sources = _CONTACT_SOURCES if kind == "Contact" else _LEAD_SOURCES
    copies: Row = {}
    for name in MEMBER_COPIED_FIELDS:
        if name == "CompanyOrAccount" and kind == "Contact":
            copies[name] = account_name
            continue
        copies[name] = person.get(sources.get(name, name))
        if name in {"DoNotCall", "HasOptedOutOfEmail", "HasOptedOutOfFax"}:
            copies[name] = int(bool(copies[name]))
    return copies


def _raise_duplicate(field: str, other_id: str) -> None:
    message = f"duplicate value found: {field} duplicates value on record with id: {to_15(other_id)}"
    raise RecordError(ErrorCode.DUPLICATE_VALUE, message, [field])
