"""Set, in SQL, the fields Salesforce derives on save, after a seed was bulk-loaded:
names, Opportunity stage flags, Case/Task closure, Event times, activity accounts,
Campaign member statuses and member fields, the primary opportunity contact roles
with Opportunity.ContactId, and the Campaign roll-ups.

Each statement touches only rows whose derived value is missing or out of date, so
running `finalize` twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sfseg.sandbox.campaigns import DEFAULT_STATUSES
from sfseg.sandbox.contact_roles import align_seeded_roles
from sfseg.sandbox.standard_objects import (
    CLOSED_CASE_STATUSES,
    CLOSED_TASK_STATUSES,
    MEMBER_COPIED_FIELDS,
    OPPORTUNITY_STAGES,
)
from sfseg.sandbox.storage import quote
from sfseg.sandbox.values import format_datetime

if TYPE_CHECKING:
    from sfseg.sandbox.org import Org

__all__ = ["ensure_default_statuses", "finalize", "set_last_activity_dates"]


def _sql_literal(value: object) -> str:
    if isinstance(value, bool | int):
        return str(int(value))
    return "'" + str(value).replace("'", "''") + "'"


def _sql_list(values: Iterable[str]) -> str:
    return ", ".join(_sql_literal(value) for value in values)


def _stage_case(attribute: str, default: str) -> str:
    branches = " ".join(
        f"WHEN {_sql_literal(name)} THEN {_sql_literal(getattr(stage, attribute))}"
        for name, stage in OPPORTUNITY_STAGES.items()
    )
    return f'CASE "StageName" {branches} ELSE {default} END'


def _person_names() -> list[str]:
    return [
        f'UPDATE {quote(table)} SET "Name" = TRIM(COALESCE("FirstName", \'\') || \' \' || '
        f'"LastName") WHERE "Name" IS NULL'
        for table in ("Contact", "Lead", "User")
    ]


def _opportunity() -> list[str]:
    won = _stage_case("won", "0")
    closed = _stage_case("closed", "0")
    probability = _stage_case("probability", "NULL")
    forecast = _stage_case("forecast", "NULL")
    return [
        f'UPDATE "Opportunity" SET "IsWon" = {won}, "IsClosed" = {closed}',
        f'UPDATE "Opportunity" SET "Probability" = {probability} WHERE "Probability" IS NULL',
        f'UPDATE "Opportunity" SET "ForecastCategoryName" = {forecast} '
        'WHERE "ForecastCategoryName" IS NULL',
        'UPDATE "Opportunity" SET "ExpectedRevenue" = ROUND("Amount" * "Probability" / 100.0, 2), '
        '"FiscalYear" = CAST(substr("CloseDate", 1, 4) AS INTEGER), '
        '"FiscalQuarter" = (CAST(substr("CloseDate", 6, 2) AS INTEGER) + 2) / 3 '
        'WHERE "CloseDate" IS NOT NULL',
    ]


def _cases_and_tasks() -> list[str]:
    closed_cases = _sql_list(CLOSED_CASE_STATUSES)
    closed_tasks = _sql_list(CLOSED_TASK_STATUSES)
    return [
        f'UPDATE "Case" SET "IsClosed" = ("Status" IN ({closed_cases}))',
        'UPDATE "Case" SET "ClosedDate" = "LastModifiedDate" '
        'WHERE "IsClosed" = 1 AND "ClosedDate" IS NULL',
        'UPDATE "Case" SET "CaseNumber" = printf(\'%08d\', rowid) WHERE "CaseNumber" IS NULL',
        f'UPDATE "Task" SET "IsClosed" = ("Status" IN ({closed_tasks})), '
        '"IsHighPriority" = ("Priority" = \'High\')',
    ]


def _events() -> list[str]:
    return [
        'UPDATE "Event" SET "StartDateTime" = COALESCE("StartDateTime", "ActivityDateTime"), '
        '"ActivityDateTime" = COALESCE("ActivityDateTime", "StartDateTime")',
        'UPDATE "Event" SET "DurationInMinutes" = COALESCE("DurationInMinutes", 0) '
        'WHERE "StartDateTime" IS NOT NULL',
        'UPDATE "Event" SET "EndDateTime" = strftime(\'%Y-%m-%dT%H:%M:%S.000+0000\', '
        'substr("StartDateTime", 1, 19), \'+\' || "DurationInMinutes" || \' minutes\') '
        'WHERE "EndDateTime" IS NULL AND "StartDateTime" IS NOT NULL',
        'UPDATE "Event" SET "ActivityDate" = substr("StartDateTime", 1, 10), '
        '"EndDate" = substr("EndDateTime", 1, 10) WHERE "StartDateTime" IS NOT NULL',
    ]


def _activity_accounts() -> list[str]:
    return [
        f'UPDATE {quote(table)} SET "AccountId" = CASE '
        "WHEN substr(\"WhatId\", 1, 3) = '001' THEN \"WhatId\" "
        'ELSE (SELECT c."AccountId" FROM "Contact" c WHERE c."Id" = '
        f'{quote(table)}."WhoId") END WHERE "AccountId" IS NULL'
        for table in ("Task", "Event")
    ]


def _last_activity() -> list[str]:
    """LastActivityDate: the latest due date of an event or a closed task on the record."""
    activities = (
        'SELECT "WhoId" AS who, "AccountId" AS account, "ActivityDate" AS day FROM "Task" '
        'WHERE "IsClosed" = 1 AND "IsDeleted" = 0 AND "ActivityDate" IS NOT NULL '
        'UNION ALL SELECT "WhoId", "AccountId", "ActivityDate" FROM "Event" '
        'WHERE "IsDeleted" = 0 AND "ActivityDate" IS NOT NULL'
    )
    statements = []
    for table, column in (("Contact", "who"), ("Lead", "who"), ("Account", "account")):
        statements.append(
            f'UPDATE {quote(table)} SET "LastActivityDate" = latest.day FROM '
            f'(SELECT {column} AS id, MAX(day) AS day FROM ({activities}) '
            f'WHERE {column} IS NOT NULL GROUP BY {column}) AS latest '
            f'WHERE {quote(table)}."Id" = latest.id'
        )
    return statements


def _members() -> list[str]:
    status_of = (
        'SELECT {column} FROM "CampaignMemberStatus" s WHERE s."CampaignId" = '
        '"CampaignMember"."CampaignId" AND s."IsDeleted" = 0 AND {condition}'
    )
    default_label = status_of.format(column='s."Label"', condition='s."IsDefault" = 1')
    exists = status_of.format(column="1", condition='s."Label" = "CampaignMember"."Status"')
    responded = status_of.format(column='s."HasResponded"',
                                 condition='s."Label" = "CampaignMember"."Status"')
    contact_copies = _copies("Contact")
    lead_copies = _copies("Lead")
    return [
        'UPDATE "CampaignMember" SET "LeadId" = NULL '
        'WHERE "ContactId" IS NOT NULL AND "LeadId" IS NOT NULL AND "Type" IS NULL',
        f'UPDATE "CampaignMember" SET "Status" = ({default_label}) '
        f'WHERE NOT EXISTS ({exists}) AND ({default_label}) IS NOT NULL',
        f'UPDATE "CampaignMember" SET "HasResponded" = COALESCE(({responded}), 0), '
        "\"Type\" = CASE WHEN \"ContactId\" IS NOT NULL THEN 'Contact' ELSE 'Lead' END, "
        '"LeadOrContactId" = COALESCE("ContactId", "LeadId")',
        'UPDATE "CampaignMember" SET "FirstRespondedDate" = substr("CreatedDate", 1, 10) '
        'WHERE "HasResponded" = 1 AND "FirstRespondedDate" IS NULL',
        contact_copies,
        lead_copies,
    ]


def _copies(kind: str) -> str:
    sources = {"Street": "MailingStreet", "City": "MailingCity", "State": "MailingState",
               "PostalCode": "MailingPostalCode", "Country": "MailingCountry"}
    if kind == "Lead":
        sources = {"CompanyOrAccount": "Company"}
    targets = []
    expressions = []
    for name in MEMBER_COPIED_FIELDS:
        if name == "CompanyOrAccount" and kind == "Contact":
            expressions.append('(SELECT a."Name" FROM "Account" a WHERE a."Id" = p."AccountId")')
        else:
            expressions.append(f'p.{quote(sources.get(name, name))}')
        targets.append(quote(name))
    targets.append('"LeadOrContactOwnerId"')
    expressions.append('p."OwnerId"')
    column = "ContactId" if kind == "Contact" else "LeadId"
    return (
        f'UPDATE "CampaignMember" SET ({", ".join(targets)}) = '
        f'(SELECT {", ".join(expressions)} FROM {quote(kind)} p '
        f'WHERE p."Id" = "CampaignMember".{quote(column)}) '
        f'WHERE {quote(column)} IS NOT NULL AND "Type" = \'{kind}\''
    )


def ensure_default_statuses(org: Org) -> None:
    """Give every campaign without member statuses "Sent" (default) and "Responded"."""
    connection = org.store.connection
    campaigns = [row[0] for row in connection.execute(
        'SELECT c."Id" FROM "Campaign" c WHERE NOT EXISTS (SELECT 1 FROM '
        '"CampaignMemberStatus" s WHERE s."CampaignId" = c."Id")'
    ).fetchall()]
    if not campaigns:
        return
    schema = org.schema.require("CampaignMemberStatus")
    ids = iter(org.store.new_ids(schema, len(campaigns) * len(DEFAULT_STATUSES)))
    now = format_datetime(org.clock.now())
    user = org.default_user_id
    rows = [
        (next(ids), campaign, label, int(is_default), int(responded), order, 0, now, now, now,
         user, user)
        for campaign in campaigns
        for label, is_default, responded, order in DEFAULT_STATUSES
    ]
    org.store.insert_many("CampaignMemberStatus", (
        "Id", "CampaignId", "Label", "IsDefault", "HasResponded", "SortOrder", "IsDeleted",
        "CreatedDate", "LastModifiedDate", "SystemModstamp", "CreatedById", "LastModifiedById",
    ), rows)


def _status_repairs() -> list[str]:
    return [
        # Number statuses that came without a SortOrder after the campaign's others.
        'UPDATE "CampaignMemberStatus" SET "SortOrder" = (SELECT COUNT(*) FROM '
        '"CampaignMemberStatus" o WHERE o."CampaignId" = "CampaignMemberStatus"."CampaignId" '
        'AND o.rowid <= "CampaignMemberStatus".rowid) WHERE "SortOrder" IS NULL',
        # A campaign without a default gets its first status as the default.
        'UPDATE "CampaignMemberStatus" SET "IsDefault" = 1 WHERE rowid IN (SELECT MIN(s.rowid) '
        'FROM "CampaignMemberStatus" s WHERE s."IsDeleted" = 0 GROUP BY s."CampaignId" '
        'HAVING SUM(s."IsDefault") = 0)',
    ]


def set_last_activity_dates(org: Org) -> None:
    """Compute LastActivityDate of contacts, leads and accounts from their activities."""
    with org.store.lock:
        for statement in _last_activity():
            org.store.connection.execute(statement)


def finalize(org: Org) -> None:
    """Derive what Salesforce computes on save for every loaded row, align the primary
    opportunity contact roles with Opportunity.ContactId, then recount the Campaign roll-ups."""
    ensure_default_statuses(org)
    statements = [
        *_person_names(), *_opportunity(), *_cases_and_tasks(), *_events(),
        *_activity_accounts(), *_last_activity(), *_status_repairs(), *_members(),
    ]
    with org.store.lock:
        for statement in statements:
            org.store.connection.execute(statement)
        align_seeded_roles(org)
        org.campaigns.recount()
