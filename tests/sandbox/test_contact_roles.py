"""Opportunity.ContactId and the primary OpportunityContactRole move together."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from sfseg.sandbox.clock import FixedClock
from sfseg.sandbox.org import Org

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
OPPORTUNITY = {"Name": "Harbor renewal", "StageName": "Prospecting", "CloseDate": "2026-06-30"}


@pytest.fixture
def org() -> Org:
    return Org.open(clock=FixedClock(NOW))


@pytest.fixture
def contacts(org: Org) -> list[str]:
    account = org.create("Account", {"Name": "Harbor Health Partners"})
    return [org.create("Contact", {"LastName": name, "AccountId": account})
            for name in ("Raman", "Okafor", "Weber")]


def roles(org: Org, opportunity: str) -> list[dict[str, Any]]:
    cursor = org.store.connection.execute(
        'SELECT "Id", "ContactId", "IsPrimary", "Role" FROM "OpportunityContactRole" '
        'WHERE "OpportunityId" = ? AND "IsDeleted" = 0 ORDER BY "Id"',
        (opportunity,),
    )
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def primary_contacts(org: Org, opportunity: str) -> list[str]:
    return [role["ContactId"] for role in roles(org, opportunity) if role["IsPrimary"]]


def contact_of(org: Org, opportunity: str) -> str | None:
    value = org.retrieve("Opportunity", opportunity, ["ContactId"], "66.0")["ContactId"]
    return None if value is None else str(value)


# ------------------------------------------------------------------ insert


def test_opportunity_with_contact_gets_one_primary_role(org: Org, contacts: list[str]) -> None:
    opportunity = org.create("Opportunity", {**OPPORTUNITY, "ContactId": contacts[0]})

    [role] = roles(org, opportunity)
    assert role["Id"].startswith("00K")
    assert (role["ContactId"], role["IsPrimary"], role["Role"]) == (contacts[0], 1, None)
    assert contact_of(org, opportunity) == contacts[0]
    record = org.retrieve("OpportunityContactRole", role["Id"], None, "66.0")
    assert (record["OpportunityId"], record["IsPrimary"]) == (opportunity, True)


def test_opportunity_without_contact_gets_no_role(org: Org, contacts: list[str]) -> None:
    opportunity = org.create("Opportunity", OPPORTUNITY)

    assert roles(org, opportunity) == []
    assert contact_of(org, opportunity) is None


def test_failed_opportunity_insert_leaves_no_role(org: Org, contacts: list[str]) -> None:
    with pytest.raises(ValueError, match="boom"), org.transaction():
        org.create("Opportunity", {**OPPORTUNITY, "ContactId": contacts[0]})
        raise ValueError("boom")

    assert org.store.count("OpportunityContactRole") == 0


# --------------------------------------------------------------- IsPrimary


def test_new_primary_role_takes_over(org: Org, contacts: list[str]) -> None:
    opportunity = org.create("Opportunity", {**OPPORTUNITY, "ContactId": contacts[0]})

    org.create("OpportunityContactRole", {"OpportunityId": opportunity,
                                          "ContactId": contacts[1], "IsPrimary": True})

    assert primary_contacts(org, opportunity) == [contacts[1]]
    assert contact_of(org, opportunity) == contacts[1]
    assert len(roles(org, opportunity)) == 2


def test_role_inserted_not_primary_leaves_contact(org: Org, contacts: list[str]) -> None:
    opportunity = org.create("Opportunity", {**OPPORTUNITY, "ContactId": contacts[0]})

    org.create("OpportunityContactRole", {"OpportunityId": opportunity,
                                          "ContactId": contacts[1], "Role": "Evaluator"})

    assert primary_contacts(org, opportunity) == [contacts[0]]
    assert contact_of(org, opportunity) == contacts[0]


def test_non_primary_role_sets_no_contact(org: Org, contacts: list[str]) -> None:
    opportunity = org.create("Opportunity", OPPORTUNITY)

    org.create("OpportunityContactRole", {"OpportunityId": opportunity,
                                          "ContactId": contacts[1], "IsPrimary": False})

    assert contact_of(org, opportunity) is None


def test_flipping_is_primary_moves_contact(org: Org, contacts: list[str]) -> None:
    opportunity = org.create("Opportunity", {**OPPORTUNITY, "ContactId": contacts[0]})
    second = org.create("OpportunityContactRole", {"OpportunityId": opportunity,
                                                   "ContactId": contacts[1]})
    third = org.create("OpportunityContactRole", {"OpportunityId": opportunity,
                                                  "ContactId": contacts[2]})

    org.update("OpportunityContactRole", second, {"IsPrimary": True})
    assert primary_contacts(org, opportunity) == [contacts[1]]
    assert contact_of(org, opportunity) == contacts[1]

    org.update("OpportunityContactRole", third, {"IsPrimary": True})
    assert primary_contacts(org, opportunity) == [contacts[2]]
    assert contact_of(org, opportunity) == contacts[2]


def test_primary_role_given_new_contact_moves_contact(org: Org, contacts: list[str]) -> None:
    opportunity = org.create("Opportunity", {**OPPORTUNITY, "ContactId": contacts[0]})
    [role] = roles(org, opportunity)

    org.update("OpportunityContactRole", role["Id"], {"ContactId": contacts[2]})

    assert contact_of(org, opportunity) == contacts[2]


def test_clearing_is_primary_nulls_contact(org: Org, contacts: list[str]) -> None:
    opportunity = org.create("Opportunity", {**OPPORTUNITY, "ContactId": contacts[0]})
    [role] = roles(org, opportunity)

    org.update("OpportunityContactRole", role["Id"], {"IsPrimary": False})

    assert contact_of(org, opportunity) is None
    assert primary_contacts(org, opportunity) == []


def test_updating_non_primary_role_leaves_contact(org: Org, contacts: list[str]) -> None:
    opportunity = org.create("Opportunity", {**OPPORTUNITY, "ContactId": contacts[0]})
    other = org.create("OpportunityContactRole", {"OpportunityId": opportunity,
                                                  "ContactId": contacts[1]})

    org.update("OpportunityContactRole", other, {"Role": "Influencer", "IsPrimary": False})

    assert contact_of(org, opportunity) == contacts[0]


# ------------------------------------------------------------------ delete


def test_deleting_primary_role_nulls_contact(org: Org, contacts: list[str]) -> None:
    opportunity = org.create("Opportunity", {**OPPORTUNITY, "ContactId": contacts[0]})
    [role] = roles(org, opportunity)

    org.delete("OpportunityContactRole", role["Id"])

    assert contact_of(org, opportunity) is None
    assert roles(org, opportunity) == []


def test_deleting_other_role_leaves_contact(org: Org, contacts: list[str]) -> None:
    opportunity = org.create("Opportunity", {**OPPORTUNITY, "ContactId": contacts[0]})
    other = org.create("OpportunityContactRole", {"OpportunityId": opportunity,
                                                  "ContactId": contacts[1]})

    org.delete("OpportunityContactRole", other)

    assert contact_of(org, opportunity) == contacts[0]


def test_deleting_primary_contact_nulls_contact(org: Org, contacts: list[str]) -> None:
    opportunity = org.create("Opportunity", {**OPPORTUNITY, "ContactId": contacts[0]})

    org.delete("Contact", contacts[0])

    assert contact_of(org, opportunity) is None


def test_deleted_opportunity_keeps_its_contact(org: Org, contacts: list[str]) -> None:
    opportunity = org.create("Opportunity", {**OPPORTUNITY, "ContactId": contacts[0]})

    org.delete("Opportunity", opportunity)

    row = org.store.fetch_row("Opportunity", opportunity)
    assert row is not None
    assert (row["IsDeleted"], row["ContactId"]) == (1, contacts[0])


# -------------------------------------------------------------------- HTTP


def _post(http: httpx.Client, sobject: str, fields: dict[str, Any]) -> str:
    response = http.post(f"/sobjects/{sobject}", json=fields)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _query(http: httpx.Client, soql: str) -> list[dict[str, Any]]:
    response = http.get("/query", params={"q": soql})
    assert response.status_code == 200, response.text
    records: list[dict[str, Any]] = response.json()["records"]
    return records


def test_rest_insert_creates_primary_role_visible_to_soql(fresh_http: httpx.Client) -> None:
    first = _post(fresh_http, "Contact", {"LastName": "Raman"})
    second = _post(fresh_http, "Contact", {"LastName": "Okafor"})
    opportunity = _post(fresh_http, "Opportunity", {**OPPORTUNITY, "ContactId": first})
    soql = (f"SELECT ContactId, IsPrimary, Role FROM OpportunityContactRole "
            f"WHERE OpportunityId = '{opportunity}' ORDER BY ContactId")

    found = _query(fresh_http, soql)
    assert [(r["ContactId"], r["IsPrimary"], r["Role"]) for r in found] == [(first, True, None)]

    _post(fresh_http, "OpportunityContactRole",
          {"OpportunityId": opportunity, "ContactId": second, "IsPrimary": True})
    found = _query(fresh_http, soql)
    assert sorted((r["ContactId"], r["IsPrimary"]) for r in found) == sorted(
        [(first, False), (second, True)]
    )
    [record] = _query(fresh_http, f"SELECT ContactId FROM Opportunity WHERE Id = '{opportunity}'")
    assert record["ContactId"] == second


# ------------------------------------------------------------------- seeds


def test_sample_seed_contact_is_its_primary_role(sandbox_http: httpx.Client) -> None:
    opportunities = _query(sandbox_http, "SELECT Id, ContactId FROM Opportunity")
    primaries = _query(
        sandbox_http,
        "SELECT OpportunityId, ContactId FROM OpportunityContactRole WHERE IsPrimary = true",
    )

    per_opportunity = Counter(r["OpportunityId"] for r in primaries)
    assert per_opportunity
    assert max(per_opportunity.values()) == 1
    primary_of = {r["OpportunityId"]: r["ContactId"] for r in primaries}
    assert {r["Id"]: r["ContactId"] for r in opportunities} == {
        r["Id"]: primary_of.get(r["Id"]) for r in opportunities
    }


def _tree_record(sobject: str, reference: str, **fields: Any) -> dict[str, Any]:
    return {"attributes": {"type": sobject, "referenceId": reference}, **fields}


def _write_plan(folder: Path, steps: list[tuple[str, list[dict[str, Any]]]]) -> Path:
    plan = []
    for sobject, records in steps:
        name = f"{sobject}.json"
        (folder / name).write_text(json.dumps({"records": records}), encoding="utf-8")
        plan.append({"sobject": sobject, "saveRefs": True, "resolveRefs": True, "files": [name]})
    path = folder / "data-plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    return path


def test_export_keeps_one_primary_role_per_opportunity(tmp_path: Path) -> None:
    def deal(name: str, **fields: Any) -> dict[str, Any]:
        return _tree_record("Opportunity", name, **{**OPPORTUNITY, "Name": name, **fields})

    def role(reference: str, opportunity: str, contact: str, **fields: Any) -> dict[str, Any]:
        return _tree_record("OpportunityContactRole", reference, OpportunityId=f"@{opportunity}",
                            ContactId=f"@{contact}", **fields)

    plan = _write_plan(tmp_path, [
        ("Contact", [_tree_record("Contact", f"C{n}", LastName=f"Person {n}") for n in (1, 2)]),
        ("Opportunity", [deal("OwnRole", ContactId="@C1"), deal("NoRole", ContactId="@C1"),
                         deal("TwoPrimaries")]),
        ("OpportunityContactRole", [
            role("R1", "OwnRole", "C1", IsPrimary=False, Role="Evaluator"),
            role("R2", "TwoPrimaries", "C2", IsPrimary=True),
            role("R3", "TwoPrimaries", "C1", IsPrimary=True),
        ]),
    ])

    org = Org.open(seed=str(plan), clock=FixedClock(NOW))

    found = org.store.connection.execute(
        'SELECT o."Name", c."LastName", COUNT(r."Id"), SUM(r."IsPrimary"), '
        'MAX(CASE WHEN r."IsPrimary" = 1 THEN r."ContactId" END) = o."ContactId", '
        'MAX(r."Role") FROM "Opportunity" o '
        'LEFT JOIN "Contact" c ON c."Id" = o."ContactId" '
        'JOIN "OpportunityContactRole" r ON r."OpportunityId" = o."Id" '
        'GROUP BY o."Id" ORDER BY o."Name"'
    ).fetchall()
    assert found == [
        ("NoRole", "Person 1", 1, 1, 1, None),
        ("OwnRole", "Person 1", 1, 1, 1, "Evaluator"),
        ("TwoPrimaries", "Person 2", 2, 1, 1, None),
    ]
