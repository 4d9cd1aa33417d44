"""Opportunity contact roles: the primary role and Opportunity.ContactId move together.

Salesforce behaviour modelled here (Object Reference: Opportunity.ContactId,
OpportunityContactRole.IsPrimary):

- an Opportunity created with a ContactId gets, in the same save, an
  OpportunityContactRole for that contact with IsPrimary = true and no Role;
- an opportunity has only one primary role: a role saved with IsPrimary = true takes
  the flag from the others, and Opportunity.ContactId becomes the role's contact;
- Opportunity.ContactId is read-only after create and follows the primary role, so
  deleting the primary role, or clearing its IsPrimary, sets ContactId to null;
- a role saved with IsPrimary = false leaves ContactId as it is.

`align_seeded_roles` applies the same rules in SQL to rows that a seed wrote
straight into the tables, where no save hook ran.
"""

from __future__ import annotations

from typing import Any

from sfseg.sandbox.campaigns import RowWriter
from sfseg.sandbox.values import format_datetime

__all__ = ["ContactRoleRules", "align_seeded_roles"]

Row = dict[str, Any]

_ROLE = "OpportunityContactRole"


class ContactRoleRules:
    """The Opportunity and OpportunityContactRole hooks of one org."""

    def __init__(self, org: RowWriter) -> None:
        self._org = org

    @property
    def _db(self) -> Any:
        return self._org.store.connection

    def after_insert(self, sobject: str, row: Row) -> None:
        """Create the primary role of a new opportunity, or apply a new primary role."""
        if sobject == "Opportunity" and row.get("ContactId"):
            self._org.insert_system_row(_ROLE, {
                "OpportunityId": row["Id"], "ContactId": row["ContactId"],
                "IsPrimary": 1, "Role": None,
            })
        elif sobject == _ROLE and row.get("IsPrimary"):
            self._make_primary(row)

    def after_update(self, sobject: str, old: Row, row: Row) -> None:
        """Move ContactId when a role gains, keeps with a new contact, or loses IsPrimary."""
        if sobject != _ROLE:
            return
        if row.get("IsPrimary"):
            if not old.get("IsPrimary") or old.get("ContactId") != row.get("ContactId"):
                self._make_primary(row)
        elif old.get("IsPrimary"):
            self._set_contact(row["OpportunityId"], None)

    def after_delete(self, sobject: str, row: Row) -> None:
        """Clear ContactId when the primary role is deleted, but not on a deleted opportunity."""
        if sobject == _ROLE and row.get("IsPrimary"):
            self._set_contact(row["OpportunityId"], None)
        elif sobject == "Opportunity" and row.get("ContactId"):
            # Deleting an opportunity deletes its roles first, which cleared ContactId.
            # The deleted opportunity keeps the value it had, so it is written back.
            self._db.execute(
                'UPDATE "Opportunity" SET "ContactId" = ? WHERE "Id" = ?',
                (row["ContactId"], row["Id"]),
            )

    def _make_primary(self, role: Row) -> None:
        now = self._now()
        self._db.execute(
            f'UPDATE "{_ROLE}" SET "IsPrimary" = 0, "SystemModstamp" = ? '
            'WHERE "OpportunityId" = ? AND "Id" != ? AND "IsPrimary" = 1',
            (now, role["OpportunityId"], role["Id"]),
        )
        self._set_contact(role["OpportunityId"], role["ContactId"])

    def _set_contact(self, opportunity_id: str, contact_id: str | None) -> None:
        # NOTE: unconfirmed whether Salesforce moves SystemModstamp here. It is set
        # because a sync that reads SystemModstamp would otherwise miss the change.
        self._db.execute(
            'UPDATE "Opportunity" SET "ContactId" = ?, "SystemModstamp" = ? '
            'WHERE "Id" = ? AND "IsDeleted" = 0 AND "ContactId" IS NOT ?',
            (contact_id, self._now(), opportunity_id, contact_id),
        )

    def _now(self) -> str:
        return format_datetime(self._org.clock.now())


def align_seeded_roles(org: RowWriter) -> None:
    """Make seeded opportunities and roles follow the rules above. A second run
    changes nothing.

    A seed may carry Opportunity.ContactId, roles, or both. Each live opportunity
    keeps at most one primary role: the role for its ContactId, else the first one
    loaded. An opportunity with ContactId and no primary role gets its own role for
    that contact marked primary, or a new primary role when it has none. Last,
    ContactId is set to the primary role's contact.
    """
    connection = org.store.connection
    for statement in _DEMOTE_EXTRA_PRIMARIES, _PROMOTE_CONTACT_ROLE:
        connection.execute(statement)
    _add_missing_primaries(org)
    connection.execute(_CONTACT_FROM_PRIMARY)


# A primary role loses the flag when its opportunity has another primary role that
# ranks first: the one whose contact is Opportunity.ContactId, then the lower rowid.
_DEMOTE_EXTRA_PRIMARIES = """
UPDATE "OpportunityContactRole" AS r SET "IsPrimary" = 0
WHERE r."IsPrimary" = 1 AND r."IsDeleted" = 0 AND EXISTS (
  SELECT 1 FROM "OpportunityContactRole" o
  JOIN "Opportunity" p ON p."Id" = o."OpportunityId"
  WHERE o."OpportunityId" = r."OpportunityId" AND o."IsPrimary" = 1 AND o."IsDeleted" = 0
    AND o.rowid != r.rowid
    AND ((o."ContactId" IS p."ContactId") > (r."ContactId" IS p."ContactId")
      OR ((o."ContactId" IS p."ContactId") = (r."ContactId" IS p."ContactId")
          AND o.rowid < r.rowid)))
"""

# With ContactId and no primary role, the first role for that contact becomes primary.
_PROMOTE_CONTACT_ROLE = """
UPDATE "OpportunityContactRole" SET "IsPrimary" = 1
WHERE rowid IN (
  SELECT MIN(r.rowid) FROM "OpportunityContactRole" r
  JOIN "Opportunity" p ON p."Id" = r."OpportunityId" AND r."ContactId" = p."ContactId"
  WHERE r."IsDeleted" = 0 AND p."IsDeleted" = 0 AND NOT EXISTS (
    SELECT 1 FROM "OpportunityContactRole" o
    WHERE o."OpportunityId" = p."Id" AND o."IsPrimary" = 1 AND o."IsDeleted" = 0)
  GROUP BY r."OpportunityId")
"""

_WITHOUT_PRIMARY = """
SELECT p."Id", p."ContactId" FROM "Opportunity" p
WHERE p."ContactId" IS NOT NULL AND p."IsDeleted" = 0 AND NOT EXISTS (
  SELECT 1 FROM "OpportunityContactRole" o
  WHERE o."OpportunityId" = p."Id" AND o."IsPrimary" = 1 AND o."IsDeleted" = 0)
ORDER BY p."Id"
"""

_CONTACT_FROM_PRIMARY = """
UPDATE "Opportunity" AS p SET "ContactId" = (
  SELECT o."ContactId" FROM "OpportunityContactRole" o
  WHERE o."OpportunityId" = p."Id" AND o."IsPrimary" = 1 AND o."IsDeleted" = 0)
WHERE p."IsDeleted" = 0 AND p."ContactId" IS NOT (
  SELECT o."ContactId" FROM "OpportunityContactRole" o
  WHERE o."OpportunityId" = p."Id" AND o."IsPrimary" = 1 AND o."IsDeleted" = 0)
"""


def _add_missing_primaries(org: RowWriter) -> None:
    missing = org.store.connection.execute(_WITHOUT_PRIMARY).fetchall()
    for opportunity_id, contact_id in missing:
        org.insert_system_row(_ROLE, {
            "OpportunityId": opportunity_id, "ContactId": contact_id, "IsPrimary": 1,
        })
