"""Campaign semantics: member statuses, CampaignMember rules and the Campaign roll-ups."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from sfseg.sandbox.clock import FixedClock
from sfseg.sandbox.org import Org, RecordError

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ROLLUPS = ("NumberOfContacts", "NumberOfLeads", "NumberOfConvertedLeads", "NumberOfResponses",
           "NumberOfOpportunities", "NumberOfWonOpportunities", "AmountAllOpportunities",
           "AmountWonOpportunities")


@pytest.fixture
def org() -> Org:
    return Org.open(clock=FixedClock(NOW))


@pytest.fixture
def campaign(org: Org) -> str:
    return org.create("Campaign", {"Name": "Spring Launch"})


def contact(org: Org, name: str = "Okafor") -> str:
    return org.create("Contact", {"LastName": name})


def lead(org: Org, name: str = "Weber") -> str:
    return org.create("Lead", {"LastName": name, "Company": "Alpine Freight"})


def statuses(org: Org, campaign: str) -> list[tuple[str, bool, bool, int]]:
    return [(s["Label"], bool(s["IsDefault"]), bool(s["HasResponded"]), s["SortOrder"])
            for s in org.campaigns.statuses(campaign)]


def rollups(org: Org, campaign: str) -> dict[str, float]:
    record = org.retrieve("Campaign", campaign, list(ROLLUPS), "66.0")
    return {name: record[name] for name in ROLLUPS}


def member_fields(org: Org, member: str, *names: str) -> dict[str, object]:
    record = org.retrieve("CampaignMember", member, list(names), "66.0")
    return {name: record[name] for name in names}


def error_of(call: object, *args: object) -> RecordError:
    with pytest.raises(RecordError) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value


# ---------------------------------------------------------------- statuses


def test_new_campaign_gets_sent_and_responded(org: Org, campaign: str) -> None:
    assert statuses(org, campaign) == [("Sent", True, False, 1), ("Responded", False, True, 2)]


def test_new_campaign_rollups_start_at_zero(org: Org, campaign: str) -> None:
    assert rollups(org, campaign) == dict.fromkeys(ROLLUPS, 0) | {
        "AmountAllOpportunities": 0.0, "AmountWonOpportunities": 0.0}


def test_status_create_takes_next_sort_order(org: Org, campaign: str) -> None:
    org.create("CampaignMemberStatus", {"CampaignId": campaign, "Label": "Attended",
                                        "HasResponded": True})
    assert statuses(org, campaign)[-1] == ("Attended", False, True, 3)


def test_new_default_status_unsets_old(org: Org, campaign: str) -> None:
    added = org.create("CampaignMemberStatus", {"CampaignId": campaign, "Label": "Invited",
                                                "IsDefault": True})
    assert [s[0] for s in statuses(org, campaign) if s[1]] == ["Invited"]
    sent = org.campaigns.statuses(campaign)[0]["Id"]
    org.update("CampaignMemberStatus", sent, {"IsDefault": True})
    assert [s[0] for s in statuses(org, campaign) if s[1]] == ["Sent"]
    assert org.retrieve("CampaignMemberStatus", added, ["IsDefault"], "66.0")["IsDefault"] is False


def test_clearing_the_default_is_rejected(org: Org, campaign: str) -> None:
    sent = org.campaigns.statuses(campaign)[0]["Id"]
    error = error_of(org.update, "CampaignMemberStatus", sent, {"IsDefault": False})
    assert error.error_code == "FIELD_INTEGRITY_EXCEPTION"
    assert error.fields == ["IsDefault"]


def test_status_label_unique_per_campaign(org: Org, campaign: str) -> None:
    error = error_of(org.create, "CampaignMemberStatus", {"CampaignId": campaign,
                                                         "Label": "sent"})
    assert error.error_code == "DUPLICATE_VALUE"
    assert error.fields == ["Label"]
    other = org.create("Campaign", {"Name": "Other"})
    org.create("CampaignMemberStatus", {"CampaignId": other, "Label": "Attended"})
    org.create("CampaignMemberStatus", {"CampaignId": campaign, "Label": "Attended"})


def test_status_sort_order_unique_per_campaign(org: Org, campaign: str) -> None:
    error = error_of(org.create, "CampaignMemberStatus", {"CampaignId": campaign,
                                                         "Label": "X", "SortOrder": 2})
    assert error.error_code == "DUPLICATE_VALUE"
    assert error.fields == ["SortOrder"]


def test_default_status_cannot_be_deleted(org: Org, campaign: str) -> None:
    sent = org.campaigns.statuses(campaign)[0]["Id"]
    error = error_of(org.delete, "CampaignMemberStatus", sent)
    assert error.error_code == "DELETE_FAILED"
    assert "default" in error.message


def test_status_in_use_cannot_be_deleted(org: Org, campaign: str) -> None:
    attended = org.create("CampaignMemberStatus", {"CampaignId": campaign, "Label": "Attended",
                                                   "HasResponded": True})
    org.create("CampaignMember", {"CampaignId": campaign, "ContactId": contact(org),
                                  "Status": "Attended"})
    error = error_of(org.delete, "CampaignMemberStatus", attended)
    assert error.error_code == "DELETE_FAILED"
    assert "1 campaign members use it" in error.message


def test_unused_status_can_be_deleted(org: Org, campaign: str) -> None:
    extra = org.create("CampaignMemberStatus", {"CampaignId": campaign, "Label": "Maybe"})
    org.delete("CampaignMemberStatus", extra)
    assert [s[0] for s in statuses(org, campaign)] == ["Sent", "Responded"]


def test_last_responded_status_cannot_be_deleted(org: Org, campaign: str) -> None:
    responded = org.campaigns.statuses(campaign)[1]["Id"]
    error = error_of(org.delete, "CampaignMemberStatus", responded)
    assert error.error_code == "FIELD_INTEGRITY_EXCEPTION"


def test_renaming_status_renames_members(org: Org, campaign: str) -> None:
    member = org.create("CampaignMember", {"CampaignId": campaign, "ContactId": contact(org)})
    sent = org.campaigns.statuses(campaign)[0]["Id"]
    org.update("CampaignMemberStatus", sent, {"Label": "Mailed"})
    assert member_fields(org, member, "Status") == {"Status": "Mailed"}


def test_status_responded_flag_restates_members(org: Org, campaign: str) -> None:
    member = org.create("CampaignMember", {"CampaignId": campaign, "ContactId": contact(org)})
    sent = org.campaigns.statuses(campaign)[0]["Id"]
    org.update("CampaignMemberStatus", sent, {"HasResponded": True})
    assert member_fields(org, member, "HasResponded", "FirstRespondedDate") == {
        "HasResponded": True, "FirstRespondedDate": "2026-03-02"}
    assert rollups(org, campaign)["NumberOfResponses"] == 1


# ----------------------------------------------------------------- members


def test_member_defaults_to_default_status(org: Org, campaign: str) -> None:
    member = org.create("CampaignMember", {"CampaignId": campaign, "ContactId": contact(org)})
    assert member_fields(org, member, "Status", "HasResponded", "Type") == {
        "Status": "Sent", "HasResponded": False, "Type": "Contact"}


def test_unknown_status_becomes_default(org: Org, campaign: str) -> None:
    member = org.create("CampaignMember", {"CampaignId": campaign, "ContactId": contact(org),
                                           "Status": "Bogus"})
    assert member_fields(org, member, "Status") == {"Status": "Sent"}


def test_responded_status_sets_derived_fields(org: Org, campaign: str) -> None:
    person = contact(org)
    member = org.create("CampaignMember", {"CampaignId": campaign, "ContactId": person,
                                           "Status": "responded"})
    assert member_fields(org, member, "Status", "HasResponded", "FirstRespondedDate",
                         "LeadOrContactId") == {
        "Status": "Responded", "HasResponded": True, "FirstRespondedDate": "2026-03-02",
        "LeadOrContactId": person}


def test_duplicate_member_rejected(org: Org, campaign: str) -> None:
    person = contact(org)
    org.create("CampaignMember", {"CampaignId": campaign, "ContactId": person})
    error = error_of(org.create, "CampaignMember", {"CampaignId": campaign, "ContactId": person})
    assert error.error_code == "DUPLICATE_VALUE"
    assert error.message == "Already a campaign member."
    assert error.fields == []


def test_duplicate_lead_member_rejected(org: Org, campaign: str) -> None:
    person = lead(org)
    org.create("CampaignMember", {"CampaignId": campaign, "LeadId": person})
    error = error_of(org.create, "CampaignMember", {"CampaignId": campaign, "LeadId": person})
    assert error.error_code == "DUPLICATE_VALUE"


def test_deleted_member_can_rejoin(org: Org, campaign: str) -> None:
    person = contact(org)
    first = org.create("CampaignMember", {"CampaignId": campaign, "ContactId": person})
    org.delete("CampaignMember", first)
    second = org.create("CampaignMember", {"CampaignId": campaign, "ContactId": person})
    assert second != first


def test_both_ids_keep_only_contact(org: Org, campaign: str) -> None:
    person, prospect = contact(org), lead(org)
    member = org.create("CampaignMember", {"CampaignId": campaign, "ContactId": person,
                                           "LeadId": prospect})
    assert member_fields(org, member, "ContactId", "LeadId", "Type") == {
        "ContactId": person, "LeadId": None, "Type": "Contact"}


def test_converted_lead_rejected(org: Org, campaign: str) -> None:
    prospect = lead(org)
    org.convert_lead(prospect)
    error = error_of(org.create, "CampaignMember", {"CampaignId": campaign, "LeadId": prospect})
    assert error.error_code == "CANNOT_UPDATE_CONVERTED_LEAD"
    assert error.message == "cannot reference converted lead"


def test_converted_lead_cannot_be_updated(org: Org) -> None:
    prospect = lead(org)
    org.convert_lead(prospect)
    error = error_of(org.update, "Lead", prospect, {"Title": "CEO"})
    assert error.error_code == "CANNOT_UPDATE_CONVERTED_LEAD"


def test_member_needs_contact_or_lead(org: Org, campaign: str) -> None:
    error = error_of(org.create, "CampaignMember", {"CampaignId": campaign})
    assert error.error_code == "REQUIRED_FIELD_MISSING"


def test_member_needs_campaign(org: Org) -> None:
    error = error_of(org.create, "CampaignMember", {"ContactId": contact(org)})
    assert error.error_code == "REQUIRED_FIELD_MISSING"
    assert error.fields == ["CampaignId"]


@pytest.mark.parametrize("field", ["HasResponded", "FirstRespondedDate", "Type",
                                   "LeadOrContactId"])
def test_derived_member_fields_read_only(org: Org, campaign: str, field: str) -> None:
    value = {"HasResponded": True, "FirstRespondedDate": "2026-01-01", "Type": "Lead",
             "LeadOrContactId": None}[field]
    error = error_of(org.create, "CampaignMember", {"CampaignId": campaign,
                                                   "ContactId": contact(org), field: value})
    assert error.error_code == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert error.fields == [field]


def test_member_copies_contact_fields(org: Org, campaign: str) -> None:
    account = org.create("Account", {"Name": "Bluefin Analytics"})
    person = org.create("Contact", {"FirstName": "Mateo", "LastName": "Okafor",
                                    "Email": "mateo@example.com", "AccountId": account,
                                    "MailingCity": "Austin"})
    member = org.create("CampaignMember", {"CampaignId": campaign, "ContactId": person})
    assert member_fields(org, member, "Name", "Email", "City", "CompanyOrAccount") == {
        "Name": "Mateo Okafor", "Email": "mateo@example.com", "City": "Austin",
        "CompanyOrAccount": "Bluefin Analytics"}
    org.update("Contact", person, {"Email": "m.okafor@example.com"})
    assert member_fields(org, member, "Email") == {"Email": "m.okafor@example.com"}


def test_status_update_keeps_first_responded_date(org: Org, campaign: str) -> None:
    clock = org.clock
    assert isinstance(clock, FixedClock)
    member = org.create("CampaignMember", {"CampaignId": campaign, "ContactId": contact(org),
                                           "Status": "Responded"})
    clock.set(datetime(2026, 4, 1, tzinfo=UTC))
    org.update("CampaignMember", member, {"Status": "Sent"})
    org.update("CampaignMember", member, {"Status": "Responded"})
    assert member_fields(org, member, "HasResponded", "FirstRespondedDate") == {
        "HasResponded": True, "FirstRespondedDate": "2026-03-02"}


# ----------------------------------------------------------------- roll-ups


def test_member_rollups(org: Org, campaign: str) -> None:
    org.create("CampaignMember", {"CampaignId": campaign, "ContactId": contact(org, "a"),
                                  "Status": "Responded"})
    org.create("CampaignMember", {"CampaignId": campaign, "ContactId": contact(org, "b")})
    org.create("CampaignMember", {"CampaignId": campaign, "LeadId": lead(org, "c"),
                                  "Status": "Responded"})
    counts = rollups(org, campaign)
    assert counts["NumberOfContacts"] == 2
    assert counts["NumberOfLeads"] == 1
    assert counts["NumberOfResponses"] == 2
    assert counts["NumberOfConvertedLeads"] == 0


def test_converting_member_lead_updates_rollups(org: Org, campaign: str) -> None:
    prospect = lead(org)
    org.create("CampaignMember", {"CampaignId": campaign, "LeadId": prospect,
                                  "Status": "Responded"})
    org.convert_lead(prospect)
    counts = rollups(org, campaign)
    assert counts["NumberOfLeads"] == 1
    assert counts["NumberOfConvertedLeads"] == 1
    assert counts["NumberOfResponses"] == 0


def test_status_change_updates_responses(org: Org, campaign: str) -> None:
    member = org.create("CampaignMember", {"CampaignId": campaign, "ContactId": contact(org)})
    org.update("CampaignMember", member, {"Status": "Responded"})
    assert rollups(org, campaign)["NumberOfResponses"] == 1
    org.update("CampaignMember", member, {"Status": "Sent"})
    assert rollups(org, campaign)["NumberOfResponses"] == 0


def test_member_delete_updates_rollups(org: Org, campaign: str) -> None:
    member = org.create("CampaignMember", {"CampaignId": campaign, "ContactId": contact(org),
                                           "Status": "Responded"})
    org.delete("CampaignMember", member)
    counts = rollups(org, campaign)
    assert counts["NumberOfContacts"] == 0
    assert counts["NumberOfResponses"] == 0


def test_opportunity_rollups(org: Org, campaign: str) -> None:
    base = {"CloseDate": "2026-06-30", "CampaignId": campaign}
    org.create("Opportunity", {**base, "Name": "a", "StageName": "Closed Won", "Amount": 500})
    open_deal = org.create("Opportunity", {**base, "Name": "b", "StageName": "Prospecting",
                                           "Amount": 200})
    counts = rollups(org, campaign)
    assert counts["NumberOfOpportunities"] == 2
    assert counts["NumberOfWonOpportunities"] == 1
    assert counts["AmountAllOpportunities"] == 700.0
    assert counts["AmountWonOpportunities"] == 500.0
    org.update("Opportunity", open_deal, {"StageName": "Closed Won", "Amount": 300})
    counts = rollups(org, campaign)
    assert counts["NumberOfWonOpportunities"] == 2
    assert counts["AmountWonOpportunities"] == 800.0
    org.delete("Opportunity", open_deal)
    assert rollups(org, campaign)["AmountAllOpportunities"] == 500.0


def test_opportunity_moving_campaign(org: Org, campaign: str) -> None:
    other = org.create("Campaign", {"Name": "Other"})
    deal = org.create("Opportunity", {"Name": "a", "StageName": "Prospecting",
                                      "CloseDate": "2026-06-30", "CampaignId": campaign,
                                      "Amount": 50})
    org.update("Opportunity", deal, {"CampaignId": other})
    assert rollups(org, campaign)["NumberOfOpportunities"] == 0
    assert rollups(org, other)["AmountAllOpportunities"] == 50.0


def test_incremental_rollups_match_recount(org: Org, campaign: str) -> None:
    people = [contact(org, f"c{n}") for n in range(6)]
    for number, person in enumerate(people):
        org.create("CampaignMember", {"CampaignId": campaign, "ContactId": person,
                                      "Status": "Responded" if number % 2 else "Sent"})
    incremental = rollups(org, campaign)
    org.campaigns.recount(campaign)
    assert rollups(org, campaign) == incremental


def test_rollups_read_only_on_update(org: Org, campaign: str) -> None:
    error = error_of(org.update, "Campaign", campaign, {"NumberOfContacts": 10})
    assert error.error_code == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_campaign_delete_cascades(org: Org, campaign: str) -> None:
    member = org.create("CampaignMember", {"CampaignId": campaign, "ContactId": contact(org)})
    org.delete("Campaign", campaign)
    assert org.store.fetch_row("CampaignMember", member)["IsDeleted"] == 1  # type: ignore[index]
    assert org.campaigns.statuses(campaign) == []


def test_200_member_inserts_stay_fast(org: Org, campaign: str) -> None:
    people = [contact(org, f"p{n}") for n in range(200)]
    started = time.perf_counter()
    with org.transaction():
        for person in people:
            org.create("CampaignMember", {"CampaignId": campaign, "ContactId": person})
    elapsed = time.perf_counter() - started
    assert rollups(org, campaign)["NumberOfContacts"] == 200
    # 50 ms is the server-time budget for a 200-record collections insert; allow for
    # a loaded CI machine.
    assert elapsed < 0.5
