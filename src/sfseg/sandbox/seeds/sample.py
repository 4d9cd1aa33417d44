"""The bundled sample org: NPSP's trailhead dataset, apex-recipes and coral-cloud (see
`data/NOTICE`), plus a small deterministic supplement of leads, campaign members, cases,
tasks and events described in `data/README.md`.

NPSP's own objects (names starting `npsp__`, `npe01__`, `npe03__`, `npe4__`, `npe5__`,
`npo02__`) are not loaded; their custom fields on the standard objects are, typed by
`data/npsp-trailhead/schema.json`.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sfseg.sandbox.seeds.cumulusci import load_cumulusci
from sfseg.sandbox.seeds.finalize import finalize
from sfseg.sandbox.seeds.loader import RecordLoader
from sfseg.sandbox.seeds.schema_file import load_schema_file
from sfseg.sandbox.seeds.tree import load_tree_file, load_tree_plan
from sfseg.sandbox.storage import ID_POD

if TYPE_CHECKING:
    from sfseg.sandbox.org import Org

__all__ = ["DATA_DIR", "load_sample", "npsp_object_skipped"]

DATA_DIR = Path(__file__).parent / "data"
_NPSP_NAMESPACES = ("npsp__", "npe01__", "npe03__", "npe4__", "npe5__", "npo02__")
# Fixed inputs of the supplement, so every load builds the same records.
_SUPPLEMENT_SEED = 20260115
_SUPPLEMENT_TODAY = date(2026, 1, 15)


def npsp_object_skipped(name: str) -> bool:
    """Tell whether an sObject belongs to an NPSP managed package (not loaded)."""
    return name.lower().startswith(_NPSP_NAMESPACES)


def load_sample(org: Org) -> None:
    """Load the three public datasets, the supplement, and derive the computed fields."""
    loader = RecordLoader(org)
    npsp = DATA_DIR / "npsp-trailhead"
    load_schema_file(org.store, npsp / "schema.json")
    load_cumulusci(loader, npsp / "test_data.sql", npsp / "mapping.yml",
                   skip_object=npsp_object_skipped)

    coral = DATA_DIR / "coral-cloud"
    load_schema_file(org.store, coral / "schema.json")
    load_tree_plan(loader, coral / "data-plan-large.json")

    apex = DATA_DIR / "apex-recipes"
    load_tree_plan(loader, apex / "data-plan.json")
    load_tree_file(loader, apex / "Campaigns.json")

    finalize(org)
    loader.report()
    _Supplement(org).build()


class _Supplement:
    """Leads (three converted), campaign members, cases, tasks and events for demos."""

    def __init__(self, org: Org) -> None:
        self.org = org
        self.random = random.Random(_SUPPLEMENT_SEED)
        connection = org.store.connection
        # NPSP rows keep their real ids; apex-recipes rows got sandbox ids, and
        # coral-cloud contacts are the ones with an External_Id__c.
        self.apex_contacts = [row[0] for row in connection.execute(
            'SELECT "Id" FROM "Contact" WHERE "External_Id__c" IS NULL AND "Id" LIKE ? '
            'ORDER BY "Id"', (f"003{ID_POD}%",)
        )]
        self.coral_contacts = [row[0] for row in connection.execute(
            'SELECT "Id" FROM "Contact" WHERE "External_Id__c" IS NOT NULL ORDER BY "Id"'
        )]
        self.romance = [row[0] for row in connection.execute(
            'SELECT "Id" FROM "Contact" WHERE "Guest_Type__c" = ? ORDER BY "Id"',
            ("Romance Retreaters",),
        )]
        self.apex_campaigns = [row[0] for row in connection.execute(
            'SELECT "Id" FROM "Campaign" WHERE "Id" LIKE ? ORDER BY "Id"', (f"701{ID_POD}%",)
        )]

    def build(self) -> None:
        leads = self._leads()
        self._members(leads)
        self._convert(leads[:3])
        self._cases()
        self._tasks()
        self._events()

    def _day(self, back: int) -> str:
        return (_SUPPLEMENT_TODAY - timedelta(days=self.random.randint(0, back))).isoformat()

    def _leads(self) -> list[str]:
        people = [
            ("Avery", "Lindqvist", "Northwind Outfitters", "Retail", "Web", "Hot"),
            ("Mateo", "Okafor", "Bluefin Analytics", "Technology", "Partner Referral", "Warm"),
            ("Priya", "Raman", "Harbor Health Partners", "Healthcare", "Phone Inquiry", "Hot"),
            ("Jonas", "Weber", "Alpine Freight", "Transportation", "Purchased List", "Cold"),
            ("Chloe", "Martin", "Maison Verte", "Hospitality", "Web", "Warm"),
            ("Kenji", "Sato", "Kumo Robotics", "Manufacturing", "Other", "Cold"),
            ("Lucia", "Ferreira", "Costa Azul Travel", "Hospitality", "Web", "Hot"),
            ("Omar", "Haddad", "Cedar Energy", "Energy", "Partner Referral", "Warm"),
            ("Grace", "Kim", "Seoul Bites", "Food & Beverage", "Phone Inquiry", "Cold"),
            ("Noah", "Fischer", "Riverbank Credit Union", "Banking", "Purchased List", "Warm"),
            ("Amara", "Nwosu", "Lagos Learning Lab", "Education", "Web", "Hot"),
            ("Elena", "Petrova", "Volga Media", "Media", "Other", "Cold"),
        ]
        statuses = ["Open - Not Contacted", "Working - Contacted", "Closed - Not Converted"]
        ids = []
        for number, (first, last, company, industry, source, rating) in enumerate(people):
            ids.append(self.org.create("Lead", {
                "FirstName": first, "LastName": last, "Company": company,
                "Email": f"{first}.{last}@example.com".lower(), "Industry": industry,
                "LeadSource": source, "Rating": rating, "Status": statuses[number % 3],
                "City": self.random.choice(["Denver", "Austin", "Seattle", "Boston"]),
                "Country": "United States",
                "AnnualRevenue": self.random.randrange(200_000, 9_000_000, 50_000),
                "NumberOfEmployees": self.random.randint(5, 900),
            }))
        return ids

    def _members(self, leads: list[str]) -> None:
        for number, campaign in enumerate(self.apex_campaigns):
            for contact in self.random.sample(self.apex_contacts, 6 + number % 5):
                status = "Responded" if self.random.random() < 0.3 else "Sent"
                self.org.create("CampaignMember", {"CampaignId": campaign, "ContactId": contact,
                                                   "Status": status})
            lead = leads[number % len(leads)]
            self.org.create("CampaignMember", {"CampaignId": campaign, "LeadId": lead,
                                               "Status": "Sent" if number % 2 else "Responded"})
        getaway = self.org.create("Campaign", {
            "Name": "Coral Cloud Romance Getaway", "Type": "Email", "Status": "In Progress",
            "IsActive": True, "StartDate": "2025-12-01", "EndDate": "2026-02-28",
            "BudgetedCost": 12000, "ExpectedResponse": 12.5,
        })
        self.org.create("CampaignMemberStatus", {"CampaignId": getaway, "Label": "Booked",
                                                 "HasResponded": True, "SortOrder": 3})
        for contact in self.romance:
            roll = self.random.random()
            status = "Sent"
            if roll < 0.15:
                status = "Booked"
            elif roll < 0.35:
                status = "Responded"
            self.org.create("CampaignMember", {"CampaignId": getaway, "ContactId": contact,
                                               "Status": status})

    def _convert(self, leads: list[str]) -> None:
        """Convert three leads into coral-cloud contacts (their ConvertedContactId)."""
        for lead, contact in zip(leads, self.coral_contacts[:3], strict=True):
            self.org.convert_lead(lead, contact_id=contact, account_id=None)

    def _cases(self) -> None:
        subjects = ["Booking change request", "Refund for cancelled tour",
                    "Room upgrade question", "Lost item at the spa", "Invoice copy needed"]
        for _ in range(10):
            self.org.create("Case", {
                "ContactId": self.random.choice(self.coral_contacts),
                "Subject": self.random.choice(subjects),
                "Status": self.random.choice(["New", "Working", "Escalated", "Closed"]),
                "Priority": self.random.choice(["High", "Medium", "Low"]),
                "Origin": self.random.choice(["Phone", "Email", "Web"]),
                "Type": self.random.choice(["Problem", "Question", "Other"]),
            })

    def _tasks(self) -> None:
        for number in range(60):
            who = self.random.choice(self.apex_contacts if number % 2 else self.coral_contacts)
            self.org.create("Task", {
                "WhoId": who, "Subject": self.random.choice(["Call", "Send Quote", "Other"]),
                "Status": self.random.choice(["Not Started", "In Progress", "Completed"]),
                "Priority": self.random.choice(["High", "Normal", "Normal", "Low"]),
                "ActivityDate": self._day(365),
                "TaskSubtype": self.random.choice(["Task", "Call", "Email"]),
            })

    def _events(self) -> None:
        for _ in range(20):
            start = f"{self._day(300)}T{self.random.randint(8, 17):02d}:00:00Z"
            self.org.create("Event", {
                "WhoId": self.random.choice(self.coral_contacts + self.apex_contacts),
                "Subject": self.random.choice(["Meeting", "Call", "Other"]),
                "StartDateTime": start, "DurationInMinutes": self.random.choice([30, 60, 90]),
                "Location": self.random.choice(["Lobby", "Video call", "Spa"]),
            })
