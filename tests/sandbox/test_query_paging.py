"""Paging: page sizes, query locators and their expiry, queryAll, streaming, threads."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest

from sfseg.sandbox.query import QueryEngine, QueryError
from tests.sandbox.test_query_org import API_VERSION, QueryOrg, build_org

LOCATOR_URL = re.compile(r"^/services/data/v66\.0/query/(01g[0-9A-Za-z]{15})-(\d+)$")


class FakeMonotonic:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def paging_org() -> Iterator[QueryOrg]:
    """The query org plus 1,500 leads L00000..L01499, the last 10 deleted."""
    built = build_org()
    with built.org.transaction():
        for index in range(1500):
            lead_id = built.org.create("Lead", {"LastName": f"L{index:05d}", "Company": "Paging"})
            if index >= 1490:
                built.org.delete("Lead", lead_id)
    yield built
    built.org.close()


def locator_of(page: dict[str, object]) -> str:
    url = page["nextRecordsUrl"]
    assert isinstance(url, str)
    match = LOCATOR_URL.match(url)
    assert match is not None, url
    return url.rsplit("/", 1)[1]


def test_pages_follow_batch_size(paging_org: QueryOrg) -> None:
    """1,490 rows with batch 1,000 come as a page of 1,000 and a page of 490."""
    soql = "SELECT LastName FROM Lead WHERE Company = 'Paging' ORDER BY LastName"
    first = paging_org.query(soql, batch_size=1000)
    assert first["totalSize"] == 1490
    assert first["done"] is False
    assert list(first) == ["totalSize", "done", "nextRecordsUrl", "records"]
    assert len(first["records"]) == 1000
    assert locator_of(first).endswith("-1000")
    second = paging_org.engine.next_page(locator_of(first), API_VERSION)
    assert second["totalSize"] == 1490
    assert second["done"] is True
    assert "nextRecordsUrl" not in second
    names = [r["LastName"] for r in first["records"] + second["records"]]
    assert names == [f"L{index:05d}" for index in range(1490)]


def test_default_page_is_2000(paging_org: QueryOrg) -> None:
    """Without a batch size all 1,490 rows fit one page."""
    result = paging_org.query("SELECT Id FROM Lead WHERE Company = 'Paging'")
    assert result["done"] is True
    assert len(result["records"]) == 1490


@pytest.mark.parametrize(
    ("asked", "used"), [(50, 200), (199, 200), (200, 200), (700, 700), (5000, 2000)]
)
def test_batch_size_is_clamped(paging_org: QueryOrg, asked: int, used: int) -> None:
    """Batch sizes below 200 or above 2,000 are raised or lowered to those bounds."""
    result = paging_org.query("SELECT Id FROM Lead WHERE Company = 'Paging'", batch_size=asked)
    assert len(result["records"]) == min(used, 1490)


def test_pages_chain_to_the_end(paging_org: QueryOrg) -> None:
    """With batch 200 the pages chain through locators -200, -400, ... to done."""
    page = paging_org.query(
        "SELECT LastName FROM Lead WHERE Company = 'Paging' ORDER BY LastName DESC", batch_size=200
    )
    offsets = []
    names = [r["LastName"] for r in page["records"]]
    while not page["done"]:
        locator = locator_of(page)
        offsets.append(int(locator.rsplit("-", 1)[1]))
        page = paging_org.engine.next_page(locator, API_VERSION)
        names.extend(r["LastName"] for r in page["records"])
    assert offsets == [200, 400, 600, 800, 1000, 1200, 1400]
    assert names == [f"L{index:05d}" for index in reversed(range(1490))]


def test_query_all_pages_include_deleted(paging_org: QueryOrg) -> None:
    """queryAll counts and pages the deleted leads too."""
    soql = "SELECT LastName, IsDeleted FROM Lead WHERE Company = 'Paging' ORDER BY LastName"
    first = paging_org.query(soql, include_deleted=True, batch_size=1000)
    assert first["totalSize"] == 1500
    assert len(first["records"]) == 1000
    second = paging_org.engine.next_page(locator_of(first), API_VERSION)
    assert len(second["records"]) == 500
    assert second["done"] is True
    assert [r["IsDeleted"] for r in second["records"][-11:]] == [False] + [True] * 10


def test_unknown_locator(paging_org: QueryOrg) -> None:
    """A locator that never existed raises INVALID_QUERY_LOCATOR."""
    for locator in ("01gD0000002HU6KIAW-2000", "nonsense", "01gD0000002HU6KIAW-x"):
        with pytest.raises(QueryError) as caught:
            paging_org.engine.next_page(locator, API_VERSION)
        assert caught.value.error_code == "INVALID_QUERY_LOCATOR"
        assert caught.value.message == "invalid query locator"


def test_locator_offset_past_the_end(paging_org: QueryOrg) -> None:
    """An offset at or past the total is not a page."""
    first = paging_org.query("SELECT Id FROM Lead WHERE Company = 'Paging'", batch_size=1000)
    key = locator_of(first).rsplit("-", 1)[0]
    with pytest.raises(QueryError) as caught:
        paging_org.engine.next_page(f"{key}-1490", API_VERSION)
    assert caught.value.error_code == "INVALID_QUERY_LOCATOR"


def test_locator_expires_when_idle(paging_org: QueryOrg) -> None:
    """A locator unused for the idle timeout expires; using it resets the timer."""
    clock = FakeMonotonic()
    engine = QueryEngine(paging_org.org, idle_timeout=60.0, monotonic=clock)
    soql = "SELECT Id FROM Lead WHERE Company = 'Paging'"
    first = engine.execute(soql, include_deleted=False, api_version=API_VERSION, batch_size=200)
    locator = locator_of(first)
    clock.now += 59.0
    second = engine.next_page(locator, API_VERSION)
    clock.now += 59.0
    engine.next_page(locator_of(second), API_VERSION)
    clock.now += 60.0
    with pytest.raises(QueryError) as caught:
        engine.next_page(locator_of(second), API_VERSION)
    assert caught.value.error_code == "INVALID_QUERY_LOCATOR"
    assert len(engine.cursors) == 0


def test_oldest_locators_are_dropped(paging_org: QueryOrg) -> None:
    """Past max_open cursors, the least recently used one is released."""
    engine = QueryEngine(paging_org.org, max_open=2)
    soql = "SELECT Id FROM Lead WHERE Company = 'Paging'"
    pages = [
        engine.execute(soql, include_deleted=False, api_version=API_VERSION, batch_size=200)
        for _ in range(3)
    ]
    with pytest.raises(QueryError):
        engine.next_page(locator_of(pages[0]), API_VERSION)
    assert engine.next_page(locator_of(pages[2]), API_VERSION)["records"]


def test_rows_deleted_between_pages_are_skipped() -> None:
    """A row deleted after the first page is left out of later /query pages."""
    built = build_org()
    with built.org.transaction():
        ids = [
            built.org.create("Lead", {"LastName": f"P{i:03d}", "Company": "Live"})
            for i in range(300)
        ]
    first = built.query(
        "SELECT LastName FROM Lead WHERE Company = 'Live' ORDER BY LastName", batch_size=200
    )
    built.org.delete("Lead", ids[250])
    second = built.engine.next_page(locator_of(first), API_VERSION)
    assert len(second["records"]) == 99
    assert "P250" not in [r["LastName"] for r in second["records"]]
    built.org.close()


def test_short_snapshot_page_is_not_the_end() -> None:
    """A middle page shortened by a deletion still links to the pages after it."""
    built = build_org()
    with built.org.transaction():
        ids = [
            built.org.create("Lead", {"LastName": f"S{i:03d}", "Company": "Short"})
            for i in range(700)
        ]
    first = built.query(
        "SELECT LastName FROM Lead WHERE Company = 'Short' ORDER BY LastName", batch_size=200
    )
    second = built.engine.next_page(locator_of(first), API_VERSION)
    built.org.delete("Lead", ids[500])
    third = built.engine.next_page(locator_of(second), API_VERSION)
    assert len(third["records"]) == 199
    assert third["done"] is False
    fourth = built.engine.next_page(locator_of(third), API_VERSION)
    assert [r["LastName"] for r in fourth["records"]][-1] == "S699"
    assert fourth["done"] is True
    built.org.close()


def test_ordered_first_page_counts_whole_result(paging_org: QueryOrg) -> None:
    """An ordered first page reports the full count, also with LIMIT and OFFSET."""
    soql = "SELECT LastName FROM Lead WHERE Company = 'Paging' ORDER BY LastName DESC"
    assert paging_org.query(soql, batch_size=200)["totalSize"] == 1490
    assert paging_org.query(soql + " LIMIT 1000", batch_size=200)["totalSize"] == 1000
    assert paging_org.query(soql + " LIMIT 100", batch_size=200)["totalSize"] == 100
    assert paging_org.query(soql + " LIMIT 200", batch_size=200)["totalSize"] == 200
    assert paging_org.query(soql + " LIMIT 201", batch_size=200)["totalSize"] == 201
    offset = paging_org.query(soql + " OFFSET 1400", batch_size=200)
    assert offset["totalSize"] == 90
    assert offset["records"][0]["LastName"] == "L00089"


def test_offset_caps_result_at_2000() -> None:
    """With OFFSET the result has at most 2,000 rows, all on one page."""
    built = build_org()
    with built.org.transaction():
        for index in range(2100):
            built.org.create("Lead", {"LastName": f"O{index:05d}", "Company": "Offset"})
    result = built.query(
        "SELECT LastName FROM Lead WHERE Company = 'Offset' ORDER BY LastName OFFSET 5"
    )
    assert result["totalSize"] == 2000
    assert result["done"] is True
    assert result["records"][0]["LastName"] == "O00005"
    built.org.close()


def test_iter_records_streams_everything(paging_org: QueryOrg) -> None:
    """iter_records yields every row in order, without paging."""
    records = list(
        paging_org.engine.iter_records(
            "SELECT LastName FROM Lead WHERE Company = 'Paging' ORDER BY LastName"
        )
    )
    assert len(records) == 1490
    assert records[0]["attributes"]["type"] == "Lead"
    assert records[-1]["LastName"] == "L01489"


def test_iter_records_continues_past_short_chunk() -> None:
    """A streamed ordered chunk shortened by a delete is not the end of the stream."""
    built = build_org()
    with built.org.transaction():
        ids = [
            built.org.create("Lead", {"LastName": f"I{i:04d}", "Company": "Stream"})
            for i in range(7000)
        ]
    stream = built.engine.iter_records(
        "SELECT LastName FROM Lead WHERE Company = 'Stream' ORDER BY LastName"
    )
    names = [next(stream)["LastName"] for _ in range(2001)]
    built.org.delete("Lead", ids[4500])
    names.extend(record["LastName"] for record in stream)
    assert len(names) == 6999
    assert names[-1] == "I6999"
    assert "I4500" not in names
    built.org.close()


def test_iter_records_aggregates_without_limit(paging_org: QueryOrg) -> None:
    """iter_records returns every aggregate row, even past 2,000."""
    rows = list(
        paging_org.engine.iter_records("SELECT LastName, COUNT(Id) FROM Lead GROUP BY LastName")
    )
    assert len(rows) == 1492


def test_iter_records_raises_before_iterating(paging_org: QueryOrg) -> None:
    """A bad query fails at the call, not at the first record."""
    with pytest.raises(QueryError):
        paging_org.engine.iter_records("SELECT Nope FROM Lead")


def test_iter_records_takes_a_tree(paging_org: QueryOrg) -> None:
    """iter_records accepts a parsed query and include_deleted."""
    from sfseg.soql import parse

    tree = parse("SELECT Id FROM Lead WHERE Company = 'Paging'")
    assert len(list(paging_org.engine.iter_records(tree, include_deleted=True))) == 1500


def test_concurrent_queries_agree(paging_org: QueryOrg) -> None:
    """Queries from several threads at once return the same complete results."""
    soql = "SELECT LastName, (SELECT Subject FROM Tasks) FROM Lead WHERE Company = 'Paging' ORDER BY LastName"
    results: list[int] = []
    failures: list[BaseException] = []

    def run() -> None:
        try:
            page = paging_org.query(soql, batch_size=500)
            count = len(page["records"])
            while not page["done"]:
                page = paging_org.engine.next_page(locator_of(page), API_VERSION)
                count += len(page["records"])
            results.append(count)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert results == [1490] * 6


def test_unordered_pages_read_row_id_ranges(paging_org: QueryOrg) -> None:
    """Without ORDER BY, pages of 1,000 and 490 come in creation order."""
    soql = "SELECT LastName FROM Lead WHERE Company = 'Paging'"
    first = paging_org.query(soql, batch_size=1000)
    assert first["totalSize"] == 1490
    assert len(first["records"]) == 1000
    second = paging_org.engine.next_page(locator_of(first), API_VERSION)
    assert second["done"] is True
    names = [r["LastName"] for r in first["records"] + second["records"]]
    assert names == [f"L{index:05d}" for index in range(1490)]


def test_unordered_page_at_any_offset(paging_org: QueryOrg) -> None:
    """A locator offset the server did not hand out still returns the rows from there."""
    first = paging_org.query("SELECT LastName FROM Lead WHERE Company = 'Paging'", batch_size=1000)
    key = locator_of(first).rsplit("-", 1)[0]
    page = paging_org.engine.next_page(f"{key}-700", API_VERSION)
    assert [r["LastName"] for r in page["records"]][:2] == ["L00700", "L00701"]
    assert len(page["records"]) == 790
    assert page["done"] is True


def test_unordered_page_replays(paging_org: QueryOrg) -> None:
    """Fetching the same next page twice returns the same rows, so a client may retry."""
    first = paging_org.query("SELECT Id FROM Lead WHERE Company = 'Paging'", batch_size=500)
    locator = locator_of(first)
    again = paging_org.engine.next_page(locator, API_VERSION)
    assert paging_org.engine.next_page(locator, API_VERSION) == again


def test_unordered_pages_skip_rows_deleted_meanwhile() -> None:
    """A row deleted after the first page is left out of a later unordered page."""
    built = build_org()
    with built.org.transaction():
        ids = [
            built.org.create("Lead", {"LastName": f"K{i:03d}", "Company": "Keys"})
            for i in range(300)
        ]
    first = built.query("SELECT LastName FROM Lead WHERE Company = 'Keys'", batch_size=200)
    built.org.delete("Lead", ids[250])
    second = built.engine.next_page(locator_of(first), API_VERSION)
    assert [r["LastName"] for r in second["records"]][:2] == ["K200", "K201"]
    assert len(second["records"]) == 99
    built.org.close()
