"""The start-up summary: one log line per object with the count queries return."""

from __future__ import annotations

import logging
import re

import pytest

from sfseg.sandbox.org import Org
from sfseg.sandbox.query import QueryEngine
from sfseg.sandbox.seeds import record_counts

_LINE = re.compile(r"seed loaded (\d+) (\w+) records")


def _logged_counts(caplog: pytest.LogCaptureFixture, seed: str) -> tuple[Org, dict[str, int]]:
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="sfseg.sandbox.seeds"):
        org = Org.open(seed=seed)
    counts: dict[str, int] = {}
    for record in caplog.records:
        match = _LINE.fullmatch(record.getMessage())
        if match is not None:
            assert match[2] not in counts, f"{match[2]} logged twice"
            counts[match[2]] = int(match[1])
    return org, counts


def _queried(org: Org, sobjects: list[str]) -> dict[str, int]:
    engine = QueryEngine(org)
    return {
        name: engine.execute(
            f"SELECT COUNT() FROM {name}", include_deleted=False, api_version="66.0"
        )["totalSize"]
        for name in sobjects
    }


@pytest.mark.parametrize("seed", ["sample", "synthetic:40", "empty"])
def test_summary_counts_what_queries_return(caplog: pytest.LogCaptureFixture, seed: str) -> None:
    """Each object with records is logged once, with the count a COUNT() query returns,
    invented and derived records included (the sample's supplement adds leads and a
    campaign to its sources)."""
    org, logged = _logged_counts(caplog, seed)
    everything = [sobject.name for sobject in org.schema]
    queried = {name: count for name, count in _queried(org, everything).items() if count}
    assert logged == queried
    if seed == "sample":
        assert (logged["Lead"], logged["Campaign"], logged["User"]) == (15, 33, 1)
    if seed == "empty":
        assert logged == {"User": 1}


def test_record_counts_skip_deleted_and_empty_objects() -> None:
    """Deleted records are not counted, and objects without records are left out."""
    org = Org.open(seed="empty")
    org.create("Lead", {"LastName": "Kept", "Company": "Acme"})
    deleted_id = org.create("Lead", {"LastName": "Deleted", "Company": "Acme"})
    org.delete("Lead", deleted_id)
    assert record_counts(org) == {"Lead": 1, "User": 1}
