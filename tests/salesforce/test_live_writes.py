"""Writes against the live sandbox: per-record outcomes in order, errors in full, upsert, delete, retrieve."""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from sfseg.salesforce import (
    InvalidRecordError,
    NotFoundError,
    RecordErrorDetail,
    SalesforceClient,
    ValidationError,
)

from .conftest import admin


def test_update_four_two_failures(fresh_sandbox: Any, connect: Callable[..., SalesforceClient]) -> None:
    """Four updates with two invalid ones give success, failure, success, failure, with each error."""
    client = connect(fresh_sandbox)
    ids = [fresh_sandbox.state.org.create("Contact", {"LastName": f"Four{i}"}) for i in range(4)]
    updates = [
        {"Id": ids[0], "Title": "CEO"},
        {"Id": ids[1], "LastName": None},
        {"Id": ids[2], "Title": "CFO"},
        {"Id": ids[3], "Email": "not an email"},
    ]
    results = client.collections.update(updates, sobject="Contact")
    assert [r.success for r in results] == [True, False, True, False]
    assert [r.id for r in results][0::2] == [ids[0], ids[2]]
    assert results[1].errors == [RecordErrorDetail("REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName]", ["LastName"])]
    assert results[3].errors[0].status_code == "INVALID_EMAIL_ADDRESS"
    assert results[3].errors[0].fields == ["Email"]
    titles = {r["Id"]: r["Title"] for r in client.query("SELECT Id, Title FROM Contact")}
    assert titles == {ids[0]: "CEO", ids[1]: None, ids[2]: "CFO", ids[3]: None}


def test_create_missing_fields_all_named(fresh_sandbox: Any, connect: Callable[..., SalesforceClient]) -> None:
    """A lead without LastName and Company fails naming both fields."""
    client = connect(fresh_sandbox)
    with pytest.raises(ValidationError) as raised:
        client.create("Lead", {"FirstName": "Nobody"})
    assert raised.value.error_code == "REQUIRED_FIELD_MISSING"
    assert sorted(raised.value.fields) == ["Company", "LastName"]
    [result] = client.collections.create([{"FirstName": "Nobody"}], sobject="Lead")
    assert result.success is False
    assert sorted(result.errors[0].fields) == ["Company", "LastName"]


def test_create_reports_every_validation_error(fresh_client: SalesforceClient) -> None:
    """A create with a too-long Title and no LastName fails with both errors, the first as primary."""
    title = "x" * 129
    with pytest.raises(ValidationError) as raised:
        fresh_client.create("Contact", {"Title": title})
    error = raised.value
    assert (error.status, error.error_code, list(error.fields)) == (400, "STRING_TOO_LONG", ["Title"])
    assert [(e.error_code, list(e.fields)) for e in error.errors] == [
        ("STRING_TOO_LONG", ["Title"]), ("REQUIRED_FIELD_MISSING", ["LastName"])]
    assert error.errors[1].message == "Required fields are missing: [LastName]"
    [result] = fresh_client.collections.create([{"Title": title}], sobject="Contact")
    assert result.success is False
    assert [e.status_code for e in result.errors] == ["STRING_TOO_LONG", "REQUIRED_FIELD_MISSING"]
    assert fresh_client.count("SELECT COUNT() FROM Contact") == 0


def test_upsert_then_update(fresh_sandbox: Any, connect: Callable[..., SalesforceClient]) -> None:
    """An upsert by segment key creates the Campaign once, then updates the same record."""
    client = connect(fresh_sandbox)
    first_id, created = client.upsert("Campaign", "sfseg_Segment_Key__c", "seg-spring", {"Name": "Spring"})
    second_id, created_again = client.upsert("Campaign", "sfseg_Segment_Key__c", "seg-spring", {"Name": "Spring 2"})
    assert (created, created_again) == (True, False)
    assert first_id == second_id
    assert client.get("Campaign", first_id, ["Name"])["Name"] == "Spring 2"


def test_collections_upsert_created_flags(fresh_sandbox: Any, connect: Callable[..., SalesforceClient]) -> None:
    """A collections upsert reports created for new keys and not for existing ones."""
    client = connect(fresh_sandbox)
    client.upsert("Campaign", "sfseg_Segment_Key__c", "k1", {"Name": "One"})
    results = client.collections.upsert(
        "Campaign", "sfseg_Segment_Key__c", [{"sfseg_Segment_Key__c": "k1", "Name": "One"}, {"sfseg_Segment_Key__c": "k2", "Name": "Two"}]
    )
    assert [(r.success, r.created) for r in results] == [(True, False), (True, True)]


def test_delete_and_retrieve(fresh_sandbox: Any, connect: Callable[..., SalesforceClient]) -> None:
    """Deleted records read back as None, the others typed, in input order."""
    client = connect(fresh_sandbox)
    org = fresh_sandbox.state.org
    ids = [org.create("Account", {"Name": f"R{i}", "AnnualRevenue": 1000 + i}) for i in range(3)]
    deleted = client.collections.delete([ids[1]])
    assert [r.success for r in deleted] == [True]
    found = client.collections.retrieve("Account", ids, ["Id", "Name", "AnnualRevenue"])
    assert found[1] is None
    assert [(f["Name"], f["AnnualRevenue"]) for f in found if f] == [("R0", Decimal(1000)), ("R2", Decimal(1002))]
    with pytest.raises(NotFoundError):
        client.get("Account", ids[1])


def test_nan_not_sent(fresh_sandbox: Any, connect: Callable[..., SalesforceClient]) -> None:
    """A NaN amount is rejected before any request reaches the org."""
    client = connect(fresh_sandbox)
    client.limits()
    used = admin(fresh_sandbox, "GET", "limits")["used"]
    with pytest.raises(InvalidRecordError, match="record 0 field Amount is nan"):
        client.collections.create([{"Name": "Bad", "StageName": "Prospecting", "CloseDate": "2026-01-31", "Amount": math.nan}], sobject="Opportunity")
    assert admin(fresh_sandbox, "GET", "limits")["used"] == used
