"""Responses are freed as soon as the caller drops them, without waiting for the cyclic
garbage collector, so paging through a query keeps about one page in memory."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import httpx
import pytest

from sfseg.salesforce import SalesforceClient


@pytest.fixture
def no_cycle_collector() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _live_responses() -> int:
    return sum(1 for item in gc.get_objects() if isinstance(item, httpx.Response))


@pytest.mark.usefixtures("no_cycle_collector")
def test_dropped_response_is_freed_at_once(sandbox_client: SalesforceClient) -> None:
    response = sandbox_client.request(
        "GET", sandbox_client.data_path("query/"), params={"q": "SELECT Id FROM Contact LIMIT 1"}, replay_safe=True
    )
    assert response.json()["totalSize"] == 1
    freed = weakref.ref(response)
    del response
    assert freed() is None


@pytest.mark.usefixtures("no_cycle_collector")
def test_query_pages_do_not_pile_up(sandbox_client: SalesforceClient) -> None:
    before = _live_responses()
    seen = 0
    peak = 0
    for seen, _record in enumerate(sandbox_client.query("SELECT Id FROM Contact", batch_size=200), start=1):
        if seen % 200 == 1:
            peak = max(peak, _live_responses() - before)
    assert seen > 600  # several pages were read
    assert peak <= 2
