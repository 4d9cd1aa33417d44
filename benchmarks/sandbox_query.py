"""Benchmark the sandbox SOQL executor on a large generated org.

Run: python benchmarks/sandbox_query.py [--contacts 1000000] [--repeat 5]

Builds an in-memory org with N contacts (one account per 20 contacts) by inserting
rows straight into the storage tables, then times `QueryEngine` calls in-process
(server time without HTTP). Prints one Markdown table row per case: the median and
the maximum of the repeats, in milliseconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from sfseg.sandbox.org import Org
from sfseg.sandbox.query import QueryEngine

API_VERSION = "66.0"
LEAD_SOURCES = ["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other", None]
TITLES = ["CEO", "CTO", "Buyer", "Engineer", "Analyst", None]
PAGE_SOQL = (
    "SELECT Id, FirstName, LastName, Email, Title, Phone, LeadSource, Birthdate, "
    "CreatedDate, Account.Name FROM Contact"
)


def build_org(contacts: int, seed: int = 7) -> Org:
    """Build an org with `contacts` contacts and contacts // 20 accounts."""
    rng = random.Random(seed)
    org = Org.open()
    store = org.store
    stamp = "2024-05-15T12:00:00.000+0000"
    account_ids = store.new_ids(org.schema.require("Account"), max(1, contacts // 20))
    store.insert_many(
        "Account",
        ["Id", "Name", "Industry", "CreatedDate", "LastModifiedDate", "SystemModstamp"],
        (
            (aid, f"Account {i}", rng.choice(["Technology", "Retail", None]), stamp, stamp, stamp)
            for i, aid in enumerate(account_ids)
        ),
    )
    contact_ids = store.new_ids(org.schema.require("Contact"), contacts)

    def rows() -> Any:
        for i, cid in enumerate(contact_ids):
            birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20000))
            yield (
                cid,
                f"First{i}",
                f"Last{i % 5000}",
                f"First{i} Last{i % 5000}",
                f"person{i}@example.org",
                rng.choice(TITLES),
                f"+1 555 {i:07d}",
                rng.choice(LEAD_SOURCES),
                birth.isoformat(),
                account_ids[i // 20],
                stamp,
                stamp,
                stamp,
            )

    store.insert_many(
        "Contact",
        [
            "Id",
            "FirstName",
            "LastName",
            "Name",
            "Email",
            "Title",
            "Phone",
            "LeadSource",
            "Birthdate",
            "AccountId",
            "CreatedDate",
            "LastModifiedDate",
            "SystemModstamp",
        ],
        rows(),
    )
    return org


def timed(function: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    samples = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000, help="contacts to generate")
    parser.add_argument("--repeat", type=int, default=5, help="runs per case")
    options = parser.parse_args()

    start = time.perf_counter()
    org = build_org(options.contacts)
    print(f"built {options.contacts:,} contacts in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    engine = QueryEngine(org)
    print(f"opened the engine (query indexes) in {time.perf_counter() - start:.1f} s")

    def execute(soql: str, batch: int = 2000) -> dict[str, Any]:
        return engine.execute(
            soql, include_deleted=False, api_version=API_VERSION, batch_size=batch
        )

    first = execute(PAGE_SOQL)
    second_page = first["nextRecordsUrl"].rsplit("/", 1)[1]
    locator = second_page.rsplit("-", 1)[0]
    middle = f"{locator}-{(options.contacts // 2000 // 2) * 2000}"
    ordered = execute(PAGE_SOQL + " ORDER BY LastName")
    ordered_next = ordered["nextRecordsUrl"].rsplit("/", 1)[1]
    step = max(1, options.contacts // 200)
    emails = ", ".join(f"'PERSON{i}@EXAMPLE.org'" for i in range(0, options.contacts, step))
    filtered = (
        "SELECT Id, Name, Email, Account.Name FROM Contact "
        "WHERE LeadSource = 'web' AND Title LIKE 'C%'"
    )
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("first page, 10 fields incl. Account.Name (2,000 rows)", lambda: execute(PAGE_SOQL)),
        (
            "next page from its locator (2,000 rows)",
            lambda: engine.next_page(second_page, API_VERSION),
        ),
        (
            "page at an offset never handed out (mid-result)",
            lambda: engine.next_page(middle, API_VERSION),
        ),
        (
            "first page ORDER BY LastName (sort, id snapshot)",
            lambda: execute(PAGE_SOQL + " ORDER BY LastName"),
        ),
        ("next page of the ORDER BY result", lambda: engine.next_page(ordered_next, API_VERSION)),
        ("first page, LIMIT 2000 (no full scan)", lambda: execute(PAGE_SOQL + " LIMIT 2000")),
        ("filtered page, LeadSource = and Title LIKE", lambda: execute(filtered)),
        ("SELECT COUNT() FROM Contact", lambda: execute("SELECT COUNT() FROM Contact")),
        (
            "COUNT() WHERE Email = (case-insensitive)",
            lambda: execute("SELECT COUNT() FROM Contact WHERE Email = 'PERSON77@example.org'"),
        ),
        (
            "page of Email IN (200 addresses, case-insensitive)",
            lambda: execute(f"SELECT Id, Email FROM Contact WHERE Email IN ({emails})"),
        ),
        (
            "COUNT() WHERE AccountId = (indexed)",
            lambda: execute(
                f"SELECT COUNT() FROM Contact WHERE AccountId = '{first['records'][0]['Account']['attributes']['url'][-18:]}'"
            ),
        ),
        (
            "GROUP BY LeadSource, COUNT(Id)",
            lambda: execute("SELECT LeadSource, COUNT(Id) FROM Contact GROUP BY LeadSource"),
        ),
        (
            "Accounts with child Contacts subquery (2,000 parents)",
            lambda: execute("SELECT Name, (SELECT LastName FROM Contacts) FROM Account LIMIT 2000"),
        ),
    ]
    print(f"\n| case ({options.contacts:,} contacts) | median ms | max ms |")
    print("|---|---:|---:|")
    for label, function in cases:
        median, worst, _ = timed(function, options.repeat)
        print(f"| {label} | {median:.0f} | {worst:.0f} |")


if __name__ == "__main__":
    main()
