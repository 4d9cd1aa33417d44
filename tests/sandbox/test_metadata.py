"""Standard-object metadata and the describe JSON built from it."""

from __future__ import annotations

import pytest

from sfseg.sandbox.describe import MASTER_RECORD_TYPE_ID
from sfseg.sandbox.metadata import FieldType, RecordError
from sfseg.sandbox.org import Org
from sfseg.sandbox.standard_objects import label_for, standard_schema

# Keys of a describe field entry recorded from a live org.
RECORDED_FIELD_KEYS = {
    "name", "label", "type", "soapType", "length", "byteLength", "nillable", "createable",
    "updateable", "filterable", "groupable", "sortable", "aggregatable", "custom",
    "calculated", "calculatedFormula", "autoNumber", "defaultValue", "defaultValueFormula",
    "defaultedOnCreate", "externalId", "idLookup", "unique", "caseSensitive", "nameField",
    "namePointing", "precision", "scale", "digits", "picklistValues", "restrictedPicklist",
    "dependentPicklist", "controllerName", "referenceTo", "relationshipName",
    "relationshipOrder", "cascadeDelete", "restrictedDelete", "polymorphicForeignKey",
    "inlineHelpText", "htmlFormatted", "deprecatedAndHidden",
}
KEY_PREFIXES = {
    "Account": "001", "Contact": "003", "Lead": "00Q", "Campaign": "701",
    "CampaignMember": "00v", "CampaignMemberStatus": "01Y", "Opportunity": "006",
    "OpportunityContactRole": "00K", "Case": "500", "Task": "00T", "Event": "00U",
    "User": "005", "RecordType": "012",
}


@pytest.fixture(scope="module")
def org() -> Org:
    return Org.open()


def test_standard_objects_and_key_prefixes() -> None:
    schema = standard_schema()
    assert {sobject.name: sobject.key_prefix for sobject in schema} == KEY_PREFIXES


def test_lookup_case_insensitive() -> None:
    schema = standard_schema()
    contact = schema.require("contact")
    assert contact.name == "Contact"
    assert contact.field("mailingCITY") is not None
    assert schema.by_key_prefix("00Q").name == "Lead"  # type: ignore[union-attr]


def test_require_unknown_object_is_invalid_type() -> None:
    with pytest.raises(RecordError) as caught:
        standard_schema().require("Gadget__c")
    assert caught.value.error_code == "INVALID_TYPE"


def test_system_fields_on_every_object() -> None:
    for sobject in standard_schema():
        for name in ("Id", "IsDeleted", "CreatedDate", "LastModifiedDate", "SystemModstamp",
                     "CreatedById", "LastModifiedById"):
            assert sobject.field(name) is not None, f"{sobject.name}.{name}"


def test_owner_only_on_owned_objects() -> None:
    schema = standard_schema()
    owned = {s.name for s in schema if s.field("OwnerId") is not None}
    assert owned == {"Account", "Contact", "Lead", "Campaign", "Opportunity", "Case", "Task",
                     "Event"}


def test_id_field_flags() -> None:
    field = standard_schema().require("Account").field("Id")
    assert field is not None
    assert field.type is FieldType.ID
    assert (field.createable, field.updateable, field.nillable, field.id_lookup) == (
        False, False, False, True)


def test_contact_reference_fields() -> None:
    contact = standard_schema().require("Contact")
    account = contact.field("AccountId")
    owner = contact.field("OwnerId")
    assert account is not None
    assert owner is not None
    assert (account.reference_to, account.relationship_name) == (("Account",), "Account")
    assert (owner.reference_to, owner.relationship_name) == (("User",), "Owner")
    assert contact.parent_relationship("account") is account


def test_polymorphic_who_and_what() -> None:
    task = standard_schema().require("Task")
    who, what = task.field("WhoId"), task.field("WhatId")
    assert who is not None
    assert what is not None
    assert who.reference_to == ("Contact", "Lead")
    assert who.relationship_name == "Who"
    assert who.polymorphic is True
    assert what.relationship_name == "What"
    assert "Opportunity" in what.reference_to


def test_child_relationships() -> None:
    schema = standard_schema()
    expected = {
        "Account": {"Contacts": ("Contact", "AccountId"),
                    "Opportunities": ("Opportunity", "AccountId")},
        "Contact": {"Cases": ("Case", "ContactId"), "Tasks": ("Task", "WhoId"),
                    "CampaignMembers": ("CampaignMember", "ContactId"),
                    "Opportunities": ("Opportunity", "ContactId")},
        "Campaign": {"CampaignMembers": ("CampaignMember", "CampaignId")},
        "Opportunity": {"OpportunityContactRoles": ("OpportunityContactRole",
                                                    "OpportunityId")},
        "Lead": {"CampaignMembers": ("CampaignMember", "LeadId")},
    }
    for parent, relationships in expected.items():
        for name, (child, field) in relationships.items():
            found = schema.require(parent).child_relationship(name.lower())
            assert found is not None, f"{parent}.{name}"
            assert (found.child_sobject, found.field) == (child, field)


def test_compound_address_fields() -> None:
    contact = standard_schema().require("Contact")
    city, address = contact.field("MailingCity"), contact.field("MailingAddress")
    assert city is not None
    assert address is not None
    assert city.compound_field_name == "MailingAddress"
    assert address.type is FieldType.ADDRESS
    assert address.is_stored is False
    assert "MailingAddress" not in [f.name for f in contact.stored_fields()]
    lead = standard_schema().require("Lead")
    assert lead.field("Address") is not None
    assert standard_schema().require("Account").field("BillingAddress") is not None


def test_picklist_values() -> None:
    schema = standard_schema()
    campaign_type = schema.require("Campaign").field("Type")
    campaign_status = schema.require("Campaign").field("Status")
    lead_status = schema.require("Lead").field("Status")
    assert campaign_type is not None
    assert campaign_status is not None
    assert lead_status is not None
    assert [v.value for v in campaign_type.picklist_values][:3] == [
        "Conference", "Webinar", "Trade Show"]
    assert campaign_status.picklist_default() == "Planned"
    assert lead_status.picklist_default() == "Open - Not Contacted"
    stage = schema.require("Opportunity").field("StageName")
    assert stage is not None
    assert "Closed Won" in [v.value for v in stage.picklist_values]


def test_field_lengths() -> None:
    schema = standard_schema()
    lengths = {
        ("Contact", "LastName"): 80, ("Contact", "FirstName"): 40, ("Contact", "Email"): 80,
        ("Campaign", "Name"): 80, ("Opportunity", "Name"): 120, ("Account", "Name"): 255,
        ("CampaignMember", "Status"): 40, ("CampaignMemberStatus", "Label"): 765,
        ("Lead", "Company"): 255,
    }
    for (sobject, name), length in lengths.items():
        field = schema.require(sobject).field(name)
        assert field is not None
        assert field.length == length, f"{sobject}.{name}"


def test_campaign_segment_key_field() -> None:
    field = standard_schema().require("Campaign").field("sfseg_Segment_Key__c")
    assert field is not None
    assert (field.type, field.length, field.external_id, field.unique, field.filterable,
            field.custom) == (FieldType.STRING, 80, True, True, True, True)


def test_member_derived_fields_read_only() -> None:
    member = standard_schema().require("CampaignMember")
    for name in ("HasResponded", "FirstRespondedDate", "Type", "LeadOrContactId"):
        field = member.field(name)
        assert field is not None
        assert (field.createable, field.updateable) == (False, False), name
    campaign_id = member.field("CampaignId")
    assert campaign_id is not None
    assert (campaign_id.createable, campaign_id.updateable) == (True, False)


def test_label_for() -> None:
    assert label_for("MailingCity") == "Mailing City"
    assert label_for("AccountId") == "Account ID"
    assert label_for("Guest_Type__c") == "Guest Type"


def test_describe_global_shape(org: Org) -> None:
    result = org.describe_global("66.0")
    assert (result["encoding"], result["maxBatchSize"]) == ("UTF-8", 200)
    account = next(s for s in result["sobjects"] if s["name"] == "Account")
    assert account["keyPrefix"] == "001"
    assert account["labelPlural"] == "Accounts"
    assert account["urls"] == {
        "sobject": "/services/data/v66.0/sobjects/Account",
        "describe": "/services/data/v66.0/sobjects/Account/describe",
        "rowTemplate": "/services/data/v66.0/sobjects/Account/{ID}",
    }
    for key in ("createable", "updateable", "deletable", "queryable", "searchable",
                "retrieveable", "layoutable", "triggerable", "custom", "customSetting"):
        assert key in account


def test_describe_field_entry_keys(org: Org) -> None:
    result = org.describe("Contact", "66.0")
    for entry in result["fields"]:
        assert set(entry) >= RECORDED_FIELD_KEYS, entry["name"]


def test_describe_owner_field_matches_recorded(org: Org) -> None:
    owner = next(f for f in org.describe("Contact", "66.0")["fields"] if f["name"] == "OwnerId")
    assert owner["type"] == "reference"
    assert owner["soapType"] == "tns:ID"
    assert (owner["length"], owner["byteLength"]) == (18, 18)
    assert owner["relationshipName"] == "Owner"
    assert owner["defaultedOnCreate"] is True
    assert owner["nillable"] is False


def test_describe_string_byte_length(org: Org) -> None:
    name = next(f for f in org.describe("Campaign", "66.0")["fields"] if f["name"] == "Name")
    assert (name["length"], name["byteLength"], name["soapType"]) == (80, 240, "xsd:string")
    assert name["nameField"] is True


def test_describe_picklist_entries(org: Org) -> None:
    status = next(f for f in org.describe("Campaign", "66.0")["fields"] if f["name"] == "Status")
    assert status["picklistValues"][0] == {
        "active": True, "defaultValue": True, "label": "Planned", "validFor": None,
        "value": "Planned"}


def test_describe_child_relationships_and_urls(org: Org) -> None:
    result = org.describe("Campaign", "61.0")
    members = next(r for r in result["childRelationships"]
                   if r["relationshipName"] == "CampaignMembers")
    assert members == {
        "cascadeDelete": False, "childSObject": "CampaignMember", "deprecatedAndHidden": False,
        "field": "CampaignId", "junctionIdListNames": [], "junctionReferenceTo": [],
        "relationshipName": "CampaignMembers", "restrictedDelete": False}
    assert result["urls"]["describe"] == "/services/data/v61.0/sobjects/Campaign/describe"
    assert result["urls"]["rowTemplate"] == "/services/data/v61.0/sobjects/Campaign/{ID}"


def test_describe_master_record_type(org: Org) -> None:
    infos = org.describe("Account", "66.0")["recordTypeInfos"]
    assert infos == [{
        "active": True, "available": True, "defaultRecordTypeMapping": True,
        "developerName": "Master", "master": True, "name": "Master",
        "recordTypeId": MASTER_RECORD_TYPE_ID,
        "urls": {"layout": "/services/data/v66.0/sobjects/Account/describe/layouts/"
                           "012000000000000AAA"}}]


def test_describe_unknown_object_not_found(org: Org) -> None:
    with pytest.raises(RecordError) as caught:
        org.describe("Gadget__c", "66.0")
    assert caught.value.error_code == "NOT_FOUND"
    assert caught.value.http_status == 404


def test_sobject_basic_info(org: Org) -> None:
    info = org.sobject_info("Lead", "66.0")
    assert info["recentItems"] == []
    assert info["objectDescribe"]["name"] == "Lead"
    assert info["objectDescribe"]["keyPrefix"] == "00Q"
