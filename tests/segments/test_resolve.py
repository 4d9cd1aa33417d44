"""Resolution on a live sandbox: batched REST queries and Bulk query with a local join."""

from __future__ import annotations

import pytest

from sfseg.salesforce import SalesforceClient
from sfseg.sandbox.org import Org
from sfseg.sandbox.seeds.schema_file import add_custom_field
from sfseg.sandbox.server import SandboxInfo
from sfseg.segments.customers import InputError, parse_customers
from sfseg.segments.resolve import TieBreak, resolve_customers


def _org(info: SandboxInfo) -> Org:
    org: Org = info.state.org
    return org


@pytest.fixture
def people(fresh_sandbox: SandboxInfo) -> dict[str, str]:
    """A contact, a lead, a converted lead, a deleted contact and two contacts sharing an email."""
    org = _org(fresh_sandbox)
    converted = org.create("Lead", {"LastName": "Conv", "Company": "Co", "Email": "conv@example.org"})
    deleted = org.create("Contact", {"LastName": "Gone", "Email": "gone@example.org"})
    org.delete("Contact", deleted)
    return {
        "contact": org.create("Contact", {"LastName": "Ann", "Email": "Ann@Example.org"}),
        "lead": org.create("Lead", {"LastName": "Lee", "Company": "Co", "Email": "lee@example.org"}),
        "converted": converted,
        "converted_contact": org.convert_lead(converted),
        "deleted": deleted,
        "twin_a": org.create("Contact", {"LastName": "A", "Email": "twin@example.org"}),
        "twin_b": org.create("Contact", {"LastName": "B", "Email": "twin@example.org"}),
    }


@pytest.mark.parametrize("method", ["rest", "bulk"])
def test_resolution_rules(method: str, fresh_client: SalesforceClient, people: dict[str, str]) -> None:
    """Both methods resolve ids and emails alike: converted, deleted, ambiguous, not found."""
    values = [people["contact"], people["lead"], people["converted"], people["deleted"],
              "ANN@example.org", "twin@example.org", "nobody@example.org"]  # fmt: skip
    customers = parse_customers(values).customers

    resolution = resolve_customers(fresh_client, customers, method=method)

    resolved = {key: (r.record_id, r.sobject) for key, r in resolution.resolved.items()}
    assert resolved == {
        people["contact"]: (people["contact"], "Contact"),
        people["lead"]: (people["lead"], "Lead"),
        people["converted"]: (people["converted_contact"], "Contact"),
        "ann@example.org": (people["contact"], "Contact"),
    }
    reasons = {key: u.reason for key, u in resolution.unresolved.items()}
    assert reasons == {people["deleted"]: "deleted", "twin@example.org": "ambiguous",
                       "nobody@example.org": "not_found"}  # fmt: skip
    assert set(resolution.unresolved["twin@example.org"].candidates) == {people["twin_a"], people["twin_b"]}
    assert resolution.method == method
    converted_from = {key: r.converted_from for key, r in resolution.resolved.items() if r.converted_from}
    assert converted_from == {people["converted"]: people["converted"]}


def test_tie_break_newest(fresh_client: SalesforceClient, people: dict[str, str]) -> None:
    """The newest tie-break picks the later-created of two contacts sharing an email."""
    customers = parse_customers(["twin@example.org"]).customers
    resolution = resolve_customers(fresh_client, customers, tie_break=TieBreak.NEWEST)
    assert resolution.resolved["twin@example.org"].record_id == people["twin_b"]


def test_rest_resolution_is_batched(fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient) -> None:
    """3,000 emails resolve in one Composite call: 2 IN-list queries per object, 4 queries."""
    org = _org(fresh_sandbox)
    with org.transaction():
        for i in range(3000):
            org.create("Contact", {"LastName": f"b{i}", "Email": f"b{i}@example.org"})
    customers = parse_customers(f"b{i}@example.org" for i in range(3000)).customers
    before = fresh_client.api_calls

    resolution = resolve_customers(fresh_client, customers)

    assert len(resolution.resolved) == 3000
    assert fresh_client.api_calls - before == 1


def test_unknown_external_field(fresh_client: SalesforceClient) -> None:
    """An external id field on neither Contact nor Lead is an input error naming it."""
    customers = parse_customers(["X-1"], id_field="Loyalty_Number__c").customers
    with pytest.raises(InputError, match="Loyalty_Number__c"):
        resolve_customers(fresh_client, customers, id_field="Loyalty_Number__c")


@pytest.mark.parametrize("method", ["rest", "bulk"])
def test_external_id_values(method: str, fresh_sandbox: SandboxInfo, fresh_client: SalesforceClient) -> None:
    """External id values resolve case-insensitively, on Contact only when Lead lacks the field."""
    org = _org(fresh_sandbox)
    add_custom_field(org.store, "Contact", "Customer_Number__c", {"externalId": True, "unique": True})
    first = org.create("Contact", {"LastName": "One", "Customer_Number__c": "CN-001"})
    second = org.create("Contact", {"LastName": "Two", "Customer_Number__c": "CN-002"})
    customers = parse_customers(["CN-001", "cn-002", "CN-404"], id_field="Customer_Number__c").customers

    resolution = resolve_customers(fresh_client, customers, id_field="Customer_Number__c", method=method)

    assert {key: r.record_id for key, r in resolution.resolved.items()} == {"CN-001": first, "cn-002": second}
    assert resolution.unresolved["CN-404"].reason == "not_found"
