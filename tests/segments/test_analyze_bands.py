"""Analysis query counts: employee bands past the 2,000-group limit in one grouped query
under the top edge, and the calls of a cold analysis of 1,000 members."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import sfseg.segments.analyze as analyze_module
from sfseg.segments.analyze import (
    EMPLOYEE_BANDS,
    REVENUE_BANDS,
    analyze_segment,
    band_label,
    band_of,
)
from sfseg.segments.analyze.batching import _Batcher
from sfseg.segments.analyze.statistics import Statistics
from sfseg.segments.create import create_segment
from sfseg.segments.store import Store
from tests.clients import salesforce_client

pytestmark = pytest.mark.slow  # starts its own synthetic-org sandbox


def _client(info: Any) -> Any:
    return salesforce_client(info)


def _many_values(run: Any, sobject: str, columns: list[Any], into: Statistics) -> None:
    # Replaces the statistics query. Banded columns get too many values to group, as
    # in an org of 100,000 contacts, and the others get few.
    for column in columns:
        into.cardinality[column.path] = 5000 if column.dimension.bands else 20


def _record_queries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Return the list that every analysis query is appended to from now on."""
    sent: list[str] = []
    original = _Batcher.query

    def spy(self: _Batcher, soql: str, *args: Any, **kwargs: Any) -> None:
        sent.append(soql)
        original(self, soql, *args, **kwargs)

    monkeypatch.setattr(_Batcher, "query", spy)
    return sent


def test_employee_bands_one_query(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Population employee bands equal the bands counted from the tables directly."""
    from sfseg.sandbox.server import run_sandbox

    monkeypatch.setattr(analyze_module, "_queue_statistics", _many_values)
    sent = _record_queries(monkeypatch)
    with (
        run_sandbox(seed="synthetic:1500") as info,
        _client(info) as client,
        Store(f"sqlite:///{tmp_path / 'bands.db'}") as store,
    ):
        created = create_segment(client, store, "Some", "Email != null")
        org = info.state.org
        with org.store.lock:
            first = org.store.connection.execute(
                'SELECT "Id", "AccountId" FROM "Contact" WHERE "AccountId" IS NOT NULL LIMIT 1'
            ).fetchone()
        # A negative count still falls in the lowest band.
        org.update("Account", first[1], {"NumberOfEmployees": -5})
        with org.store.lock:
            rows = org.store.connection.execute(
                'SELECT a."NumberOfEmployees" FROM "Contact" c LEFT JOIN "Account" a '
                'ON a."Id" = c."AccountId" WHERE c."IsDeleted" = 0'
            ).fetchall()
        org.create("CampaignMember", {"CampaignId": created.campaign_id, "ContactId": first[0]})
        analysis = analyze_segment(
            client, store, "Some", fields=["employees", "LeadSource"], include_report=False
        )
    expected: Counter[str | None] = Counter()
    for (n,) in rows:
        label = (
            None if n is None else band_label(EMPLOYEE_BANDS, band_of(EMPLOYEE_BANDS, Decimal(n)))
        )
        expected[label] += 1
    population = {v.value: v.population_count for v in analysis.demographics["employees"].values}
    assert {k: v for k, v in population.items() if v} == dict(expected)
    assert len([k for k, v in expected.items() if k is not None and v]) >= 3
    segment = {v.value: v.count for v in analysis.demographics["employees"].values if v.count}
    assert segment == {band_label(EMPLOYEE_BANDS, 0): 1}
    employee_queries = [
        q for q in sent if "NumberOfEmployees <" in q or "NumberOfEmployees >=" in q
    ]
    # One query below the top edge for the population. The small segment groups its values.
    assert len(employee_queries) == 1
    assert "NumberOfEmployees < 1000" in employee_queries[0]


def _expire_population(store: Store) -> None:
    """Date the stored population counts back past their reuse window."""
    from sfseg.segments.analyze import POPULATION_MAX_AGE, POPULATION_STATE_PREFIX
    from sfseg.segments.store import StoreState

    long_ago = dt.datetime.now(dt.UTC) - POPULATION_MAX_AGE - dt.timedelta(hours=1)
    with store.session() as session:
        for row in session.query(StoreState).filter(
            StoreState.name.startswith(POPULATION_STATE_PREFIX)
        ):
            data = json.loads(row.value)
            data["as_of"] = long_ago.isoformat()
            row.value = json.dumps(data)


def test_expired_population_1000_calls(tmp_path: Path) -> None:
    """A segment of 1,000 contacts with the population counted again costs three Composite
    calls and the report run, with one other stored segment."""
    from sfseg.sandbox.server import run_sandbox

    with (
        run_sandbox(seed="synthetic:3000") as info,
        _client(info) as client,
        Store(f"sqlite:///{tmp_path / 'cold.db'}") as store,
    ):
        created = create_segment(client, store, "Thousand", "Email != null")
        other = create_segment(client, store, "Other", "Email != null")
        org = info.state.org
        with org.store.lock:
            ids = [
                row[0]
                for row in org.store.connection.execute(
                    'SELECT "Id" FROM "Contact" ORDER BY "Id" LIMIT 1000'
                )
            ]
            revenues = org.store.connection.execute(
                'SELECT a."AnnualRevenue" FROM "Contact" c LEFT JOIN "Account" a '
                'ON a."Id" = c."AccountId" ORDER BY c."Id" LIMIT 1000'
            ).fetchall()
        with org.transaction():
            for contact_id in ids:
                org.create(
                    "CampaignMember", {"CampaignId": created.campaign_id, "ContactId": contact_id}
                )
            for contact_id in ids[:10]:
                org.create(
                    "CampaignMember", {"CampaignId": other.campaign_id, "ContactId": contact_id}
                )
        first = analyze_segment(client, store, "Thousand")
        _expire_population(store)
        cold = analyze_segment(client, store, "Thousand")
        warm = analyze_segment(client, store, "Thousand")
    assert first.report is not None and first.report.origin == "reused"
    assert first.api_calls == 4
    assert cold.population_as_of != first.population_as_of
    assert cold.api_calls == 4
    assert warm.api_calls == 3
    assert cold.size.members == 1000
    assert [(o.name, o.shared) for o in cold.overlap] == [("Other", 10)]
    assert cold.demographics == warm.demographics
    expected: Counter[str | None] = Counter()
    for (amount,) in revenues:
        band = None if amount is None else band_of(REVENUE_BANDS, Decimal(str(amount)))
        expected[None if band is None else band_label(REVENUE_BANDS, band)] += 1
    revenue = {v.value: v.count for v in cold.demographics["annual_revenue"].values if v.count}
    assert revenue == dict(expected)
    assert len([k for k in expected if k is not None]) >= 2


def _contact_bands(org: Any, edges: Any, column: str, where: str = "") -> Counter[str | None]:
    with org.store.lock:
        values = org.store.connection.execute(
            f'SELECT a."{column}" FROM "Contact" c LEFT JOIN "Account" a ON a."Id" = c."AccountId" '
            f'WHERE c."IsDeleted" = 0 {where}'
        ).fetchall()
    bands: Counter[str | None] = Counter()
    for (value,) in values:
        index = None if value is None else band_of(edges, Decimal(str(value)))
        bands[None if index is None else band_label(edges, index)] += 1
    return bands


def test_outdated_range_edge_queried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An edge skipped because the stored range was below it is counted once the fresh
    range reaches it, so the top revenue band stays exact."""
    from sfseg.sandbox.server import run_sandbox

    sent = _record_queries(monkeypatch)
    top = f"AnnualRevenue >= {REVENUE_BANDS[-1]}"
    with (
        run_sandbox(seed="synthetic:3000") as info,
        _client(info) as client,
        Store(f"sqlite:///{tmp_path / 'range.db'}") as store,
    ):
        create_segment(client, store, "Everyone", "Email != null")
        org = info.state.org
        with org.store.lock:
            contact, account = org.store.connection.execute(
                'SELECT "Id", "AccountId" FROM "Contact" WHERE "AccountId" IS NOT NULL LIMIT 1'
            ).fetchone()
        org.create("CampaignMember", {"CampaignId": _campaign(store), "ContactId": contact})
        analyze_segment(client, store, "Everyone", include_report=False)
        assert not [q for q in sent if top in q]  # no synthetic account reaches 1B
        org.update("Account", account, {"AnnualRevenue": 2_500_000_000})
        _expire_population(store)
        sent.clear()
        analysis = analyze_segment(client, store, "Everyone", include_report=False)
        expected = _contact_bands(org, REVENUE_BANDS, "AnnualRevenue")
    population = {
        v.value: v.population_count for v in analysis.demographics["annual_revenue"].values
    }
    assert {k: v for k, v in population.items() if v} == dict(expected)
    assert population[band_label(REVENUE_BANDS, 2)] == expected[band_label(REVENUE_BANDS, 2)] >= 1
    segment = {v.value: v.count for v in analysis.demographics["annual_revenue"].values if v.count}
    assert segment == {band_label(REVENUE_BANDS, 2): 1}
    assert [q for q in sent if top in q]  # the population edge, queried after the fresh range


def _campaign(store: Store) -> str:
    from sfseg.segments.store.models import Segment

    with store.session() as session:
        row = session.query(Segment).filter(Segment.name == "Everyone").one()
        assert row.campaign_id is not None
        return str(row.campaign_id)


def test_outdated_counts_split_grouping(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A grouping planned from outdated distinct-value counts reaches 2,000 groups, so it
    is split into one query per column and the counts stay exact."""
    from sfseg.sandbox.server import run_sandbox

    def outdated(run: Any, sobject: str, columns: list[Any]) -> Statistics:
        # Every column had one value when these were stored, so all share one query.
        return Statistics({c.path: 1 for c in columns if c.field.groupable}, {})

    with (
        run_sandbox(seed="synthetic:3000") as info,
        _client(info) as client,
        Store(f"sqlite:///{tmp_path / 'split.db'}") as store,
    ):
        create_segment(client, store, "Everyone", "Email != null")
        exact = analyze_segment(client, store, "Everyone", include_report=False)
        sent = _record_queries(monkeypatch)
        monkeypatch.setattr(analyze_module, "_load_statistics", outdated)
        split = analyze_segment(
            client, store, "Everyone", include_report=False, population_max_age=None
        )
    together = [q for q in sent if "GROUP BY MailingCountry, MailingState, Title" in q]
    assert together, "the outdated counts should have put the columns in one grouping"
    singles = [q for q in sent if q.startswith("SELECT Title, COUNT(Id) n FROM Contact GROUP BY")]
    assert len(singles) == 1
    assert split.demographics == exact.demographics
