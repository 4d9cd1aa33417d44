"""`synthetic:N`: a generated org of N contacts, for benchmarks and load tests.

The same N always gives the same records (a fixed random seed, fixed dates). Per
contact, on average, there are 0.2 accounts (five contacts each), 0.3 leads (one in
ten converted into a contact), 0.25 opportunities with one contact role each, 0.15
cases, 0.5 tasks and 0.2 events. There are N / 5,000 campaigns (at least 3, at most
200), with about 0.4 contact members and 0.05 lead members per contact.

Rows are written as prepared tuples with `executemany`, without per-row validation,
and the derived fields (names, stage flags, member statuses, roll-ups) are computed
here rather than by `finalize`, so a million contacts load in well under a minute.
"""

from __future__ import annotations

import queue
import random
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import repeat
from typing import TYPE_CHECKING, Any

from sfseg.sandbox.seeds.finalize import set_last_activity_dates
from sfseg.sandbox.standard_objects import OPPORTUNITY_STAGES
from sfseg.sandbox.storage import insert_statement
from sfseg.sandbox.values import format_datetime
from sfseg.soql.ids import to_18

if TYPE_CHECKING:
    from sfseg.sandbox.org import Org

__all__ = ["SEED", "generate"]

SEED = 424242
_TODAY = date(2026, 1, 15)
# Pod characters of generated ids. The counter is lower-case hexadecimal, so the case
# checksum is the same for every id of one object, and it is computed once.
_POD = "9z"

_FIRST = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen", "Christopher", "Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony", "Sandra", "Mark", "Ashley", "Donald", "Kimberly", "Steven", "Emily", "Paul", "Donna", "Andrew", "Michelle", "Joshua", "Carol", "Kenneth", "Amanda", "Kevin", "Melissa", "Brian", "Deborah", "Aisha", "Wei", "Mateo", "Sofia", "Hiroshi", "Amara", "Lars", "Priya", "Omar", "Elena"]
_LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Okafor", "Tanaka", "Schmidt", "Rossi", "Novak", "Haddad"]
_CITIES = (("Seattle", "WA", "98101"), ("Portland", "OR", "97201"), ("Denver", "CO", "80202"),
           ("Austin", "TX", "73301"), ("Chicago", "IL", "60601"), ("Boston", "MA", "02108"),
           ("Atlanta", "GA", "30301"), ("Miami", "FL", "33101"), ("Phoenix", "AZ", "85001"),
           ("New York", "NY", "10001"), ("San Diego", "CA", "92101"),
           ("Minneapolis", "MN", "55401"), ("Nashville", "TN", "37201"),
           ("Columbus", "OH", "43004"), ("Raleigh", "NC", "27601"))
_TITLES = ("CEO", "CFO", "VP Sales", "VP Marketing", "Director of Operations", "Buyer",
           "Account Manager", "Engineer", "Analyst", "Office Manager", "Consultant", None)
_DEPARTMENTS = ("Sales", "Marketing", "Finance", "Operations", "IT", "HR", None)
_SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other", None)
_INDUSTRIES = ("Technology", "Finance", "Healthcare", "Retail", "Manufacturing", "Education",
               "Hospitality", "Energy", "Media", "Not For Profit")
_ACCOUNT_TYPES = ("Prospect", "Customer - Direct", "Customer - Channel", "Other")
_RATINGS = ("Hot", "Warm", "Cold", None)
_LEAD_STATUSES = ("Open - Not Contacted", "Working - Contacted", "Closed - Not Converted")
_STAGES = tuple(name for name in OPPORTUNITY_STAGES if name not in {"Pledged", "Posted"})
_CASE_STATUSES = ("New", "Working", "Escalated", "Closed", "Closed")
_TASK_STATUSES = ("Not Started", "In Progress", "Completed", "Completed")
_CAMPAIGN_TYPES = ("Email", "Webinar", "Conference", "Direct Mail", "Advertisement",
                   "Trade Show")


def _id_maker(prefix: str) -> Iterator[str]:
    """Yield ids `prefix + pod + counter` with their (constant) checksum."""
    checksum = to_18(prefix + _POD + "0" * 10)[15:]
    stem = prefix + _POD
    number = 0
    while True:
        number += 1
        yield f"{stem}{number:010x}{checksum}"


def _ids(prefix: str, count: int) -> list[str]:
    """Return `count` new ids of one object."""
    checksum = to_18(prefix + _POD + "0" * 10)[15:]
    stem = prefix + _POD
    return [f"{stem}{number:010x}{checksum}" for number in range(1, count + 1)]


@dataclass
class _Rollup:
    contacts: int = 0
    leads: int = 0
    converted: int = 0
    responses: int = 0
    opportunities: int = 0
    won: int = 0
    amount: float = 0.0
    won_amount: float = 0.0


@dataclass
class _State:
    """Ids and facts the later tables refer back to."""

    users: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    contacts: list[str] = field(default_factory=list)
    contact_accounts: list[str] = field(default_factory=list)
    leads: list[str] = field(default_factory=list)
    converted_leads: set[int] = field(default_factory=set)
    campaigns: list[str] = field(default_factory=list)
    rollups: dict[str, _Rollup] = field(default_factory=dict)


class _Writer:
    """Runs the inserts in a second thread while the generator builds the next table.

    sqlite3 releases the GIL while SQLite steps a statement, so building columns in
    Python and writing pages overlap on two cores. The caller holds the store lock for
    the whole load, and only this thread uses the connection until `close`.
    """

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.queue: queue.Queue[tuple[str, Iterable[Any]] | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="synthetic-writer", daemon=True)
        self.thread.start()

    def submit(self, sql: str, rows: Iterable[Any]) -> None:
        """Queue one `executemany`; blocks while two are already waiting."""
        self.queue.put((sql, rows))

    def _run(self) -> None:
        while (item := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self.connection.executemany(*item)
                except BaseException as error:  # re-raised in the generating thread
                    self.error = error

    def close(self) -> None:
        """Wait for every queued insert; re-raise the first failure."""
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


class _Generator:
    """Builds each table column by column (`random.choices` per column), then zips the
    columns into row tuples for `executemany`."""

    def __init__(self, org: Org, count: int, writer: _Writer) -> None:
        self.org = org
        self.count = count
        self.writer = writer
        self.random = random.Random(SEED)
        self.state = _State()
        # Campaigns with an "Attended" (responded) status: every fourth.
        self.attending: set[str] = set()
        stamp = datetime(_TODAY.year, _TODAY.month, _TODAY.day, 9, 0)
        self.stamps = [format_datetime(stamp - timedelta(days=d, minutes=7 * d))
                       for d in range(0, 1500)]
        self.days = [(_TODAY - timedelta(days=d)).isoformat() for d in range(-200, 1500)]
        self.birthdays = [(date(1950, 1, 1) + timedelta(days=37 * k)).isoformat()
                          for k in range(550)]

    def pick(self, values: Sequence[Any], count: int) -> list[Any]:
        return self.random.choices(values, k=count)

    def slots(self, size: int, count: int) -> list[int]:
        """Return `count` random indexes below `size`."""
        rand = self.random.random
        return [int(rand() * size) for _ in range(count)]

    def insert(self, table: str, columns: Sequence[str], *values: Iterable[Any]) -> None:
        """Queue rows zipped from per-column iterables, after the audit columns."""
        count = len(values[0]) if isinstance(values[0], list) else None
        stamps = self.pick(self.stamps, count if count is not None else 0)
        user = self.org.default_user_id
        audit = (stamps, stamps, stamps, repeat(user), repeat(user), repeat(0))
        rows = zip(values[0], *audit, *values[1:], strict=False)
        self.writer.submit(insert_statement(table, (*_AUDIT_COLUMNS, *columns)), rows)

    # ------------------------------------------------------------- tables

    def users(self) -> None:
        ids = _ids("005", 5)
        self.state.users = ids
        firsts, lasts = list(_FIRST[:5]), list(_LAST[:5])
        emails = [f"{f}.{la}@sfseg-synthetic.example".lower() for f, la in zip(firsts, lasts,
                                                                               strict=True)]
        self.insert("User", ("Username", "FirstName", "LastName", "Name", "Email", "Alias",
                             "IsActive"),
                    ids, emails, firsts, lasts,
                    [f"{f} {la}" for f, la in zip(firsts, lasts, strict=True)], emails,
                    [(f[:1] + la)[:8].lower() for f, la in zip(firsts, lasts, strict=True)],
                    repeat(1))

    def accounts(self) -> None:
        total = max(1, self.count // 5)
        ids = _ids("001", total)
        self.state.accounts = ids
        cities = self.pick(_CITIES, total)
        suffixes = self.pick(("Group", "Labs", "Inc", "Partners", "Co"), total)
        names = [f"{last} {suffix} {n}" for n, (last, suffix) in
                 enumerate(zip(self.pick(_LAST, total), suffixes, strict=True))]
        revenue = [float(10_000 * k) for k in self.pick(range(5, 5000), total)]
        self.insert("Account", ("OwnerId", "Name", "Type", "Industry", "AnnualRevenue",
                                "NumberOfEmployees", "Rating", "BillingCity", "BillingState",
                                "BillingPostalCode", "BillingCountry"),
                    ids, self.pick(self.state.users, total), names,
                    self.pick(_ACCOUNT_TYPES, total), self.pick(_INDUSTRIES, total), revenue,
                    self.pick(range(1, 5000), total), self.pick(_RATINGS, total),
                    [c[0] for c in cities], [c[1] for c in cities], [c[2] for c in cities],
                    repeat("United States"))

    def contacts(self) -> None:
        total = self.count
        ids = _ids("003", total)
        accounts = self.state.accounts
        account_ids = [accounts[k] for k in self.slots(len(accounts), total)]
        self.state.contacts, self.state.contact_accounts = ids, account_ids
        firsts, lasts = self.pick(_FIRST, total), self.pick(_LAST, total)
        cities = self.pick(_CITIES, total)
        rand = self.random.random
        births = [self.birthdays[int(r * 916) % 550] if r < 0.6 else None
                  for r in (rand() for _ in range(total))]
        self.insert("Contact", ("OwnerId", "AccountId", "FirstName", "LastName", "Name",
                                "Email", "Title", "Department", "LeadSource", "MailingCity",
                                "MailingState", "MailingPostalCode", "MailingCountry",
                                "Birthdate", "HasOptedOutOfEmail", "DoNotCall", "Phone"),
                    ids, self.pick(self.state.users, total), account_ids, firsts, lasts,
                    [f"{f} {la}" for f, la in zip(firsts, lasts, strict=True)],
                    [f"{f}.{la}.{n}@example.com".lower()
                     for n, (f, la) in enumerate(zip(firsts, lasts, strict=True))],
                    self.pick(_TITLES, total), self.pick(_DEPARTMENTS, total),
                    self.pick(_SOURCES, total), [c[0] for c in cities], [c[1] for c in cities],
                    [c[2] for c in cities], repeat("United States"), births,
                    [int(rand() < 0.08) for _ in range(total)],
                    [int(rand() < 0.05) for _ in range(total)],
                    [f"+1-555-{n % 10_000_000:07d}" for n in range(total)])

    def leads(self) -> None:
        total = int(self.count * 0.3)
        ids = _ids("00Q", total)
        self.state.leads = ids
        firsts, lasts = self.pick(_FIRST, total), self.pick(_LAST, total)
        cities = self.pick(_CITIES, total)
        statuses = self.pick(_LEAD_STATUSES, total)
        rand = self.random.random

        # One lead in ten is converted into a random existing contact.
        converted = [0] * total
        days: list[str | None] = [None] * total
        contacts: list[str | None] = [None] * total
        accounts: list[str | None] = [None] * total
        if self.state.contacts:
            for number in range(total):
                if rand() < 0.1:
                    slot = int(rand() * len(self.state.contacts))
                    converted[number] = 1
                    self.state.converted_leads.add(number)
                    contacts[number] = self.state.contacts[slot]
                    accounts[number] = self.state.contact_accounts[slot]
                    days[number] = self.days[200 + int(rand() * 700)]
                    statuses[number] = "Closed - Converted"

        companies = self.pick(("Acme", "Globex", "Initech", "Umbrella", "Stark"), total)
        self.insert("Lead", ("OwnerId", "FirstName", "LastName", "Name", "Company", "Email",
                             "Status", "Rating", "Industry", "LeadSource", "City", "State",
                             "PostalCode", "Country", "IsConverted", "ConvertedDate",
                             "ConvertedContactId", "ConvertedAccountId"),
                    ids, self.pick(self.state.users, total), firsts, lasts,
                    [f"{f} {la}" for f, la in zip(firsts, lasts, strict=True)],
                    [f"{c} {n}" for n, c in enumerate(companies)],
                    [f"lead.{f}.{la}.{n}@example.org".lower()
                     for n, (f, la) in enumerate(zip(firsts, lasts, strict=True))],
                    statuses, self.pick(_RATINGS, total), self.pick(_INDUSTRIES, total),
                    self.pick(_SOURCES, total), [c[0] for c in cities], [c[1] for c in cities],
                    [c[2] for c in cities], repeat("United States"), converted, days, contacts,
                    accounts)

    def campaigns(self) -> None:
        total = min(200, max(3, self.count // 5000))
        ids = _ids("701", total)
        self.state.campaigns = ids
        self.state.rollups = {campaign: _Rollup() for campaign in ids}
        self.attending = set(ids[::4])
        self.insert("Campaign", ("OwnerId", "Name", "Type", "Status", "StartDate", "IsActive",
                                 "BudgetedCost"),
                    ids, [self.state.users[n % 5] for n in range(total)],
                    [f"Campaign {n + 1:03d}" for n in range(total)],
                    [_CAMPAIGN_TYPES[n % len(_CAMPAIGN_TYPES)] for n in range(total)],
                    [("Planned", "In Progress", "Completed")[n % 3] for n in range(total)],
                    [self.days[200 + 30 * (n % 40)] for n in range(total)],
                    [int(n % 3 == 1) for n in range(total)],
                    [float(1000 * (n % 17 + 1)) for n in range(total)])
        statuses: list[tuple[str, str, int, int, int]] = []
        for number, campaign in enumerate(ids):
            statuses += [(campaign, "Sent", 1, 0, 1), (campaign, "Responded", 0, 1, 2)]
            if number % 4 == 0:
                statuses.append((campaign, "Attended", 0, 1, 3))
        columns = list(zip(*statuses, strict=True))
        self.insert("CampaignMemberStatus", ("CampaignId", "Label", "IsDefault", "HasResponded",
                                             "SortOrder"),
                    _ids("01Y", len(statuses)), *columns)

    def members(self) -> None:
        """Two passes over disjoint halves of the campaigns keep (campaign, person) unique."""
        campaigns = self.state.campaigns
        half = max(1, len(campaigns) // 2)
        passes = (campaigns[:half], campaigns[half:] or campaigns[:half])
        people: list[tuple[str, str | None, int | None]] = []
        for group in passes:
            for slot in self.random.sample(range(len(self.state.contacts)),
                                           int(len(self.state.contacts) * 0.2)):
                people.append((group[int(self.random.random() * len(group))],
                               self.state.contacts[slot], None))
            lead_count = min(len(self.state.leads), int(self.count * 0.025))
            for slot in self.random.sample(range(len(self.state.leads)), lead_count):
                people.append((group[int(self.random.random() * len(group))], None, slot))
        rows = [self._member(campaign, contact, slot) for campaign, contact, slot in people]
        columns: list[tuple[Any, ...]] = list(zip(*rows, strict=True)) if rows else [()] * 8
        self.insert("CampaignMember", ("CampaignId", "ContactId", "LeadId", "Status",
                                       "HasResponded", "FirstRespondedDate", "Type",
                                       "LeadOrContactId"),
                    _ids("00v", len(rows)), *columns)

    def _member(self, campaign: str, contact: str | None,
                lead_slot: int | None) -> tuple[Any, ...]:
        roll = self.random.random()
        responded = roll < 0.25
        status = "Sent"
        if responded:
            attended = roll >= 0.2 and campaign in self.attending
            status = "Attended" if attended else "Responded"
        rollup = self.state.rollups[campaign]
        lead = None if lead_slot is None else self.state.leads[lead_slot]
        if contact:
            rollup.contacts += 1
            rollup.responses += responded
        else:
            converted = lead_slot in self.state.converted_leads
            rollup.leads += 1
            rollup.converted += converted
            rollup.responses += responded and not converted
        day = self.days[200 + int(roll * 1000)] if responded else None
        return (campaign, contact, lead, status, int(responded), day,
                "Contact" if contact else "Lead", contact or lead)

    def opportunities(self) -> None:
        total = int(self.count * 0.25)
        ids = _ids("006", total)
        slots = self.slots(len(self.state.contacts), total) if self.state.contacts else []
        contacts = [self.state.contacts[k] for k in slots]
        accounts = [self.state.contact_accounts[k] for k in slots]
        stage_names = self.pick(_STAGES, total)
        stages = [OPPORTUNITY_STAGES[name] for name in stage_names]
        amounts = [float(k * 500 + 500) for k in self.pick(range(200), total)]
        closes = self.pick(self.days[:900], total)
        rand = self.random.random
        campaigns = [self.state.campaigns[int(rand() * len(self.state.campaigns))]
                     if rand() < 0.3 else None for _ in range(total)]
        for campaign, amount, stage in zip(campaigns, amounts, stages, strict=True):
            if campaign:
                self._count_opportunity(campaign, amount, stage.won)
        self.insert("Opportunity", ("OwnerId", "AccountId", "ContactId", "CampaignId", "Name",
                                    "StageName", "Amount", "Probability", "ExpectedRevenue",
                                    "CloseDate", "IsClosed", "IsWon", "ForecastCategoryName",
                                    "FiscalYear", "FiscalQuarter"),
                    ids, [self.state.users[n % 5] for n in range(total)], accounts, contacts,
                    campaigns, [f"Opportunity {n + 1}" for n in range(total)], stage_names,
                    amounts, [float(s.probability) for s in stages],
                    [round(a * s.probability / 100, 2) for a, s in zip(amounts, stages,
                                                                       strict=True)],
                    closes, [int(s.closed) for s in stages], [int(s.won) for s in stages],
                    [s.forecast for s in stages], [int(c[:4]) for c in closes],
                    [(int(c[5:7]) + 2) // 3 for c in closes])
        self.insert("OpportunityContactRole", ("OpportunityId", "ContactId", "Role",
                                               "IsPrimary"),
                    _ids("00K", total), ids, contacts, repeat("Decision Maker"), repeat(1))

    def _count_opportunity(self, campaign: str, amount: float, won: bool) -> None:
        rollup = self.state.rollups[campaign]
        rollup.opportunities += 1
        rollup.amount += amount
        if won:
            rollup.won += 1
            rollup.won_amount += amount

    def cases(self) -> None:
        total = int(self.count * 0.15)
        slots = self.slots(len(self.state.contacts), total) if self.state.contacts else []
        statuses = self.pick(_CASE_STATUSES, total)
        closed_at = self.pick(self.stamps, total)
        self.insert("Case", ("OwnerId", "CaseNumber", "ContactId", "AccountId", "Status",
                             "Priority", "Origin", "Type", "Subject", "IsClosed", "ClosedDate"),
                    _ids("500", total), self.pick(self.state.users, total),
                    [f"{n + 1:08d}" for n in range(total)],
                    [self.state.contacts[k] for k in slots],
                    [self.state.contact_accounts[k] for k in slots], statuses,
                    self.pick(("High", "Medium", "Medium", "Low"), total),
                    self.pick(("Phone", "Email", "Web"), total),
                    self.pick(("Mechanical", "Electrical", "Other", None), total),
                    self.pick(("Order question", "Billing problem", "Delivery delay",
                               "Product defect"), total),
                    [int(s == "Closed") for s in statuses],
                    [c if s == "Closed" else None for s, c in zip(statuses, closed_at,
                                                                  strict=True)])

    def tasks(self) -> None:
        total = int(self.count * 0.5)
        slots = self.slots(len(self.state.contacts), total) if self.state.contacts else []
        statuses = self.pick(_TASK_STATUSES, total)
        priorities = self.pick(("High", "Normal", "Normal", "Low"), total)
        self.insert("Task", ("OwnerId", "WhoId", "AccountId", "Subject", "Status", "Priority",
                             "ActivityDate", "IsClosed", "IsHighPriority", "TaskSubtype"),
                    _ids("00T", total), self.pick(self.state.users, total),
                    [self.state.contacts[k] for k in slots],
                    [self.state.contact_accounts[k] for k in slots],
                    self.pick(("Call", "Send Quote", "Other"), total), statuses, priorities,
                    self.pick(self.days[:900], total),
                    [int(s == "Completed") for s in statuses],
                    [int(p == "High") for p in priorities],
                    self.pick(("Task", "Call", "Email"), total))

    def events(self) -> None:
        total = int(self.count * 0.2)
        slots = self.slots(len(self.state.contacts), total) if self.state.contacts else []
        days = self.pick(self.days[:900], total)
        hours = self.pick(range(8, 17), total)
        starts = [f"{d}T{h:02d}:00:00.000+0000" for d, h in zip(days, hours, strict=True)]
        self.insert("Event", ("OwnerId", "WhoId", "AccountId", "Subject", "StartDateTime",
                              "ActivityDateTime", "ActivityDate", "DurationInMinutes",
                              "EndDateTime", "EndDate", "ShowAs"),
                    _ids("00U", total), self.pick(self.state.users, total),
                    [self.state.contacts[k] for k in slots],
                    [self.state.contact_accounts[k] for k in slots],
                    self.pick(("Meeting", "Call", "Other"), total), starts, starts, days,
                    repeat(60),
                    [f"{d}T{h + 1:02d}:00:00.000+0000" for d, h in zip(days, hours, strict=True)],
                    days, repeat("Busy"))

    def write_rollups(self) -> None:
        rows = [
            (r.contacts, r.leads, r.converted, r.responses, r.opportunities, r.won, r.amount,
             r.won_amount, campaign)
            for campaign, r in self.state.rollups.items()
        ]
        self.org.store.connection.executemany(
            'UPDATE "Campaign" SET "NumberOfContacts" = ?, "NumberOfLeads" = ?, '
            '"NumberOfConvertedLeads" = ?, "NumberOfResponses" = ?, '
            '"NumberOfOpportunities" = ?, "NumberOfWonOpportunities" = ?, '
            '"AmountAllOpportunities" = ?, "AmountWonOpportunities" = ? WHERE "Id" = ?',
            rows,
        )


_AUDIT_COLUMNS = ("Id", "CreatedDate", "LastModifiedDate", "SystemModstamp", "CreatedById",
                  "LastModifiedById", "IsDeleted")


def generate(org: Org, count: int) -> None:
    """Write a synthetic org of `count` contacts (deterministic for a given count)."""
    with org.store.lock, org.transaction():
        writer = _Writer(org.store.connection)
        generator = _Generator(org, count, writer)
        try:
            generator.users()
            generator.accounts()
            generator.contacts()
            generator.leads()
            generator.campaigns()
            generator.members()
            generator.opportunities()
            generator.cases()
            generator.tasks()
            generator.events()
        finally:
            writer.close()
        generator.write_rollups()
        set_last_activity_dates(org)
