"""Employee bands counted past the 2,000-group limit: one grouped query under the top
edge, the top band as the non-null count less the rest."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import sfseg.segments.analyze as analyze_module
from sfseg.segments.analyze import EMPLOYEE_BANDS, analyze_segment, band_label, band_of
from sfseg.segments.analyze.batching import _Batcher
from sfseg.segments.create import create_segment
from sfseg.segments.store import Store

pytestmark = pytest.mark.slow  # starts its own synthetic-org sandbox


def _client(info: Any) -> Any:
    from sfseg.salesforce import ConnectionSettings, SalesforceClient

    return SalesforceClient(
        ConnectionSettings(
            instance_url=info.url, login_url=info.url, api_version=info.api_version,
            flow="client_credentials", client_id=info.client_id, client_secret=info.client_secret,
        )
    )  # fmt: skip


def _many_values(run: Any, sobject: str, columns: list[Any], into: dict[str, int]) -> None:
    # Replaces the distinct-value query. Banded columns get too many values to group, as
    # in an org of 100,000 contacts, and the others get few.
    for column in columns:
        into[column.path] = 5000 if column.dimension.bands else 20


def test_employee_bands_one_query(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Population employee bands equal the bands counted from the tables directly."""
    from sfseg.sandbox.server import run_sandbox

    monkeypatch.setattr(analyze_module, "_queue_cardinality", _many_values)
    sent: list[str] = []
    original = _Batcher.query

    def spy(self: _Batcher, soql: str, *args: Any, **kwargs: Any) -> None:
        sent.append(soql)
        original(self, soql, *args, **kwargs)

    monkeypatch.setattr(_Batcher, "query", spy)
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
