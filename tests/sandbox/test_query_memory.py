"""Memory while paging a 200,000-row result: it stays flat from page to page."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator

import pytest

from sfseg.sandbox.org import Org
from sfseg.sandbox.query import QueryEngine

ROWS = 200_000
STAMP = "2024-05-15T12:00:00.000+0000"


@pytest.fixture(scope="module")
def big_org() -> Iterator[Org]:
    org = Org.open()
    ids = org.store.new_ids(org.schema.require("Contact"), ROWS)
    org.store.insert_many(
        "Contact",
        ["Id", "LastName", "Email", "CreatedDate", "LastModifiedDate", "SystemModstamp"],
        (
            (cid, f"Last{i:06d}", f"p{i}@example.org", STAMP, STAMP, STAMP)
            for i, cid in enumerate(ids)
        ),
    )
    yield org
    org.close()


def page_through(engine: QueryEngine, soql: str) -> tuple[int, list[int]]:
    """Read every page, keeping none; return the row count and traced memory after each page."""
    sizes = []
    page = engine.execute(soql, include_deleted=False, api_version="66.0")
    count = len(page["records"])
    while not page["done"]:
        page = engine.next_page(page["nextRecordsUrl"].rsplit("/", 1)[1], "66.0")
        count += len(page["records"])
        sizes.append(tracemalloc.get_traced_memory()[0])
    return count, sizes


@pytest.mark.slow
@pytest.mark.parametrize("order_by", ["", " ORDER BY LastName DESC"])
def test_paging_memory_stays_flat(big_org: Org, order_by: str) -> None:
    """Across 100 pages of 2,000 rows, memory held between pages grows by less than 4 MB."""
    engine = QueryEngine(big_org)
    tracemalloc.start()
    try:
        count, sizes = page_through(engine, "SELECT Id, LastName, Email FROM Contact" + order_by)
    finally:
        tracemalloc.stop()
    assert count == ROWS
    assert len(sizes) == ROWS // 2000 - 1
    assert max(sizes) - sizes[0] < 4 * 1024 * 1024
