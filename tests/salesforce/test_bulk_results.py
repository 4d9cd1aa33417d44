"""Bulk API 2.0 result files: sf__Error parsing and matching rows back to input order."""

from __future__ import annotations

from sfseg.salesforce.bulk2_results import BulkError, ResultMatcher, parse_sf_error


def test_sf_error_with_fields() -> None:
    error = parse_sf_error("REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --")
    assert error == BulkError("REQUIRED_FIELD_MISSING", "Required fields are missing: [Name]", ["Name"])


def test_sf_error_without_fields() -> None:
    error = parse_sf_error("DUPLICATE_VALUE:Already a campaign member.:--")
    assert error == BulkError("DUPLICATE_VALUE", "Already a campaign member.", [])


def test_sf_error_several_fields() -> None:
    error = parse_sf_error("INVALID_FIELD:bad:ContactId,LeadId --")
    assert error.fields == ["ContactId", "LeadId"]


def test_sf_error_without_colon() -> None:
    error = parse_sf_error("something odd")
    assert error.status_code == "something odd"
    assert error.message == "something odd"


def test_matcher_restores_input_order() -> None:
    uploaded = [(0, ["A", "1"]), (1, ["B", "2"]), (2, ["C", "3"])]
    matcher = ResultMatcher(["LastName", "Rank__c"], uploaded)
    matcher.add_successful('"sf__Id","sf__Created","LastName","Rank__c"\n"003C","true","C","3"\n"003A","true","A","1"\n')
    matcher.add_failed('"sf__Id","sf__Error","LastName","Rank__c"\n"","BAD:no:--","B","2"\n')
    assert matcher.results[0].id == "003A"
    assert matcher.results[2].id == "003C"
    assert matcher.results[1].success is False
    assert matcher.results[1].errors[0].status_code == "BAD"
    assert matcher.missing() == []


def test_matcher_compares_numbers_by_value() -> None:
    matcher = ResultMatcher(["NumberOfEmployees"], [(0, ["912260031"])])
    matcher.add_successful('"sf__Id","sf__Created","NumberOfEmployees"\n"001A","false","9.12260031E8"\n')
    assert matcher.results[0].created is False


def test_matcher_duplicate_rows_each_matched_once() -> None:
    matcher = ResultMatcher(["LastName"], [(0, ["Same"]), (1, ["Same"])])
    matched = matcher.add_successful('"sf__Id","sf__Created","LastName"\n"003A","true","Same"\n"003B","true","Same"\n')
    assert matched == 2
    assert {matcher.results[0].id, matcher.results[1].id} == {"003A", "003B"}


def test_matcher_reports_rows_without_result() -> None:
    matcher = ResultMatcher(["LastName"], [(0, ["A"]), (1, ["B"])])
    matcher.add_successful('"sf__Id","sf__Created","LastName"\n"003A","true","A"\n')
    assert matcher.missing() == [1]


def test_matcher_keeps_newlines_inside_values() -> None:
    matcher = ResultMatcher(["Description"], [(0, ["a\nb"])])
    matcher.add_successful('"sf__Id","sf__Created","Description"\n"003A","true","a\nb"\n')
    assert matcher.results[0].id == "003A"
