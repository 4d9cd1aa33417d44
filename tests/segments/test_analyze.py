"""analyze_segment on the sample org, checked against numbers computed from the seed files
(demographics) and from the sandbox's own tables with plain SQL (behaviour)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sfseg.segments.analyze import (
    REVENUE_BANDS,
    Analysis,
    ReportNotFoundError,
    UnknownFieldError,
    analyze_segment,
    band_label,
)
from sfseg.segments.assign import refresh_segment
from sfseg.segments.create import create_segment
from sfseg.segments.criteria import preview
from sfseg.segments.store import Store
from tests.clients import salesforce_client
from tests.segments.seed_data import count_by, seed_contacts

pytestmark = pytest.mark.slow  # starts its own sample-org sandbox

TEXAS = "MailingState = 'Texas'"
# Website is a lead source of the coral-cloud contacts.
TEXAS_WEB = "MailingState = 'Texas' AND LeadSource = 'Website'"


@pytest.fixture(scope="module")
def module_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path: Path = tmp_path_factory.mktemp("analysis") / "sfseg.db"
    with Store(f"sqlite:///{path}") as store:
        yield store


@pytest.fixture(scope="module")
def analyses(sample_org: Any, module_store: Store) -> dict[str, Any]:
    """Two populated segments and two analyses of the first (the second reuses the report)."""
    with next_client(sample_org) as client:
        texas = create_segment(client, module_store, "Texas", TEXAS)
        web = create_segment(client, module_store, "Texas web", TEXAS_WEB)
        assert texas.segment is not None and web.segment is not None
        refresh_segment(client, module_store, texas.segment.id)
        refresh_segment(client, module_store, web.segment.id)
        first = analyze_segment(client, module_store, texas.segment.id)
        second = analyze_segment(client, module_store, texas.segment.id)
    return {"first": first, "second": second, "texas": texas, "web": web}


def next_client(info: Any) -> Any:
    return salesforce_client(info)


def _sql(sample_org: Any, text: str, *params: Any) -> list[tuple[Any, ...]]:
    store = sample_org.state.org.store
    with store.lock:
        return list(store.connection.execute(text, params).fetchall())


def _texas_ids(sample_org: Any) -> list[str]:
    return [
        row[0]
        for row in _sql(
            sample_org,
            """SELECT "Id" FROM "Contact" WHERE "MailingState" = 'Texas' AND "IsDeleted" = 0""",
        )
    ]


def _values(analysis: Analysis, name: str) -> dict[str | None, tuple[int, int]]:
    return {v.value: (v.count, v.population_count) for v in analysis.demographics[name].values}


def test_preview_counts_match_seed(sample_client: Any) -> None:
    """Preview counts equal the counts taken from the seed files."""
    contacts = seed_contacts()
    texas = sum(1 for c in contacts if c.state == "Texas")
    us = sum(1 for c in contacts if c.country == "United States")
    titled = sum(1 for c in contacts if c.title is not None and c.title.startswith("Account"))
    assert preview(sample_client, TEXAS).counts == {"Contact": texas}
    assert preview(sample_client, "MailingCountry = 'United States'").counts == {"Contact": us}
    assert preview(
        sample_client, "match: {field: Title, op: starts_with, value: Account}"
    ).counts == {"Contact": titled}


def test_size_matches_seed(analyses: dict[str, Any]) -> None:
    """Members, contacts and statuses equal the Texas contacts of the seed files."""
    texas = sum(1 for c in seed_contacts() if c.state == "Texas")
    size = analyses["first"].size
    assert (size.members, size.contacts, size.leads, size.responded) == (texas, texas, 0, 0)
    assert size.by_status == {"Added": texas}
    assert size.response_rate == 0.0


def test_demographics_match_seed(analyses: dict[str, Any]) -> None:
    """Segment and population counts per value equal the seed files' counts."""
    contacts = seed_contacts()
    texas = [c for c in contacts if c.state == "Texas"]
    analysis: Analysis = analyses["first"]
    for name, attribute in (
        ("lead_source", "lead_source"),
        ("country", "country"),
        ("state", "state"),
        ("title", "title"),
    ):
        segment = count_by(texas, attribute)
        population = count_by(contacts, attribute)
        expected = {value: (segment.get(value, 0), n) for value, n in population.items()}
        assert _values(analysis, name) == expected, name


def test_shares_and_lift(analyses: dict[str, Any]) -> None:
    """Shares are over segment and population totals; lift is their ratio."""
    contacts = seed_contacts()
    texas = [c for c in contacts if c.state == "Texas"]
    website = next(
        v for v in analyses["first"].demographics["lead_source"].values if v.value == "Website"
    )
    segment_share = sum(1 for c in texas if c.lead_source == "Website") / len(texas)
    population_share = sum(1 for c in contacts if c.lead_source == "Website") / len(contacts)
    assert website.share == round(segment_share, 6)
    assert website.population_share == round(population_share, 6)
    assert website.lift == round(round(segment_share, 6) / round(population_share, 6), 4)


def test_bands(analyses: dict[str, Any], sample_org: Any) -> None:
    """Employee and revenue bands count every contact once, by its account's value."""
    rows = _sql(
        sample_org,
        """
        SELECT a."NumberOfEmployees", a."AnnualRevenue" FROM "Contact" c
        LEFT JOIN "Account" a ON a."Id" = c."AccountId" WHERE c."IsDeleted" = 0""",
    )
    employees: Counter[str | None] = Counter()
    revenue: Counter[str | None] = Counter()
    for n, amount in rows:
        employees[None if n is None else _band((0, 10, 100, 1000), n)] += 1
        revenue[None if amount is None else _band(tuple(map(int, REVENUE_BANDS)), amount)] += 1
    population = {
        v.value: v.population_count for v in analyses["first"].demographics["employees"].values
    }
    assert {k: v for k, v in population.items() if v} == dict(employees)
    population = {
        v.value: v.population_count for v in analyses["first"].demographics["annual_revenue"].values
    }
    assert {k: v for k, v in population.items() if v} == dict(revenue)


def _band(edges: tuple[int, ...], value: float) -> str:
    index = max(i for i, edge in enumerate(edges) if value >= edge)
    return band_label([Decimal(e) for e in edges], index)


def test_behaviour_matches_tables(analyses: dict[str, Any], sample_org: Any) -> None:
    """Opportunities, cases and activities equal plain SQL over the sandbox's tables."""
    ids = _texas_ids(sample_org)
    marks = ",".join("?" * len(ids))
    cases = _sql(
        sample_org,
        f'SELECT "Priority", "IsClosed" FROM "Case" WHERE "ContactId" IN ({marks}) AND "IsDeleted" = 0',
        *ids,
    )
    behaviour = analyses["first"].behaviour
    assert behaviour.cases.count == len(cases)
    assert behaviour.cases.open == sum(1 for _, closed in cases if not closed)
    assert behaviour.cases.by_priority == dict(Counter(p or "(none)" for p, _ in cases))

    opportunities = _sql(
        sample_org,
        f"""
        SELECT DISTINCT o."Id", o."IsClosed", o."IsWon", o."Amount", o."CloseDate" FROM "Opportunity" o
        JOIN "OpportunityContactRole" r ON r."OpportunityId" = o."Id"
        WHERE r."ContactId" IN ({marks}) AND r."IsDeleted" = 0 AND o."IsDeleted" = 0""",
        *ids,
    )
    roles = behaviour.opportunities["contact_roles"]
    assert roles.count == len(opportunities)
    assert roles.won == sum(1 for row in opportunities if row[2])
    assert roles.open == sum(1 for row in opportunities if not row[1])
    won_amount = sum(
        (Decimal(str(row[3])) for row in opportunities if row[2] and row[3] is not None), Decimal(0)
    )
    assert roles.won_amount == won_amount
    assert isinstance(roles.won_amount, Decimal)
    if opportunities:
        assert str(roles.last_close_date) == max(row[4] for row in opportunities)

    direct = _sql(
        sample_org,
        f"""SELECT COUNT(*), COALESCE(SUM(CASE WHEN "IsWon" = 1 THEN "Amount" END), 0)
        FROM "Opportunity" WHERE "ContactId" IN ({marks}) AND "IsDeleted" = 0""",
        *ids,
    )
    contact = behaviour.opportunities["contact"]
    assert (contact.count, contact.won_amount) == (direct[0][0], Decimal(str(direct[0][1])))
    assert list(behaviour.opportunities) == ["contact", "contact_roles", "account"]


def test_contact_roles_summed_past_2000(
    analyses: dict[str, Any], sample_org: Any, module_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past 2,000 member contacts the roles are summed with ROLLUP: the primary-contact
    channel stays exact and each opportunity is still counted once."""
    import sfseg.segments.analyze.behaviour as behaviour_module

    monkeypatch.setattr(behaviour_module, "MAX_GROUPS", 1)
    with next_client(sample_org) as client:
        summed = analyze_segment(client, module_store, "Texas", include_report=False)
    exact = analyses["first"].behaviour.opportunities
    assert summed.behaviour.opportunities["contact"] == exact["contact"]
    roles, exact_roles = summed.behaviour.opportunities["contact_roles"], exact["contact_roles"]
    assert (roles.count, roles.open, roles.won, roles.last_close_date) == (
        exact_roles.count, exact_roles.open, exact_roles.won, exact_roles.last_close_date,
    )  # fmt: skip
    assert any("once per member contact role" in note for note in summed.notes)


def test_overlap(analyses: dict[str, Any]) -> None:
    """Overlap with another stored segment counts the members both Campaigns hold."""
    texas_web = sum(1 for c in seed_contacts() if c.state == "Texas" and c.lead_source == "Website")
    overlap = analyses["first"].overlap
    assert [(o.name, o.shared) for o in overlap] == [("Texas web", texas_web)]


def test_report_run(analyses: dict[str, Any]) -> None:
    """The report is made once, reused, and its rows cover every member."""
    first, second = analyses["first"].report, analyses["second"].report
    assert first.error is None
    assert first.report_id == second.report_id
    # The first segment created with the store made the report.
    assert (first.origin, second.origin) == ("reused", "reused")
    assert first.name == "sfseg segment analysis"
    assert first.groupings == ["COUNTRY", "LEAD_SOURCE"]
    assert sum(row["RowCount"] for row in first.rows) == analyses["first"].size.members


def test_api_calls(analyses: dict[str, Any]) -> None:
    """An analysis costs three calls, and one more when it counts the population."""
    assert analyses["second"].api_calls == 3
    assert analyses["first"].api_calls == 4


def test_population_reused(analyses: dict[str, Any]) -> None:
    """The second analysis reuses the stored population counts and reports the same figures."""
    first, second = analyses["first"], analyses["second"]
    assert second.population_as_of == first.population_as_of
    assert second.demographics == first.demographics
    assert second.size == first.size


def test_json_keys(analyses: dict[str, Any]) -> None:
    """The JSON form has the documented keys, with amounts as exact decimal text."""
    data = analyses["first"].to_json()
    assert set(data) >= {"size", "demographics", "behaviour", "report", "overlap", "api_calls"}
    assert isinstance(data["behaviour"]["opportunities"]["contact_roles"]["won_amount"], str)


def test_lead_and_its_contact_count_once(sample_org: Any, module_store: Store) -> None:
    """A lead member converted into a contact that is a member too counts once, as the contact."""
    org = sample_org.state.org
    leads = [
        row[0]
        for row in _sql(
            sample_org,
            """
        SELECT "Id" FROM "Lead" WHERE "IsConverted" = 0 AND "Email" IS NOT NULL ORDER BY "Id" LIMIT 4""",
        )
    ]
    contacts = [
        row[0]
        for row in _sql(
            sample_org,
            """
        SELECT "Id" FROM "Contact" WHERE "MailingState" = 'Ohio' ORDER BY "Id" LIMIT 3""",
        )
    ]
    with next_client(sample_org) as client:
        created = create_segment(
            client, module_store, "Converted pairs", "Email != null", target="both"
        )
        campaign_id = created.campaign_id or ""
        for lead_id in leads:
            org.create(
                "CampaignMember",
                {"CampaignId": campaign_id, "LeadId": lead_id, "Status": "Responded"},
            )
        for lead_id, contact_id in zip(leads, contacts, strict=False):
            org.create("CampaignMember", {"CampaignId": campaign_id, "ContactId": contact_id})
            org.convert_lead(lead_id, contact_id=contact_id, account_id=None)
        analysis = analyze_segment(client, module_store, "Converted pairs", include_report=False)
    size = analysis.size
    assert (size.members, size.contacts, size.leads) == (4, 3, 1)
    assert size.leads_counted_as_contacts == 3
    # Three responded rows are leads counted as their contacts, which did not respond.
    assert size.responded == 1
    assert size.by_status == {"Added": 3, "Responded": 4}


def test_unknown_report_id_fails_first(
    sample_org: Any, module_store: Store, analyses: dict[str, Any]
) -> None:
    """A given report id that names no report fails after that one call, before the analysis."""
    segment_id = analyses["texas"].segment.id
    with next_client(sample_org) as client:
        before = client.api_calls
        with pytest.raises(ReportNotFoundError, match="report 00O000000000000AAA not found"):
            analyze_segment(client, module_store, segment_id, report_id="00O000000000000AAA")
        assert client.api_calls - before == 1


def test_malformed_report_id_costs_nothing(sample_org: Any, analyses: dict[str, Any], module_store: Store) -> None:
    """A report id of the wrong shape is named in the error before any API call."""
    with next_client(sample_org) as client:
        before = client.api_calls
        with pytest.raises(ReportNotFoundError, match="'00Obogus' is not a Report id"):
            analyze_segment(client, module_store, analyses["texas"].segment.id, report_id="00Obogus")
        assert client.api_calls == before


def test_unknown_field_fails(sample_org: Any, analyses: dict[str, Any], module_store: Store) -> None:
    """A requested field that neither object has fails, naming it, after the first call."""
    with next_client(sample_org) as client:
        before = client.api_calls
        with pytest.raises(UnknownFieldError, match="'Bogus__c' cannot be analyzed: Contact has no field Bogus__c"):
            analyze_segment(client, module_store, analyses["texas"].segment.id,
                            fields=["MailingCity", "Bogus__c"], include_report=False)  # fmt: skip
        assert client.api_calls - before == 1


def test_shared_opportunity_counted_once(sample_org: Any, module_store: Store) -> None:
    """An opportunity with two member contacts in its roles counts once, amount included."""
    org = sample_org.state.org
    contacts = [
        row[0]
        for row in _sql(
            sample_org,
            """
        SELECT "Id" FROM "Contact" WHERE "MailingState" = 'Nevada' ORDER BY "Id" LIMIT 2""",
        )
    ]
    with next_client(sample_org) as client:
        created = create_segment(client, module_store, "Shared deal", "Email != null")
        campaign_id = created.campaign_id or ""
        for contact_id in contacts:
            org.create("CampaignMember", {"CampaignId": campaign_id, "ContactId": contact_id})
        deal = org.create(
            "Opportunity",
            {
                "Name": "Shared",
                "StageName": "Closed Won",
                "CloseDate": "2026-01-10",
                "Amount": 1234.5,
            },
        )
        for contact_id in contacts:
            org.create("OpportunityContactRole", {"OpportunityId": deal, "ContactId": contact_id})
        analysis = analyze_segment(client, module_store, "Shared deal", include_report=False)
    roles = analysis.behaviour.opportunities["contact_roles"]
    assert (roles.count, roles.won, roles.won_amount) == (1, 1, Decimal("1234.5"))
    assert roles.average_deal_size == Decimal("1234.50")
    assert str(roles.last_close_date) == "2026-01-10"


def test_primary_contact_channel(sample_org: Any, module_store: Store) -> None:
    """The `contact` channel counts the opportunities whose primary contact is a member,
    and `contact_roles` also counts those where a member has another role."""
    org = sample_org.state.org
    first, second = (
        row[0]
        for row in _sql(
            sample_org,
            """SELECT "Id" FROM "Contact" WHERE "MailingState" = 'Nevada' ORDER BY "Id" DESC LIMIT 2""",
        )
    )
    with next_client(sample_org) as client:
        created = create_segment(client, module_store, "Primary deal", "Email != null")
        for contact_id in (first, second):
            org.create(
                "CampaignMember", {"CampaignId": created.campaign_id, "ContactId": contact_id}
            )
        won = {"StageName": "Closed Won", "CloseDate": "2026-02-01"}
        org.create("Opportunity", {"Name": "Direct", "Amount": 500, "ContactId": first, **won})
        other = org.create("Opportunity", {"Name": "Role only", "Amount": 300, **won})
        org.create("OpportunityContactRole", {"OpportunityId": other, "ContactId": second})
        analysis = analyze_segment(client, module_store, "Primary deal", include_report=False)
    channels = analysis.behaviour.opportunities
    assert (channels["contact"].count, channels["contact"].won_amount) == (1, Decimal(500))
    assert (channels["contact_roles"].count, channels["contact_roles"].won_amount) == (
        2, Decimal(800),
    )  # fmt: skip


def test_other_object_member_noted(sample_org: Any, module_store: Store) -> None:
    """A lead member of a contact segment is counted in the size and named in a note,
    because the demographics compare contacts only."""
    org = sample_org.state.org
    contact = _sql(sample_org, """SELECT "Id" FROM "Contact" WHERE "MailingState" = 'Utah' LIMIT 1""")
    lead = _sql(sample_org, """SELECT "Id" FROM "Lead" WHERE "IsConverted" = 0 LIMIT 1""")
    with next_client(sample_org) as client:
        created = create_segment(client, module_store, "Mixed members", "Email != null")
        org.create("CampaignMember", {"CampaignId": created.campaign_id, "ContactId": contact[0][0]})
        org.create("CampaignMember", {"CampaignId": created.campaign_id, "LeadId": lead[0][0]})
        analysis = analyze_segment(client, module_store, "Mixed members", include_report=False)
    assert (analysis.size.contacts, analysis.size.leads) == (1, 1)
    left_out = [note for note in analysis.notes if "left out of the demographics" in note]
    assert left_out == [
        "1 lead member left out of the demographics, which compare the segment's target "
        "(contacts) with its population; sizes and behaviour include them"
    ]
    assert sum(v.count for v in analysis.demographics["country"].values) == 1


def test_lead_segment(sample_org: Any, module_store: Store) -> None:
    """A lead segment reports lead sizes and the lead-only rating against all leads."""
    hot = _sql(
        sample_org,
        """SELECT COUNT(*) FROM "Lead" WHERE "Rating" = 'Hot' AND "IsConverted" = 0 AND "IsDeleted" = 0""",
    )[0][0]
    ratings = dict(
        _sql(
            sample_org,
            """SELECT "Rating", COUNT(*) FROM "Lead" WHERE "IsDeleted" = 0 GROUP BY "Rating" """,
        )
    )
    with next_client(sample_org) as client:
        created = create_segment(
            client,
            module_store,
            "Hot leads",
            "Rating = 'Hot' AND IsConverted = false",
            target="lead",
        )
        assert created.counts == {"Lead": hot}
        assert created.segment is not None
        refresh_segment(client, module_store, created.segment.id)
        analysis = analyze_segment(client, module_store, created.segment.id, include_report=False)
    assert (analysis.size.members, analysis.size.leads, analysis.size.contacts) == (hot, hot, 0)
    assert _values(analysis, "rating") == {
        value: (hot if value == "Hot" else 0, n) for value, n in ratings.items()
    }
    assert "department" not in analysis.demographics


def test_custom_fields(analyses: dict[str, Any], sample_org: Any, module_store: Store) -> None:
    """--fields replaces the default demographics; each path is grouped on the object."""
    texas = sum(1 for c in seed_contacts() if c.state == "Texas")
    cities = dict(
        _sql(
            sample_org,
            """
        SELECT "MailingCity", COUNT(*) FROM "Contact" WHERE "MailingState" = 'Texas' AND "IsDeleted" = 0
        GROUP BY "MailingCity" """,
        )
    )
    with next_client(sample_org) as client:
        analysis = analyze_segment(
            client,
            module_store,
            analyses["texas"].segment.id,
            fields=["MailingCity"],
            include_report=False,
        )
    assert list(analysis.demographics) == ["MailingCity"]
    counts = {v.value: v.count for v in analysis.demographics["MailingCity"].values if v.count}
    assert counts == cities
    assert sum(counts.values()) == texas


def test_grouping_past_2000_values_sliced(tmp_path: Path) -> None:
    """A field with more than 2,000 values keeps the 2,000 largest groups and sums the rest
    into (other), so every record is still counted once."""
    from sfseg.sandbox.server import run_sandbox

    with (
        run_sandbox(seed="synthetic:2500") as info,
        next_client(info) as client,
        Store(f"sqlite:///{tmp_path / 'sliced.db'}") as store,
    ):
        created = create_segment(client, store, "Ten", "Email != null")
        org = info.state.org
        with org.store.lock:
            ids = [
                row[0]
                for row in org.store.connection.execute(
                    'SELECT "Id" FROM "Contact" ORDER BY "Id" LIMIT 10'
                )
            ]
        for contact_id in ids:
            org.create(
                "CampaignMember", {"CampaignId": created.campaign_id, "ContactId": contact_id}
            )
        analysis = analyze_segment(client, store, "Ten", fields=["Email"], include_report=False)
    emails = analysis.demographics["Email"]
    assert emails.sliced is True
    population = {v.value: v.population_count for v in emails.values}
    assert population["(other)"] == 500
    assert sum(population.values()) == 2500
    assert sum(v.count for v in emails.values) == 10
    assert analysis.api_calls == 4


def test_no_lead_members_bands_complete(sample_org: Any, module_store: Store) -> None:
    """A segment with no lead members counts zero per lead band, with no note about the bands."""
    with next_client(sample_org) as client:
        created = create_segment(client, module_store, "Texas both", TEXAS, target="both")
        assert created.segment is not None
        refresh_segment(client, module_store, created.segment.id)
        analysis = analyze_segment(client, module_store, created.segment.id, include_report=False)
    assert analysis.size.leads == 0
    assert [note for note in analysis.notes if "annual_revenue" in note or "employees" in note] == []
