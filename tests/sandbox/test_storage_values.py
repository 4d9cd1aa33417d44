"""Value conversion between request JSON, columns and response JSON."""

from __future__ import annotations

import pytest

from sfseg.sandbox.metadata import FieldSchema, FieldType, ObjectSchema, RecordError
from sfseg.sandbox.seeds.schema_file import add_custom_field
from sfseg.sandbox.standard_objects import custom_field, standard_schema
from sfseg.sandbox.storage import OrgStore
from sfseg.sandbox.values import parse_datetime, to_column, to_wire

SCHEMA = standard_schema()
ACCOUNT = SCHEMA.require("Account")
CAMPAIGN = SCHEMA.require("Campaign")
CONTACT = SCHEMA.require("Contact")


def field(sobject: ObjectSchema, name: str) -> FieldSchema:
    found = sobject.field(name)
    assert found is not None
    return found


@pytest.mark.parametrize(("value", "stored"), [
    (True, 1), (False, 0), ("true", 1), ("FALSE", 0), (None, 0)])
def test_boolean_inputs(value: object, stored: int) -> None:
    assert to_column(field(CAMPAIGN, "IsActive"), value) == stored


@pytest.mark.parametrize("value", ["yes", 1, 0.5, [True]])
def test_boolean_rejects_other_values(value: object) -> None:
    with pytest.raises(RecordError) as caught:
        to_column(field(CAMPAIGN, "IsActive"), value)
    assert caught.value.error_code == "JSON_PARSER_ERROR"
    assert "instance of boolean" in caught.value.message


def test_int_accepts_whole_float() -> None:
    assert to_column(field(ACCOUNT, "NumberOfEmployees"), 12.0) == 12


def test_int_rejects_fraction() -> None:
    with pytest.raises(RecordError) as caught:
        to_column(field(ACCOUNT, "NumberOfEmployees"), 1.5)
    assert caught.value.message.startswith(
        "Cannot deserialize instance of int from VALUE_NUMBER_FLOAT value 1.5")


def test_number_outside_valid_range() -> None:
    with pytest.raises(RecordError) as caught:
        to_column(field(ACCOUNT, "NumberOfEmployees"), 10**9)
    assert caught.value.error_code == "NUMBER_OUTSIDE_VALID_RANGE"
    assert caught.value.fields == ["NumberOfEmployees"]


def test_currency_rounded_to_scale() -> None:
    amount = field(SCHEMA.require("Opportunity"), "Amount")
    assert to_column(amount, 10.126) == 10.13


@pytest.mark.parametrize(("text", "stored"), [
    ("2026-03-02T10:00:00Z", "2026-03-02T10:00:00.000+0000"),
    ("2026-03-02T10:00:00.5+0200", "2026-03-02T08:00:00.500+0000"),
    ("2026-03-02T10:00:00-05:30", "2026-03-02T15:30:00.000+0000"),
    ("2026-03-02T10:00", "2026-03-02T10:00:00.000+0000"),
])
def test_datetime_inputs(text: str, stored: str) -> None:
    assert to_column(field(ACCOUNT, "CreatedDate"), text) == stored


def test_datetime_with_space_rejected() -> None:
    with pytest.raises(RecordError) as caught:
        to_column(field(ACCOUNT, "CreatedDate"), "2017-10-17 00:00:00")
    assert caught.value.message.startswith(
        "Cannot deserialize instance of datetime from VALUE_STRING value 2017-10-17 00:00:00")


def test_time_field_wire_format() -> None:
    start = custom_field("Start__c", FieldType.TIME)
    assert to_column(start, "09:00") == "09:00:00.000Z"
    assert to_column(start, "09:00:00.250Z") == "09:00:00.250Z"


def test_multipicklist_list_and_text() -> None:
    store = OrgStore(standard_schema())
    store.create_tables()
    hobbies = add_custom_field(store, "Contact", "Hobbies__c", {"type": "multipicklist"})
    assert to_column(hobbies, ["Golf", "Tennis"]) == "Golf;Tennis"
    assert to_column(hobbies, "Golf; Tennis ;") == "Golf;Tennis"


def test_number_into_text_field_becomes_text() -> None:
    assert to_column(field(CONTACT, "Phone"), 5551234) == "5551234"


def test_to_wire_types() -> None:
    assert to_wire(field(CAMPAIGN, "IsActive"), 1) is True
    assert to_wire(field(CAMPAIGN, "NumberOfLeads"), 3) == 3
    assert to_wire(field(CAMPAIGN, "BudgetedCost"), 5) == 5.0
    assert isinstance(to_wire(field(CAMPAIGN, "BudgetedCost"), 5), float)
    assert to_wire(field(CAMPAIGN, "Name"), None) is None


def test_parse_datetime_rejects_garbage() -> None:
    with pytest.raises(ValueError, match="not an ISO-8601 datetime"):
        parse_datetime("yesterday")
