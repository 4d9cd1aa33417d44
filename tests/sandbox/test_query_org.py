"""A small deterministic org for the query tests, and checks that it is what they assume."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from sfseg.sandbox.clock import FixedClock
from sfseg.sandbox.metadata import FieldSchema, FieldType, PicklistValue
from sfseg.sandbox.org import Org
from sfseg.sandbox.query import QueryEngine

API_VERSION = "66.0"
# Wednesday 15 May 2024, noon UTC: the sandbox clock in every query test.
NOW = dt.datetime(2024, 5, 15, 12, 0, tzinfo=dt.UTC)


@dataclass
class QueryOrg:
    """The org, its engine and the ids of the records the tests name."""

    org: Org
    engine: QueryEngine
    clock: FixedClock
    ids: dict[str, str] = field(default_factory=dict)

    def query(
        self, soql: str, *, include_deleted: bool = False, batch_size: int = 2000
    ) -> dict[str, Any]:
        return self.engine.execute(
            soql, include_deleted=include_deleted, api_version=API_VERSION, batch_size=batch_size
        )

    def records(self, soql: str, **options: Any) -> list[dict[str, Any]]:
        return list(self.query(soql, **options)["records"])

    def values(self, soql: str, key: str = "Id", **options: Any) -> list[Any]:
        return [record[key] for record in self.records(soql, **options)]


def _add_custom_fields(org: Org) -> None:
    contact = org.schema.require("Contact")
    contact.add_field(
        FieldSchema(
            "Interests__c",
            "Interests",
            FieldType.MULTIPICKLIST,
            custom=True,
            groupable=False,
            sortable=False,
            picklist_values=(
                PicklistValue("GOLF", "Golf"),
                PicklistValue("TENNIS", "Tennis"),
                PicklistValue("CHESS", "Chess"),
            ),
        )
    )
    contact.add_field(
        FieldSchema(
            "Tier__c",
            "Tier",
            FieldType.PICKLIST,
            custom=True,
            picklist_values=(PicklistValue("G", "Gold"), PicklistValue("S", "Silver")),
        )
    )
    contact.add_field(
        FieldSchema(
            "Code__c",
            "Code",
            FieldType.STRING,
            length=20,
            custom=True,
            unique=True,
            external_id=True,
            case_sensitive=True,
        )
    )
    org.store.ensure_table(contact)


def build_org(**engine_options: Any) -> QueryOrg:
    """Accounts Acme (Technology) and Globex, five contacts (one deleted), two leads,
    opportunities with cent amounts, a campaign with members, and two tasks."""
    clock = FixedClock(NOW)
    org = Org.open(clock=clock)
    _add_custom_fields(org)
    ids: dict[str, str] = {}

    def create(key: str, sobject: str, fields: dict[str, Any], at: dt.datetime = NOW) -> None:
        clock.set(at)
        ids[key] = org.create(sobject, fields)

    create("acme", "Account", {"Name": "Acme", "Industry": "Technology", "NumberOfEmployees": 120})
    create("globex", "Account", {"Name": "Globex", "NumberOfEmployees": 30})
    create(
        "jane",
        "Contact",
        {
            "FirstName": "Jane",
            "LastName": "Smith",
            "Email": "Jane.Smith@Example.org",
            "AccountId": ids["acme"],
            "Birthdate": "1990-05-15",
            "LeadSource": "Web",
            "Interests__c": "GOLF;TENNIS",
            "MailingCity": "Paris",
            "MailingCountry": "France",
            "MailingLatitude": 48.8566,
            "MailingLongitude": 2.3522,
            "Tier__c": "G",
            "Code__c": "AbC",
            "HasOptedOutOfEmail": True,
        },
        at=dt.datetime(2024, 5, 15, 8, 30, tzinfo=dt.UTC),
    )
    create(
        "john",
        "Contact",
        {
            "FirstName": "John",
            "LastName": "smith",
            "Email": "john@example.org",
            "AccountId": ids["acme"],
            "Birthdate": "1985-01-31",
            "LeadSource": "Phone Inquiry",
            "Interests__c": "CHESS",
            "MailingLatitude": 51.5074,
            "MailingLongitude": -0.1278,
        },
        at=dt.datetime(2024, 5, 14, 23, 59, tzinfo=dt.UTC),
    )
    create(
        "zoe",
        "Contact",
        {
            "FirstName": "Zoë",
            "LastName": "Ångström",
            "Email": "zoe@example.org",
            "AccountId": ids["globex"],
            "Birthdate": "2000-12-01",
            "LeadSource": "Web",
        },
        at=dt.datetime(2024, 4, 1, 0, 0, tzinfo=dt.UTC),
    )
    create(
        "max",
        "Contact",
        {"LastName": "100%_Max", "Title": "C:\\Temp"},
        at=dt.datetime(2023, 12, 31, 23, 0, tzinfo=dt.UTC),
    )
    create("gone", "Contact", {"LastName": "Gone", "AccountId": ids["globex"]})
    org.delete("Contact", ids["gone"])
    create(
        "lead_a",
        "Lead",
        {"LastName": "Lee", "Company": "Initech", "Status": "Open - Not Contacted"},
    )
    create(
        "lead_b",
        "Lead",
        {"LastName": "Ray", "Company": "Umbrella", "Status": "Working - Contacted"},
    )
    for key, amount, stage, close in (
        ("opp1", 0.1, "Prospecting", "2024-05-01"),
        ("opp2", 0.2, "Prospecting", "2024-06-30"),
        ("opp3", 0.3, "Closed Won", "2023-11-15"),
    ):
        create(
            key,
            "Opportunity",
            {
                "Name": key,
                "AccountId": ids["acme"],
                "Amount": amount,
                "StageName": stage,
                "CloseDate": close,
            },
        )
    create(
        "opp4",
        "Opportunity",
        {
            "Name": "opp4",
            "AccountId": ids["globex"],
            "Amount": 1000,
            "StageName": "Closed Won",
            "CloseDate": "2024-05-15",
        },
    )
    create("spring", "Campaign", {"Name": "Spring Launch"})
    create("member_jane", "CampaignMember", {"CampaignId": ids["spring"], "ContactId": ids["jane"]})
    create("member_lee", "CampaignMember", {"CampaignId": ids["spring"], "LeadId": ids["lead_a"]})
    create(
        "task_jane", "Task", {"Subject": "Call Jane", "WhoId": ids["jane"], "WhatId": ids["acme"]}
    )
    create(
        "task_lee", "Task", {"Subject": "Email Lee", "WhoId": ids["lead_a"], "WhatId": ids["opp1"]}
    )
    clock.set(NOW)
    return QueryOrg(org, QueryEngine(org, **engine_options), clock, ids)


@pytest.fixture(scope="module")
def query_org() -> Iterator[QueryOrg]:
    built = build_org()
    yield built
    built.org.close()


def test_org_has_four_live_contacts(query_org: QueryOrg) -> None:
    """The fixture's contact count is what the other query tests assume."""
    assert query_org.query("SELECT COUNT() FROM Contact")["totalSize"] == 4


def test_org_keeps_deleted_contact(query_org: QueryOrg) -> None:
    """queryAll counts the deleted contact."""
    assert query_org.query("SELECT COUNT() FROM Contact", include_deleted=True)["totalSize"] == 5


def test_org_lists_four_live_contacts(query_org: QueryOrg) -> None:
    """An unfiltered record query counts only live rows in totalSize."""
    assert query_org.query("SELECT Id FROM Contact")["totalSize"] == 4
    assert query_org.query("SELECT Id FROM Contact", include_deleted=True)["totalSize"] == 5
