"""Record DML of the sandbox org: create, retrieve, update, delete, upsert and their
Salesforce validation errors."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from sfseg.sandbox.clock import FixedClock
from sfseg.sandbox.org import MultipleMatchesError, Org, RecordError
from sfseg.soql.ids import is_salesforce_id, to_15

NOW = datetime(2026, 3, 2, 10, 30, 15, 250000, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def org(clock: FixedClock) -> Org:
    return Org.open(clock=clock)


def error_of(call: object, *args: object) -> RecordError:
    with pytest.raises(RecordError) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value


def test_create_returns_18_char_id_with_prefix(org: Org) -> None:
    record_id = org.create("Contact", {"LastName": "Okafor"})
    assert len(record_id) == 18
    assert record_id.startswith("003")
    assert is_salesforce_id(record_id)


def test_create_fills_audit_fields_and_owner(org: Org) -> None:
    record_id = org.create("Account", {"Name": "Acme"})
    record = org.retrieve("Account", record_id, None, "66.0")
    assert record["CreatedDate"] == "2026-03-02T10:30:15.250+0000"
    assert record["SystemModstamp"] == "2026-03-02T10:30:15.250+0000"
    assert record["OwnerId"] == org.default_user_id
    assert record["CreatedById"] == org.default_user_id
    assert record["IsDeleted"] is False


def test_retrieve_shape_with_attributes(org: Org) -> None:
    record_id = org.create("Contact", {"FirstName": "Ada", "LastName": "King",
                                       "MailingCity": "Austin", "MailingCountry": "US"})
    record = org.retrieve("Contact", record_id, None, "62.0")
    assert record["attributes"] == {
        "type": "Contact", "url": f"/services/data/v62.0/sobjects/Contact/{record_id}"}
    assert record["Name"] == "Ada King"
    assert record["Email"] is None
    assert record["MailingAddress"] == {
        "city": "Austin", "country": "US", "geocodeAccuracy": None, "latitude": None,
        "longitude": None, "postalCode": None, "state": None, "street": None}
    assert record["OtherAddress"] is None


def test_retrieve_selected_fields_appends_id(org: Org) -> None:
    record_id = org.create("Contact", {"LastName": "King", "Email": "k@example.com"})
    record = org.retrieve("Contact", record_id, ["email", "LastName"], "66.0")
    assert list(record) == ["attributes", "Email", "LastName", "Id"]
    assert record["Email"] == "k@example.com"


def test_retrieve_unknown_field_is_invalid_field(org: Org) -> None:
    record_id = org.create("Contact", {"LastName": "King"})
    error = error_of(org.retrieve, "Contact", record_id, ["Nope__c"], "66.0")
    assert error.error_code == "INVALID_FIELD"
    assert error.message.startswith("No such column 'Nope__c' on entity 'Contact'.")


def test_retrieve_accepts_15_char_id(org: Org) -> None:
    record_id = org.create("Contact", {"LastName": "King"})
    record = org.retrieve("Contact", to_15(record_id), ["LastName"], "66.0")
    assert record["Id"] == record_id


def test_15_char_id_compared_case_sensitively(org: Org) -> None:
    record_id = org.create("Contact", {"LastName": "King"})
    short = to_15(record_id)
    letter = next(i for i, char in enumerate(short) if char.isalpha())
    changed_case = short[:letter] + short[letter].swapcase() + short[letter + 1:]
    error = error_of(org.retrieve, "Contact", changed_case, None, "66.0")
    assert error.error_code == "NOT_FOUND"
    assert error.http_status == 404


def test_retrieve_not_an_id_reads_as_external_id_field(org: Org) -> None:
    error = error_of(org.retrieve, "Account", "notAnId", None, "66.0")
    assert error.error_code == "NOT_FOUND"
    assert error.message == (
        "Provided external ID field does not exist or is not accessible: notAnId")
    assert error.http_status == 404


def test_retrieve_unknown_id_is_not_found(org: Org) -> None:
    error = error_of(org.retrieve, "Account", "001000000000000AAA", None, "66.0")
    assert error.error_code == "NOT_FOUND"
    assert error.message == "The requested resource does not exist"


def test_unknown_sobject_is_invalid_type(org: Org) -> None:
    error = error_of(org.create, "Widget", {"Name": "x"})
    assert error.error_code == "INVALID_TYPE"
    assert error.message == "sObject type 'Widget' is not supported."


def test_unknown_field_is_invalid_field(org: Org) -> None:
    error = error_of(org.create, "Contact", {"LastName": "x", "Shoe_Size": 9})
    assert error.error_code == "INVALID_FIELD"
    assert error.message == "No such column 'Shoe_Size' on sobject of type Contact"
    assert error.fields == ["Shoe_Size"]


def test_field_names_match_case_insensitively(org: Org) -> None:
    record_id = org.create("contact", {"lastname": "Lower", "EMAIL": "l@example.com"})
    assert org.retrieve("Contact", record_id, ["LastName", "Email"], "66.0")["Email"] == (
        "l@example.com")


def test_id_in_create_body_is_invalid_field(org: Org) -> None:
    error = error_of(org.create, "Account", {"Name": "x", "Id": "001000000000000AAA"})
    assert error.error_code == "INVALID_FIELD"
    assert error.message == "The Id field should not be specified in the sobject data."


def test_missing_required_field(org: Org) -> None:
    error = error_of(org.create, "Opportunity", {"Name": "Deal"})
    assert error.error_code == "REQUIRED_FIELD_MISSING"
    assert error.message == "Required fields are missing: [StageName, CloseDate]"
    assert error.fields == ["StageName", "CloseDate"]


def test_required_field_set_to_null_on_update(org: Org) -> None:
    record_id = org.create("Contact", {"LastName": "King"})
    error = error_of(org.update, "Contact", record_id, {"LastName": None})
    assert error.error_code == "REQUIRED_FIELD_MISSING"
    assert error.fields == ["LastName"]


def test_string_too_long(org: Org) -> None:
    error = error_of(org.create, "Contact", {"LastName": "x", "MailingCity": "y" * 41})
    assert error.error_code == "STRING_TOO_LONG"
    assert error.message == f"Mailing City: data value too large: {'y' * 41} (max length=40)"
    assert error.fields == ["MailingCity"]


def test_wrong_json_type_is_parser_error(org: Org) -> None:
    error = error_of(org.create, "Account", {"Name": "x", "NumberOfEmployees": "many"})
    assert error.error_code == "JSON_PARSER_ERROR"
    assert error.message == (
        "Cannot deserialize instance of int from VALUE_STRING value many "
        "or request may be missing a required field")


def test_object_for_text_field_is_parser_error(org: Org) -> None:
    error = error_of(org.create, "Account", {"Name": {"x": 1}})
    assert error.error_code == "JSON_PARSER_ERROR"
    assert "from START_OBJECT value {" in error.message


def test_bad_date_is_parser_error(org: Org) -> None:
    error = error_of(org.create, "Contact", {"LastName": "x", "Birthdate": "2024-13-01"})
    assert error.error_code == "JSON_PARSER_ERROR"
    assert "instance of date from VALUE_STRING value 2024-13-01" in error.message


def test_numeric_string_accepted_for_number(org: Org) -> None:
    record_id = org.create("Account", {"Name": "x", "AnnualRevenue": "1500000"})
    assert org.retrieve("Account", record_id, ["AnnualRevenue"], "66.0")["AnnualRevenue"] == (
        1500000.0)


def test_datetime_input_normalized_to_utc(org: Org) -> None:
    record_id = org.create("Event", {"StartDateTime": "2026-03-02T09:00:00+01:00",
                                     "DurationInMinutes": 30})
    record = org.retrieve("Event", record_id, ["StartDateTime", "EndDateTime", "ActivityDate"],
                          "66.0")
    assert record["StartDateTime"] == "2026-03-02T08:00:00.000+0000"
    assert record["EndDateTime"] == "2026-03-02T08:30:00.000+0000"
    assert record["ActivityDate"] == "2026-03-02"


def test_invalid_email_address(org: Org) -> None:
    error = error_of(org.create, "Contact", {"LastName": "x", "Email": "not an email"})
    assert error.error_code == "INVALID_EMAIL_ADDRESS"
    assert error.fields == ["Email"]


def test_restricted_picklist_rejects_unknown_value(org: Org) -> None:
    sobject = org.schema.require("Campaign")
    from dataclasses import replace
    sobject.add_field(replace(sobject.fields["status"], restricted_picklist=True))
    error = error_of(org.create, "Campaign", {"Name": "x", "Status": "Dreaming"})
    assert error.error_code == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert error.message == "Status: bad value for restricted picklist field: Dreaming"


def test_unrestricted_picklist_keeps_any_value(org: Org) -> None:
    record_id = org.create("Account", {"Name": "x", "Industry": "Space Mining"})
    assert org.retrieve("Account", record_id, ["Industry"], "66.0")["Industry"] == "Space Mining"


def test_malformed_reference_id(org: Org) -> None:
    error = error_of(org.create, "Contact", {"LastName": "x", "AccountId": "abc"})
    assert error.error_code == "MALFORMED_ID"
    assert error.message == "Account ID: id value of incorrect type: abc"
    assert error.fields == ["AccountId"]


def test_reference_to_wrong_object_is_malformed_id(org: Org) -> None:
    contact = org.create("Contact", {"LastName": "x"})
    error = error_of(org.create, "Contact", {"LastName": "y", "AccountId": contact})
    assert error.error_code == "MALFORMED_ID"


def test_reference_to_missing_record(org: Org) -> None:
    error = error_of(org.create, "Contact", {"LastName": "x",
                                             "AccountId": "001000000000001AAA"})
    assert error.error_code == "INVALID_CROSS_REFERENCE_KEY"
    assert error.fields == ["AccountId"]


def test_reference_to_deleted_record(org: Org) -> None:
    account = org.create("Account", {"Name": "Gone"})
    org.delete("Account", account)
    error = error_of(org.create, "Contact", {"LastName": "x", "AccountId": account})
    assert error.error_code == "ENTITY_IS_DELETED"


def test_reference_stored_as_18_chars(org: Org) -> None:
    account = org.create("Account", {"Name": "A"})
    contact = org.create("Contact", {"LastName": "x", "AccountId": to_15(account)})
    assert org.retrieve("Contact", contact, ["AccountId"], "66.0")["AccountId"] == account


def test_polymorphic_who_accepts_contact_and_lead(org: Org) -> None:
    contact = org.create("Contact", {"LastName": "x"})
    lead = org.create("Lead", {"LastName": "y", "Company": "Z"})
    first = org.create("Task", {"WhoId": contact, "Subject": "Call"})
    second = org.create("Task", {"WhoId": lead, "Subject": "Call"})
    assert org.retrieve("Task", first, ["WhoId"], "66.0")["WhoId"] == contact
    assert org.retrieve("Task", second, ["WhoId"], "66.0")["WhoId"] == lead


def test_read_only_field_on_create(org: Org) -> None:
    error = error_of(org.create, "Campaign", {"Name": "x", "NumberOfLeads": 4,
                                              "AmountWonOpportunities": 1})
    assert error.error_code == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert error.fields == ["NumberOfLeads", "AmountWonOpportunities"]
    assert error.message.startswith(
        "Unable to create/update fields: NumberOfLeads, AmountWonOpportunities.")


def test_create_only_field_on_update(org: Org) -> None:
    contact = org.create("Contact", {"LastName": "x"})
    campaign = org.create("Campaign", {"Name": "C"})
    member = org.create("CampaignMember", {"CampaignId": campaign, "ContactId": contact})
    error = error_of(org.update, "CampaignMember", member, {"CampaignId": campaign})
    assert error.error_code == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert error.fields == ["CampaignId"]


def test_update_changes_only_given_fields(org: Org, clock: FixedClock) -> None:
    record_id = org.create("Contact", {"FirstName": "Ada", "LastName": "King",
                                       "Title": "CEO"})
    clock.advance(timedelta(minutes=5))
    org.update("Contact", record_id, {"Title": "CTO"})
    record = org.retrieve("Contact", record_id, None, "66.0")
    assert record["Title"] == "CTO"
    assert record["FirstName"] == "Ada"
    assert record["LastModifiedDate"] == "2026-03-02T10:35:15.250+0000"
    assert record["CreatedDate"] == "2026-03-02T10:30:15.250+0000"


def test_update_accepts_matching_id_in_body(org: Org) -> None:
    record_id = org.create("Contact", {"LastName": "King"})
    org.update("Contact", record_id, {"Id": record_id, "LastName": "Queen"})
    assert org.retrieve("Contact", record_id, ["Name"], "66.0")["Name"] == "Queen"


def test_update_missing_record_is_not_found(org: Org) -> None:
    error = error_of(org.update, "Contact", "003000000000000AAA", {"LastName": "x"})
    assert error.error_code == "NOT_FOUND"
    assert error.http_status == 404


def test_empty_string_stored_as_null(org: Org) -> None:
    record_id = org.create("Contact", {"LastName": "x", "Title": ""})
    assert org.retrieve("Contact", record_id, ["Title"], "66.0")["Title"] is None


def test_delete_is_soft(org: Org) -> None:
    record_id = org.create("Contact", {"LastName": "x"})
    org.delete("Contact", record_id)
    row = org.store.fetch_row("Contact", record_id)
    assert row is not None
    assert row["IsDeleted"] == 1


def test_deleted_record_is_entity_is_deleted(org: Org) -> None:
    record_id = org.create("Contact", {"LastName": "x"})
    org.delete("Contact", record_id)
    for call, args in ((org.retrieve, ("Contact", record_id, None, "66.0")),
                       (org.update, ("Contact", record_id, {"LastName": "y"})),
                       (org.delete, ("Contact", record_id))):
        error = error_of(call, *args)
        assert error.error_code == "ENTITY_IS_DELETED"
        assert error.message == "entity is deleted"


def test_delete_cascades_to_members(org: Org) -> None:
    contact = org.create("Contact", {"LastName": "x"})
    campaign = org.create("Campaign", {"Name": "C"})
    member = org.create("CampaignMember", {"CampaignId": campaign, "ContactId": contact})
    org.delete("Contact", contact)
    assert org.store.fetch_row("CampaignMember", member)["IsDeleted"] == 1  # type: ignore[index]


def test_metadata_object_not_createable(org: Org) -> None:
    error = error_of(org.create, "RecordType", {"Name": "x", "DeveloperName": "x",
                                                "SobjectType": "Account"})
    assert error.error_code == "INVALID_TYPE_FOR_OPERATION"


def test_upsert_creates_then_updates(org: Org) -> None:
    first = org.upsert("Campaign", "sfseg_Segment_Key__c", "seg-1", {"Name": "Spring"})
    second = org.upsert("Campaign", "sfseg_segment_key__c", "SEG-1", {"Name": "Spring 2"})
    assert first[1] is True
    assert second == (first[0], False)
    assert org.retrieve("Campaign", first[0], ["Name"], "66.0")["Name"] == "Spring 2"


def test_upsert_unknown_external_id_field(org: Org) -> None:
    error = error_of(org.upsert, "Campaign", "Nope__c", "x", {"Name": "n"})
    assert error.error_code == "NOT_FOUND"
    assert error.message == "Provided external ID field does not exist or is not accessible: Nope__c"
    assert error.http_status == 404


def test_upsert_on_non_external_id_field(org: Org) -> None:
    error = error_of(org.upsert, "Contact", "LastName", "x", {})
    assert error.error_code == "NOT_FOUND"


def test_upsert_several_matches(org: Org) -> None:
    from sfseg.sandbox.seeds.schema_file import add_custom_field

    add_custom_field(org.store, "Contact", "Legacy_Id__c", {"externalId": True})
    first = org.create("Contact", {"LastName": "a", "Legacy_Id__c": "L-1"})
    second = org.create("Contact", {"LastName": "b", "Legacy_Id__c": "L-1"})
    with pytest.raises(MultipleMatchesError) as caught:
        org.upsert("Contact", "Legacy_Id__c", "L-1", {"LastName": "c"})
    assert caught.value.ids == sorted([first, second])
    assert caught.value.http_status == 300


def test_upsert_by_id_field(org: Org) -> None:
    record_id = org.create("Contact", {"LastName": "a"})
    assert org.upsert("Contact", "Id", record_id, {"LastName": "b"}) == (record_id, False)


def test_unique_field_duplicate_value(org: Org) -> None:
    campaign = org.create("Campaign", {"Name": "A", "sfseg_Segment_Key__c": "k"})
    error = error_of(org.create, "Campaign", {"Name": "B", "sfseg_Segment_Key__c": "K"})
    assert error.error_code == "DUPLICATE_VALUE"
    assert error.message == (
        "duplicate value found: sfseg_Segment_Key__c duplicates value on record with id: "
        f"{to_15(campaign)}")


def test_transaction_rolls_back_every_write(org: Org) -> None:
    with pytest.raises(RecordError), org.transaction():
        org.create("Account", {"Name": "kept?"})
        org.create("Account", {})
    assert org.store.count("Account") == 0
    assert org.records_written["Account"] == 0


def test_failed_write_leaves_nothing(org: Org) -> None:
    with pytest.raises(RecordError):
        org.create("Campaign", {"Name": "x", "NumberOfLeads": 1})
    assert org.store.count("Campaign") == 0
    assert org.store.count("CampaignMemberStatus") == 0


def test_records_written_counts_by_object(org: Org) -> None:
    account = org.create("Account", {"Name": "A"})
    org.update("Account", account, {"Name": "B"})
    org.create("Contact", {"LastName": "x"})
    assert org.records_written["Account"] == 2
    assert org.records_written["Contact"] == 1


def test_concurrent_creates_get_distinct_ids(org: Org) -> None:
    ids: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(50):
            record_id = org.create("Contact", {"LastName": "t"})
            with lock:
                ids.append(record_id)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids)) == 200
    assert org.store.count("Contact") == 200


def test_opportunity_flags_follow_stage(org: Org) -> None:
    record_id = org.create("Opportunity", {"Name": "D", "StageName": "Prospecting",
                                           "CloseDate": "2026-05-01", "Amount": 1000})
    record = org.retrieve("Opportunity", record_id, None, "66.0")
    assert (record["IsClosed"], record["IsWon"], record["Probability"]) == (False, False, 10.0)
    assert record["ExpectedRevenue"] == 100.0
    assert (record["FiscalYear"], record["FiscalQuarter"]) == (2026, 2)
    org.update("Opportunity", record_id, {"StageName": "Closed Won"})
    record = org.retrieve("Opportunity", record_id, None, "66.0")
    assert (record["IsClosed"], record["IsWon"], record["Probability"]) == (True, True, 100.0)
    assert record["ForecastCategoryName"] == "Closed"


def test_case_number_and_closed_date(org: Org) -> None:
    first = org.create("Case", {"Subject": "a"})
    second = org.create("Case", {"Subject": "b", "Status": "Closed"})
    assert org.retrieve("Case", first, ["CaseNumber", "Status", "Priority"], "66.0") == {
        "attributes": {"type": "Case", "url": f"/services/data/v66.0/sobjects/Case/{first}"},
        "CaseNumber": "00000001", "Status": "New", "Priority": "Medium", "Id": first}
    closed = org.retrieve("Case", second, ["IsClosed", "ClosedDate"], "66.0")
    assert closed["IsClosed"] is True
    assert closed["ClosedDate"] == "2026-03-02T10:30:15.250+0000"


def test_task_account_from_contact(org: Org) -> None:
    account = org.create("Account", {"Name": "A"})
    contact = org.create("Contact", {"LastName": "x", "AccountId": account})
    task = org.create("Task", {"WhoId": contact, "Status": "Completed"})
    record = org.retrieve("Task", task, ["AccountId", "IsClosed", "Priority"], "66.0")
    assert record["AccountId"] == account
    assert record["IsClosed"] is True
    assert record["Priority"] == "Normal"


def test_parent_by_external_id_reference(org: Org) -> None:
    campaign = org.create("Campaign", {"Name": "C", "sfseg_Segment_Key__c": "seg-9"})
    opportunity = org.create("Opportunity", {
        "Name": "D", "StageName": "Prospecting", "CloseDate": "2026-05-01",
        "Campaign": {"sfseg_Segment_Key__c": "seg-9"}})
    assert org.retrieve("Opportunity", opportunity, ["CampaignId"], "66.0")["CampaignId"] == (
        campaign)


def test_reopened_file_keeps_records(tmp_path: object, clock: FixedClock) -> None:
    path = str(tmp_path) + "/org.db"  # type: ignore[operator]
    first = Org.open(path, clock=clock)
    record_id = first.create("Contact", {"LastName": "Persisted"})
    first.close()
    second = Org.open(path, seed="sample", clock=clock)
    assert second.retrieve("Contact", record_id, ["LastName"], "66.0")["LastName"] == "Persisted"
    assert second.store.count("Contact") == 1
    assert second.default_user_id == first.default_user_id


def test_datetime_for_date_field_takes_date(org: Org) -> None:
    record_id = org.create("Opportunity", {"Name": "D", "StageName": "Prospecting",
                                           "CloseDate": "2020-12-22T21:16:01Z"})
    assert org.retrieve("Opportunity", record_id, ["CloseDate"], "66.0")["CloseDate"] == (
        "2020-12-22")


def test_text_values_report_invalid_type_on_field(org: Org) -> None:
    with pytest.raises(RecordError) as caught:
        org.create("Account", {"Name": "x", "NumberOfEmployees": "many"}, text_values=True)
    assert caught.value.error_code == "INVALID_TYPE_ON_FIELD_IN_RECORD"
    assert caught.value.message == "Employees: value not of required type: many"
    assert caught.value.fields == ["NumberOfEmployees"]


def test_text_values_checkbox_takes_one_and_zero(org: Org) -> None:
    record_id = org.create("Campaign", {"Name": "x", "IsActive": "1"}, text_values=True)
    assert org.retrieve("Campaign", record_id, ["IsActive"], "66.0")["IsActive"] is True


def test_last_activity_date_follows_closed_tasks(org: Org) -> None:
    account = org.create("Account", {"Name": "A"})
    contact = org.create("Contact", {"LastName": "x", "AccountId": account})
    org.create("Task", {"WhoId": contact, "Status": "Not Started", "ActivityDate": "2026-02-01"})
    assert org.retrieve("Contact", contact, ["LastActivityDate"], "66.0")[
        "LastActivityDate"] is None
    org.create("Task", {"WhoId": contact, "Status": "Completed", "ActivityDate": "2026-01-10"})
    org.create("Event", {"WhoId": contact, "StartDateTime": "2025-12-01T10:00:00Z",
                         "DurationInMinutes": 30})
    assert org.retrieve("Contact", contact, ["LastActivityDate"], "66.0")[
        "LastActivityDate"] == "2026-01-10"
    assert org.retrieve("Account", account, ["LastActivityDate"], "66.0")[
        "LastActivityDate"] == "2026-01-10"
