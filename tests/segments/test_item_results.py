"""A run's items are read as a sequence, each result built when it is read."""

from __future__ import annotations

from sfseg.segments.assign import ItemResults
from sfseg.segments.jobs import ItemState
from sfseg.segments.plan import Outcome


def _results() -> ItemResults:
    return ItemResults(
        [
            ItemState(seq=0, customer_id="a@example.org", outcome=Outcome.CREATED),
            ItemState(seq=1, customer_id="b@example.org", outcome=Outcome.SKIPPED, reason="not_found"),
            ItemState(seq=2, customer_id="c@example.org", outcome=Outcome.ALREADY_MEMBER),
        ]
    )


def test_items_index_and_length():
    results = _results()

    assert len(results) == 3
    assert results[0].customer_id == "a@example.org"
    assert results[-1].outcome == "already_member"
    assert results[1].reason == "not_found"


def test_items_slice_and_iterate():
    results = _results()

    assert [item.customer_id for item in results[1:]] == ["b@example.org", "c@example.org"]
    assert [item.outcome for item in results] == ["created", "skipped", "already_member"]
    assert [item.customer_id for item in results[::-1]][0] == "c@example.org"
