"""Every field-level validation error of a record comes back together, as Salesforce
lists them, with the first as the primary error."""

from __future__ import annotations

from typing import Any

import pytest

from sfseg.sandbox.org import CombinedRecordError, Org, RecordError

LONG_TITLE = "x" * 129


@pytest.fixture
def org() -> Org:
    return Org.open()


def errors_of(call: Any, *args: Any, **kwargs: Any) -> RecordError:
    with pytest.raises(RecordError) as caught:
        call(*args, **kwargs)
    return caught.value


def codes(error: RecordError) -> list[str]:
    return [item.error_code for item in error.errors]


def test_create_reports_bad_value_and_missing_field(org: Org) -> None:
    error = errors_of(org.create, "Contact", {"Title": LONG_TITLE})
    assert isinstance(error, CombinedRecordError)
    assert codes(error) == ["STRING_TOO_LONG", "REQUIRED_FIELD_MISSING"]
    assert [item.fields for item in error.errors] == [["Title"], ["LastName"]]
    # The primary error is the first one, so single-error readers see it.
    assert (error.error_code, error.fields) == ("STRING_TOO_LONG", ["Title"])
    assert error.message == f"Title: data value too large: {LONG_TITLE} (max length=128)"
    assert org.store.count("Contact", include_deleted=True) == 0


def test_failed_required_field_is_not_also_missing(org: Org) -> None:
    error = errors_of(org.create, "Contact", {"LastName": "y" * 81})
    assert not isinstance(error, CombinedRecordError)
    assert error.errors == [error]
    assert codes(error) == ["STRING_TOO_LONG"]


def test_create_collects_every_bad_value_in_body_order(org: Org) -> None:
    fields = {"LastName": "Ng", "Email": "not-an-email", "Title": LONG_TITLE}
    error = errors_of(org.create, "Contact", fields)
    assert codes(error) == ["INVALID_EMAIL_ADDRESS", "STRING_TOO_LONG"]
    assert [item.fields for item in error.errors] == [["Email"], ["Title"]]


def test_read_only_field_joins_value_errors(org: Org) -> None:
    error = errors_of(org.create, "Campaign", {"NumberOfLeads": 4, "Description": None})
    assert codes(error) == ["INVALID_FIELD_FOR_INSERT_UPDATE", "REQUIRED_FIELD_MISSING"]
    assert error.errors[1].fields == ["Name"]


def test_update_reports_every_bad_value(org: Org) -> None:
    contact = org.create("Contact", {"LastName": "Ng", "Title": "Boss"})
    error = errors_of(org.update, "Contact", contact,
                      {"LastName": None, "Title": LONG_TITLE, "Email": "bad"})
    assert codes(error) == ["STRING_TOO_LONG", "INVALID_EMAIL_ADDRESS", "REQUIRED_FIELD_MISSING"]
    record = org.retrieve("Contact", contact, ["LastName", "Title"], "66.0")
    assert (record["LastName"], record["Title"]) == ("Ng", "Boss")


def test_upsert_insert_and_update_report_every_error(org: Org) -> None:
    error = errors_of(org.upsert, "Campaign", "sfseg_Segment_Key__c", "k1",
                      {"Description": None, "NumberOfLeads": 1})
    assert codes(error) == ["INVALID_FIELD_FOR_INSERT_UPDATE", "REQUIRED_FIELD_MISSING"]
    org.upsert("Campaign", "sfseg_Segment_Key__c", "k1", {"Name": "C"})
    error = errors_of(org.upsert, "Campaign", "sfseg_Segment_Key__c", "k1",
                      {"Name": None, "NumberOfLeads": 1})
    assert codes(error) == ["INVALID_FIELD_FOR_INSERT_UPDATE", "REQUIRED_FIELD_MISSING"]


def test_json_type_error_stands_alone(org: Org) -> None:
    # Salesforce fails to read such a request before it validates the record.
    error = errors_of(org.create, "Account", {"NumberOfEmployees": "many", "Description": "x" * 40000})
    assert codes(error) == ["JSON_PARSER_ERROR"]


def test_text_values_collect_type_errors(org: Org) -> None:
    error = errors_of(org.create, "Account", {"Name": "", "NumberOfEmployees": "many"},
                      text_values=True)
    assert codes(error) == ["INVALID_TYPE_ON_FIELD_IN_RECORD", "REQUIRED_FIELD_MISSING"]
    assert error.message == "Employees: value not of required type: many"


def test_combined_error_needs_an_error() -> None:
    with pytest.raises(ValueError, match="at least one"):
        CombinedRecordError([])


def test_combined_error_text_names_each_error(org: Org) -> None:
    error = errors_of(org.create, "Contact", {"Title": LONG_TITLE})
    assert str(error).startswith("STRING_TOO_LONG: Title: data value too large")
    assert str(error).endswith("; REQUIRED_FIELD_MISSING: Required fields are missing: [LastName]")
