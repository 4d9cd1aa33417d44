"""The standard objects of the sandbox org, with Salesforce's field types, lengths,
picklist values, references and describe flags.

Sources: the Salesforce Object Reference pages for each object and the default
picklist values of a new Developer Edition org. Only the fields a segmentation
client reads or writes are modelled; Hierarchy* roll-ups of Campaign, Jigsaw,
Individual and similar fields are left out.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from sfseg.sandbox.metadata import (
    FieldSchema,
    FieldType,
    ObjectSchema,
    OrgSchema,
    PicklistValue,
)

__all__ = [
    "CLOSED_CASE_STATUSES",
    "CLOSED_TASK_STATUSES",
    "OPPORTUNITY_STAGES",
    "SEGMENT_KEY_FIELD",
    "OpportunityStage",
    "custom_field",
    "label_for",
    "standard_schema",
    "system_fields",
]

SEGMENT_KEY_FIELD = "sfseg_Segment_Key__c"

# The nine audit/system columns plus the owner, shared by most objects.
_AUDIT = ("CreatedDate", "LastModifiedDate", "SystemModstamp")

_T = FieldType


def label_for(name: str) -> str:
    """Return the label Salesforce derives from an API name (`MailingCity` → "Mailing City")."""
    base = name.removesuffix("__c")
    if base.endswith("Id") and len(base) > 2:
        base = base[:-2] + " ID"
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", base)
    return spaced.replace("_", " ").strip()


def _picklist(values: list[str], default: str | None = None) -> tuple[PicklistValue, ...]:
    return tuple(PicklistValue(v, v, True, v == default) for v in values)


_NOT_AGGREGATABLE = {"aggregatable": False}
_NOT_GROUPABLE = {"groupable": False}
# Describe flags that follow from the type (Salesforce describes of a Developer Edition org).
_TYPE_DEFAULTS: dict[FieldType, dict[str, Any]] = {
    _T.STRING: {"length": 255},
    _T.PICKLIST: {"length": 255, **_NOT_AGGREGATABLE},
    _T.MULTIPICKLIST: {"length": 4099, **_NOT_AGGREGATABLE, **_NOT_GROUPABLE},
    _T.COMBOBOX: {"length": 255},
    _T.EMAIL: {"length": 80},
    _T.PHONE: {"length": 40},
    _T.URL: {"length": 255},
    _T.TEXTAREA: {"length": 32000, "filterable": False, "sortable": False,
                  **_NOT_GROUPABLE, **_NOT_AGGREGATABLE},
    _T.ID: {"length": 18},
    _T.REFERENCE: {"length": 18},
    _T.BOOLEAN: {"nillable": False, "defaulted_on_create": True, "default_value": False,
                 **_NOT_AGGREGATABLE},
    _T.CURRENCY: {"precision": 18, "scale": 2, **_NOT_GROUPABLE},
    _T.DOUBLE: {"precision": 18, "scale": 0, **_NOT_GROUPABLE},
    _T.PERCENT: {"precision": 18, "scale": 0, **_NOT_GROUPABLE},
    _T.INT: {"digits": 9},
    _T.DATETIME: {**_NOT_GROUPABLE},
    _T.ADDRESS: {"createable": False, "updateable": False, "filterable": False,
                 "sortable": False, **_NOT_GROUPABLE, **_NOT_AGGREGATABLE},
    _T.LOCATION: {"createable": False, "updateable": False, "filterable": False,
                  "sortable": False, **_NOT_GROUPABLE, **_NOT_AGGREGATABLE},
}


def _f(name: str, kind: FieldType, **options: Any) -> FieldSchema:
    """Build a field from its type's defaults plus `options`.

    Shorthands: `values`/`default` give picklist entries, `read_only` clears
    createable and updateable, `required` clears nillable.
    """
    label = options.pop("label", None) or label_for(name)
    defaults: dict[str, Any] = dict(_TYPE_DEFAULTS.get(kind, {}))
    if "values" in options:
        default = options.pop("default", None)
        defaults["picklist_values"] = _picklist(options.pop("values"), default)
        defaults["defaulted_on_create"] = default is not None
    if options.pop("read_only", False):
        defaults.update(createable=False, updateable=False)
    if options.pop("required", False):
        defaults["nillable"] = False
    if kind is _T.REFERENCE:
        defaults["polymorphic"] = len(options.get("reference_to", ())) > 1
    defaults.update(options)
    return FieldSchema(name=name, label=label, type=kind, **defaults)


def _ref(name: str, targets: str, relationship: str | None, **options: Any) -> FieldSchema:
    return _f(name, _T.REFERENCE, reference_to=tuple(targets.split(",")),
              relationship_name=relationship, **options)


def _rollup(name: str, kind: FieldType = _T.INT) -> FieldSchema:
    return _f(name, kind, read_only=True, nillable=True, defaulted_on_create=True, default_value=0)


def system_fields(label: str, *, owner: str | None = "User") -> list[FieldSchema]:
    """Return Id, IsDeleted, the audit fields and (when `owner` is set) OwnerId."""
    fields = [
        _f("Id", _T.ID, label=f"{label} ID", read_only=True, required=True, id_lookup=True,
           defaulted_on_create=True, case_sensitive=True),
        _f("IsDeleted", _T.BOOLEAN, label="Deleted", read_only=True),
    ]
    for name in _AUDIT:
        fields.append(_f(name, _T.DATETIME, read_only=True, required=True,
                         defaulted_on_create=True, label=label_for(name)))
    fields.append(_ref("CreatedById", "User", "CreatedBy", read_only=True, required=True,
                       defaulted_on_create=True, label="Created By ID"))
    fields.append(_ref("LastModifiedById", "User", "LastModifiedBy", read_only=True,
                       required=True, defaulted_on_create=True, label="Last Modified By ID"))
    if owner is not None:
        fields.append(_ref("OwnerId", owner, "Owner", required=True, defaulted_on_create=True,
                           label="Owner ID"))
    return fields


def _address(prefix: str, label_prefix: str) -> list[FieldSchema]:
    """Return the parts of a compound address and the compound field itself."""
    compound = f"{prefix}Address"
    parts = [
        _f(f"{prefix}Street", _T.TEXTAREA, length=255, label=f"{label_prefix} Street".strip(),
           filterable=True, sortable=True, groupable=True),
        _f(f"{prefix}City", _T.STRING, length=40, label=f"{label_prefix} City".strip()),
        _f(f"{prefix}State", _T.STRING, length=80, label=f"{label_prefix} State/Province".strip()),
        _f(f"{prefix}PostalCode", _T.STRING, length=20,
           label=f"{label_prefix} Zip/Postal Code".strip()),
        _f(f"{prefix}Country", _T.STRING, length=80, label=f"{label_prefix} Country".strip()),
        _f(f"{prefix}Latitude", _T.DOUBLE, precision=18, scale=15,
           label=f"{label_prefix} Latitude".strip()),
        _f(f"{prefix}Longitude", _T.DOUBLE, precision=18, scale=15,
           label=f"{label_prefix} Longitude".strip()),
        _f(f"{prefix}GeocodeAccuracy", _T.PICKLIST, length=40,
           label=f"{label_prefix} Geocode Accuracy".strip(),
           values=["Address", "NearAddress", "Block", "Street", "ExtendedZip", "Zip",
                   "Neighborhood", "City", "County", "State", "Unknown"]),
    ]
    parts = [replace(part, compound_field_name=compound) for part in parts]
    whole = _f(compound, _T.ADDRESS, label=f"{label_prefix} Address".strip())
    return [*parts, whole]


# Salesforce's default lead sources, then those of the org the bundled coral-cloud
# contacts come from, so the sample org's data is in its own picklist.
_LEAD_SOURCES = [
    "Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other",
    "Advertising", "Corporate Booking", "Direct Mail", "Event and Trade Show",
    "Online Travel Agent", "Partnerships", "Referral", "Social Media", "Travel Agency",
    "Walk-in", "Website", "Word of Mouth",
]
_INDUSTRIES = [
    "Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications",
    "Construction", "Consulting", "Education", "Electronics", "Energy", "Engineering",
    "Entertainment", "Environmental", "Finance", "Food & Beverage", "Government",
    "Healthcare", "Hospitality", "Insurance", "Machinery", "Manufacturing", "Media",
    "Not For Profit", "Recreation", "Retail", "Shipping", "Technology",
    "Telecommunications", "Transportation", "Utilities", "Other",
]
_RATINGS = ["Hot", "Warm", "Cold"]
_SALUTATIONS = ["Mr.", "Ms.", "Mrs.", "Dr.", "Prof."]


def _person_name() -> list[FieldSchema]:
    return [
        _f("Salutation", _T.PICKLIST, length=40, values=_SALUTATIONS),
        _f("FirstName", _T.STRING, length=40),
        _f("LastName", _T.STRING, length=80, required=True),
        _f("Name", _T.STRING, length=121, label="Full Name", read_only=True, name_field=True,
           nillable=False, defaulted_on_create=True),
    ]


def _account() -> ObjectSchema:
    fields = system_fields("Account") + [
        _f("Name", _T.STRING, length=255, label="Account Name", required=True, name_field=True,
           id_lookup=False),
        _f("Type", _T.PICKLIST, length=255, label="Account Type", values=[
            "Prospect", "Customer - Direct", "Customer - Channel",
            "Channel Partner / Reseller", "Installation Partner", "Technology Partner",
            "Other"]),
        _ref("ParentId", "Account", "Parent", label="Parent Account ID"),
        _ref("RecordTypeId", "RecordType", "RecordType", label="Record Type ID"),
        *_address("Billing", "Billing"),
        *_address("Shipping", "Shipping"),
        _f("Phone", _T.PHONE, label="Account Phone"),
        _f("Fax", _T.PHONE, label="Account Fax"),
        _f("AccountNumber", _T.STRING, length=40),
        _f("Website", _T.URL),
        _f("Sic", _T.STRING, length=20, label="SIC Code"),
        _f("Industry", _T.PICKLIST, length=255, values=_INDUSTRIES),
        _f("AnnualRevenue", _T.CURRENCY, scale=0),
        _f("NumberOfEmployees", _T.INT, label="Employees", digits=8),
        _f("Ownership", _T.PICKLIST, length=255, values=["Public", "Private", "Subsidiary",
                                                         "Other"]),
        _f("TickerSymbol", _T.STRING, length=20),
        _f("Description", _T.TEXTAREA, label="Account Description"),
        _f("Rating", _T.PICKLIST, length=255, label="Account Rating", values=_RATINGS),
        _f("Site", _T.STRING, length=80, label="Account Site"),
        _f("AccountSource", _T.PICKLIST, length=255, values=_LEAD_SOURCES),
        _f("LastActivityDate", _T.DATE, read_only=True),
    ]
    return _object("Account", "Account", "Accounts", "001", fields)


def _contact() -> ObjectSchema:
    fields = system_fields("Contact") + [
        _ref("AccountId", "Account", "Account"),
        *_person_name(),
        _ref("RecordTypeId", "RecordType", "RecordType", label="Record Type ID"),
        *_address("Other", "Other"),
        *_address("Mailing", "Mailing"),
        _f("Phone", _T.PHONE, label="Business Phone"),
        _f("Fax", _T.PHONE, label="Business Fax"),
        _f("MobilePhone", _T.PHONE),
        _f("HomePhone", _T.PHONE),
        _f("OtherPhone", _T.PHONE),
        _f("AssistantPhone", _T.PHONE, label="Asst. Phone"),
        _ref("ReportsToId", "Contact", "ReportsTo"),
        _f("Email", _T.EMAIL, id_lookup=True),
        _f("Title", _T.STRING, length=128),
        _f("Department", _T.STRING, length=80),
        _f("AssistantName", _T.STRING, length=40, label="Assistant's Name"),
        _f("LeadSource", _T.PICKLIST, length=255, values=_LEAD_SOURCES),
        _f("Birthdate", _T.DATE),
        _f("Description", _T.TEXTAREA, label="Contact Description"),
        _f("HasOptedOutOfEmail", _T.BOOLEAN, label="Email Opt Out"),
        _f("HasOptedOutOfFax", _T.BOOLEAN, label="Fax Opt Out"),
        _f("DoNotCall", _T.BOOLEAN),
        _f("LastActivityDate", _T.DATE, read_only=True),
        _f("EmailBouncedReason", _T.STRING, length=255),
        _f("EmailBouncedDate", _T.DATETIME),
        _f("IsEmailBounced", _T.BOOLEAN, read_only=True),
    ]
    return _object("Contact", "Contact", "Contacts", "003", fields)


LEAD_STATUSES = ["Open - Not Contacted", "Working - Contacted", "Closed - Converted",
                 "Closed - Not Converted"]


def _lead() -> ObjectSchema:
    fields = system_fields("Lead", owner="Group,User") + [
        *_person_name(),
        _f("Title", _T.STRING, length=128),
        _f("Company", _T.STRING, length=255, required=True),
        _ref("RecordTypeId", "RecordType", "RecordType", label="Record Type ID"),
        *_address("", ""),
        _f("Phone", _T.PHONE),
        _f("MobilePhone", _T.PHONE),
        _f("Fax", _T.PHONE),
        _f("Email", _T.EMAIL, id_lookup=True),
        _f("Website", _T.URL),
        _f("Description", _T.TEXTAREA),
        _f("LeadSource", _T.PICKLIST, length=255, values=_LEAD_SOURCES),
        _f("Status", _T.PICKLIST, length=255, values=LEAD_STATUSES,
           default="Open - Not Contacted", nillable=False),
        _f("Industry", _T.PICKLIST, length=255, values=_INDUSTRIES),
        _f("Rating", _T.PICKLIST, length=255, values=_RATINGS),
        _f("AnnualRevenue", _T.CURRENCY, scale=0),
        _f("NumberOfEmployees", _T.INT, label="Employees", digits=8),
        _f("HasOptedOutOfEmail", _T.BOOLEAN, label="Email Opt Out"),
        _f("HasOptedOutOfFax", _T.BOOLEAN, label="Fax Opt Out"),
        _f("DoNotCall", _T.BOOLEAN),
        # IsConverted is createable so exports of converted leads load (Object Reference:
        # "Create, Defaulted on create"); the Converted* lookups are set by conversion only.
        _f("IsConverted", _T.BOOLEAN, label="Converted", updateable=False),
        _f("ConvertedDate", _T.DATE, read_only=True),
        _ref("ConvertedAccountId", "Account", "ConvertedAccount", read_only=True),
        _ref("ConvertedContactId", "Contact", "ConvertedContact", read_only=True),
        _ref("ConvertedOpportunityId", "Opportunity", "ConvertedOpportunity", read_only=True),
        _f("IsUnreadByOwner", _T.BOOLEAN, label="Unread By Owner"),
        _f("LastActivityDate", _T.DATE, read_only=True),
    ]
    return _object("Lead", "Lead", "Leads", "00Q", fields)


CAMPAIGN_ROLLUPS = (
    "NumberOfLeads", "NumberOfConvertedLeads", "NumberOfContacts", "NumberOfResponses",
    "NumberOfOpportunities", "NumberOfWonOpportunities",
)
CAMPAIGN_AMOUNT_ROLLUPS = ("AmountAllOpportunities", "AmountWonOpportunities")


def _campaign() -> ObjectSchema:
    fields = system_fields("Campaign") + [
        _f("Name", _T.STRING, length=80, label="Campaign Name", required=True, name_field=True,
           id_lookup=True),
        _ref("ParentId", "Campaign", "Parent", label="Parent Campaign ID"),
        _f("Type", _T.PICKLIST, length=255, values=[
            "Conference", "Webinar", "Trade Show", "Public Relations", "Partners",
            "Referral Program", "Advertisement", "Banner Ads", "Direct Mail", "Email",
            "Telemarketing", "Other"]),
        _ref("RecordTypeId", "RecordType", "RecordType", label="Record Type ID"),
        _f("Status", _T.PICKLIST, length=255, values=["Planned", "In Progress", "Completed",
                                                      "Aborted"], default="Planned"),
        _f("StartDate", _T.DATE),
        _f("EndDate", _T.DATE),
        _f("ExpectedRevenue", _T.CURRENCY, scale=0, label="Expected Revenue in Campaign"),
        _f("BudgetedCost", _T.CURRENCY, scale=0, label="Budgeted Cost in Campaign"),
        _f("ActualCost", _T.CURRENCY, scale=0, label="Actual Cost in Campaign"),
        _f("ExpectedResponse", _T.PERCENT, precision=10, scale=2,
           label="Expected Response (%)"),
        _f("NumberSent", _T.DOUBLE, label="Num Sent in Campaign"),
        _f("IsActive", _T.BOOLEAN, label="Active"),
        _f("Description", _T.TEXTAREA),
        *(_rollup(name) for name in CAMPAIGN_ROLLUPS),
        *(_rollup(name, _T.CURRENCY) for name in CAMPAIGN_AMOUNT_ROLLUPS),
        _ref("CampaignMemberRecordTypeId", "RecordType", "CampaignMemberRecordType",
             label="Campaign Member Type ID"),
        _f("LastActivityDate", _T.DATE, read_only=True),
        # sfseg writes the segment key here so a retried segment create finds its Campaign.
        _f(SEGMENT_KEY_FIELD, _T.STRING, length=80, label="sfseg Segment Key", custom=True,
           external_id=True, unique=True, id_lookup=True),
    ]
    return _object("Campaign", "Campaign", "Campaigns", "701", fields)


# Read-only copies of the member's Contact or Lead (Object Reference, CampaignMember).
MEMBER_COPIED_FIELDS: dict[str, FieldType] = {
    "Salutation": _T.STRING, "FirstName": _T.STRING, "LastName": _T.STRING,
    "Name": _T.STRING, "Title": _T.STRING, "Email": _T.EMAIL, "Phone": _T.PHONE,
    "MobilePhone": _T.PHONE, "Fax": _T.PHONE, "Street": _T.TEXTAREA, "City": _T.STRING,
    "State": _T.STRING, "PostalCode": _T.STRING, "Country": _T.STRING,
    "CompanyOrAccount": _T.STRING, "LeadSource": _T.STRING, "DoNotCall": _T.BOOLEAN,
    "HasOptedOutOfEmail": _T.BOOLEAN, "HasOptedOutOfFax": _T.BOOLEAN,
    "Description": _T.TEXTAREA,
}


def _campaign_member() -> ObjectSchema:
    fields = system_fields("Campaign Member", owner=None) + [
        _ref("CampaignId", "Campaign", "Campaign", required=True, updateable=False),
        _ref("LeadId", "Lead", "Lead", updateable=False),
        _ref("ContactId", "Contact", "Contact", updateable=False),
        _f("Status", _T.PICKLIST, length=40, values=["Planned", "Received", "Responded", "Sent"]),
        _f("HasResponded", _T.BOOLEAN, label="Responded", read_only=True),
        _f("FirstRespondedDate", _T.DATE, read_only=True),
        _f("Type", _T.STRING, length=40, read_only=True),
        _ref("LeadOrContactId", "Contact,Lead", None, read_only=True,
             label="Contact or Lead ID"),
        _ref("LeadOrContactOwnerId", "Group,User", "LeadOrContactOwner", read_only=True,
             label="Contact or Lead Owner ID"),
    ]
    for name, kind in MEMBER_COPIED_FIELDS.items():
        length = {"Name": 121, "CompanyOrAccount": 255, "Title": 128, "LastName": 80}.get(name, 80)
        extra: dict[str, Any] = {} if kind in {_T.BOOLEAN, _T.TEXTAREA} else {"length": length}
        fields.append(_f(name, kind, read_only=True, **extra))
    return _object("CampaignMember", "Campaign Member", "Campaign Members", "00v", fields)


def _campaign_member_status() -> ObjectSchema:
    fields = system_fields("Campaign Member Status", owner=None) + [
        _ref("CampaignId", "Campaign", "Campaign", required=True, updateable=False),
        _f("Label", _T.STRING, length=765, label="Member Status", required=True),
        _f("SortOrder", _T.INT, digits=9),
        _f("IsDefault", _T.BOOLEAN, label="Default"),
        _f("HasResponded", _T.BOOLEAN, label="Responded"),
    ]
    return _object("CampaignMemberStatus", "Campaign Member Status",
                   "Campaign Member Statuses", "01Y", fields)


class OpportunityStage:
    """A stage of the default sales process: probability, forecast category, closed/won."""

    def __init__(self, probability: int, forecast: str, closed: bool, won: bool) -> None:
        self.probability = probability
        self.forecast = forecast
        self.closed = closed
        self.won = won


# The default OpportunityStage rows of a new org; NPSP adds Pledged and Posted.
OPPORTUNITY_STAGES: dict[str, OpportunityStage] = {
    "Prospecting": OpportunityStage(10, "Pipeline", False, False),
    "Qualification": OpportunityStage(10, "Pipeline", False, False),
    "Needs Analysis": OpportunityStage(20, "Pipeline", False, False),
    "Value Proposition": OpportunityStage(50, "Pipeline", False, False),
    "Id. Decision Makers": OpportunityStage(60, "Pipeline", False, False),
    "Perception Analysis": OpportunityStage(70, "Pipeline", False, False),
    "Proposal/Price Quote": OpportunityStage(75, "Pipeline", False, False),
    "Negotiation/Review": OpportunityStage(90, "Pipeline", False, False),
    "Pledged": OpportunityStage(90, "Commit", False, False),
    "Closed Won": OpportunityStage(100, "Closed", True, True),
    "Posted": OpportunityStage(100, "Closed", True, True),
    "Closed Lost": OpportunityStage(0, "Omitted", True, False),
}


def _opportunity() -> ObjectSchema:
    fields = system_fields("Opportunity") + [
        _ref("AccountId", "Account", "Account"),
        _ref("RecordTypeId", "RecordType", "RecordType", label="Record Type ID"),
        _f("Name", _T.STRING, length=120, required=True, name_field=True),
        _f("Description", _T.TEXTAREA),
        _f("StageName", _T.PICKLIST, length=255, label="Stage", required=True,
           values=list(OPPORTUNITY_STAGES)),
        _f("Amount", _T.CURRENCY),
        _f("Probability", _T.PERCENT, precision=3, scale=0, label="Probability (%)"),
        _f("ExpectedRevenue", _T.CURRENCY, read_only=True, label="Expected Amount"),
        _f("CloseDate", _T.DATE, required=True),
        _f("Type", _T.PICKLIST, length=255, label="Opportunity Type", values=[
            "Existing Customer - Upgrade", "Existing Customer - Replacement",
            "Existing Customer - Downgrade", "New Customer"]),
        _f("NextStep", _T.STRING, length=255),
        _f("LeadSource", _T.PICKLIST, length=255, values=_LEAD_SOURCES),
        _f("IsClosed", _T.BOOLEAN, label="Closed", read_only=True),
        _f("IsWon", _T.BOOLEAN, label="Won", read_only=True),
        _f("ForecastCategoryName", _T.PICKLIST, length=255, label="Forecast Category",
           values=["Omitted", "Pipeline", "Best Case", "Commit", "Closed"]),
        _ref("CampaignId", "Campaign", "Campaign", label="Primary Campaign Source ID"),
        _ref("ContactId", "Contact", "Contact", updateable=False),
        _f("FiscalYear", _T.INT, read_only=True, digits=4),
        _f("FiscalQuarter", _T.INT, read_only=True, digits=1),
        _f("LastStageChangeDate", _T.DATETIME, read_only=True),
        _f("LastActivityDate", _T.DATE, read_only=True),
    ]
    return _object("Opportunity", "Opportunity", "Opportunities", "006", fields)


def _opportunity_contact_role() -> ObjectSchema:
    fields = system_fields("Contact Role", owner=None) + [
        _ref("OpportunityId", "Opportunity", "Opportunity", required=True, updateable=False),
        _ref("ContactId", "Contact", "Contact", required=True),
        _f("Role", _T.PICKLIST, length=40, values=[
            "Business User", "Decision Maker", "Economic Buyer", "Economic Decision Maker",
            "Evaluator", "Executive Sponsor", "Influencer", "Technical Buyer", "Other"]),
        _f("IsPrimary", _T.BOOLEAN, label="Primary"),
    ]
    return _object("OpportunityContactRole", "Opportunity Contact Role",
                   "Opportunity Contact Roles", "00K", fields)


CLOSED_CASE_STATUSES = frozenset({"Closed"})


def _case() -> ObjectSchema:
    fields = system_fields("Case", owner="Group,User") + [
        _f("CaseNumber", _T.STRING, length=30, read_only=True, name_field=True,
           auto_number=True, nillable=False, defaulted_on_create=True, id_lookup=True),
        _ref("ContactId", "Contact", "Contact"),
        _ref("AccountId", "Account", "Account"),
        _ref("ParentId", "Case", "Parent", label="Parent Case ID"),
        _ref("RecordTypeId", "RecordType", "RecordType", label="Record Type ID"),
        _f("SuppliedName", _T.STRING, length=80, label="Name"),
        _f("SuppliedEmail", _T.EMAIL, label="Email Address"),
        _f("SuppliedPhone", _T.STRING, length=40, label="Phone"),
        _f("SuppliedCompany", _T.STRING, length=80, label="Company"),
        _f("Type", _T.PICKLIST, length=255, label="Case Type", values=[
            "Mechanical", "Electrical", "Electronic", "Structural", "Other"]),
        _f("Status", _T.PICKLIST, length=255, values=["New", "Working", "Escalated", "Closed"],
           default="New"),
        _f("Reason", _T.PICKLIST, length=255, label="Case Reason", values=[
            "Installation", "Equipment Complexity", "Performance", "Breakdown",
            "Equipment Design", "Feedback", "Other"]),
        _f("Origin", _T.PICKLIST, length=255, label="Case Origin", values=["Phone", "Email",
                                                                           "Web"]),
        _f("Subject", _T.STRING, length=255),
        _f("Priority", _T.PICKLIST, length=255, values=["High", "Medium", "Low"],
           default="Medium"),
        _f("Description", _T.TEXTAREA),
        _f("IsClosed", _T.BOOLEAN, label="Closed", read_only=True),
        _f("ClosedDate", _T.DATETIME, read_only=True),
        _f("IsEscalated", _T.BOOLEAN, label="Escalated"),
    ]
    return _object("Case", "Case", "Cases", "500", fields)


CLOSED_TASK_STATUSES = frozenset({"Completed"})
_WHAT_TARGETS = "Account,Campaign,Case,Opportunity"


def _activity_common() -> list[FieldSchema]:
    return [
        _ref("WhoId", "Contact,Lead", "Who", label="Name ID"),
        _ref("WhatId", _WHAT_TARGETS, "What", label="Related To ID"),
        _ref("AccountId", "Account", "Account", read_only=True),
        _f("ActivityDate", _T.DATE, label="Due Date Only"),
        _f("Description", _T.TEXTAREA),
        _f("Type", _T.PICKLIST, length=40, values=["Call", "Email", "Meeting", "Other"]),
    ]


def _task() -> ObjectSchema:
    fields = system_fields("Activity") + _activity_common() + [
        _f("Subject", _T.COMBOBOX, length=255,
           values=["Call", "Send Letter", "Send Quote", "Other"]),
        _f("Status", _T.PICKLIST, length=40, nillable=False, default="Not Started", values=[
            "Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred"]),
        _f("Priority", _T.PICKLIST, length=40, nillable=False, default="Normal",
           values=["High", "Normal", "Low"]),
        _f("IsHighPriority", _T.BOOLEAN, label="High Priority", read_only=True),
        _f("IsClosed", _T.BOOLEAN, label="Closed", read_only=True),
        _f("TaskSubtype", _T.PICKLIST, length=40, updateable=False,
           values=["Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn"]),
        _f("CallDurationInSeconds", _T.INT, label="Call Duration", digits=8),
        _f("CallType", _T.PICKLIST, length=40, values=["Internal", "Inbound", "Outbound"]),
        _f("CompletedDateTime", _T.DATETIME, read_only=True),
    ]
    return _object("Task", "Task", "Tasks", "00T", fields)


def _event() -> ObjectSchema:
    fields = system_fields("Activity") + _activity_common() + [
        _f("Subject", _T.COMBOBOX, length=255,
           values=["Call", "Email", "Meeting", "Send Letter/Quote", "Other"]),
        _f("Location", _T.STRING, length=255),
        _f("IsAllDayEvent", _T.BOOLEAN, label="All-Day Event"),
        _f("ActivityDateTime", _T.DATETIME, label="Due Date Time"),
        _f("DurationInMinutes", _T.INT, label="Duration", digits=8),
        _f("StartDateTime", _T.DATETIME),
        _f("EndDateTime", _T.DATETIME),
        _f("EndDate", _T.DATE, read_only=True),
        _f("ShowAs", _T.PICKLIST, length=40, label="Show Time As",
           values=["Busy", "OutOfOffice", "Free"], default="Busy"),
        _f("EventSubtype", _T.PICKLIST, length=40, updateable=False, values=["Event"]),
    ]
    return _object("Event", "Event", "Events", "00U", fields)


def _user() -> ObjectSchema:
    fields = system_fields("User", owner=None) + [
        _f("Username", _T.STRING, length=80, required=True, unique=True, id_lookup=True),
        _f("LastName", _T.STRING, length=80, required=True),
        _f("FirstName", _T.STRING, length=40),
        _f("Name", _T.STRING, length=121, label="Full Name", read_only=True, name_field=True,
           nillable=False, defaulted_on_create=True),
        _f("CompanyName", _T.STRING, length=80),
        _f("Division", _T.STRING, length=80),
        _f("Department", _T.STRING, length=80),
        _f("Title", _T.STRING, length=80),
        *_address("", ""),
        _f("Email", _T.EMAIL, length=128, required=True),
        _f("Phone", _T.PHONE),
        _f("MobilePhone", _T.PHONE),
        _f("Alias", _T.STRING, length=8, required=True),
        _f("CommunityNickname", _T.STRING, length=40, label="Nickname"),
        _f("IsActive", _T.BOOLEAN, label="Active", default_value=True),
        _f("TimeZoneSidKey", _T.PICKLIST, length=40, label="Time Zone", nillable=False,
           values=["America/Los_Angeles", "America/New_York", "Europe/London", "GMT"],
           default="America/Los_Angeles"),
        _f("LocaleSidKey", _T.PICKLIST, length=40, label="Locale", nillable=False,
           values=["en_US", "en_GB"], default="en_US"),
        _f("EmailEncodingKey", _T.PICKLIST, length=40, label="Email Encoding",
           nillable=False, values=["UTF-8", "ISO-8859-1"], default="UTF-8"),
        _f("LanguageLocaleKey", _T.PICKLIST, length=40, label="Language", nillable=False,
           values=["en_US"], default="en_US"),
        _f("UserType", _T.PICKLIST, length=40, read_only=True, values=["Standard"],
           default="Standard"),
        _ref("ManagerId", "User", "Manager"),
    ]
    return _object("User", "User", "Users", "005", fields)


def _record_type() -> ObjectSchema:
    fields = system_fields("Record Type", owner=None) + [
        _f("Name", _T.STRING, length=80, label="Record Type Label", required=True,
           name_field=True),
        _f("DeveloperName", _T.STRING, length=80, label="Record Type Name", required=True),
        _f("NamespacePrefix", _T.STRING, length=15, read_only=True),
        _f("Description", _T.STRING, length=255),
        _f("SobjectType", _T.PICKLIST, length=40, required=True, updateable=False,
           values=["Account", "Campaign", "CampaignMember", "Case", "Contact", "Lead",
                   "Opportunity", "Task", "Event"]),
        _f("IsActive", _T.BOOLEAN, label="Active"),
        _f("IsPersonType", _T.BOOLEAN, read_only=True),
    ]
    schema = _object("RecordType", "Record Type", "Record Types", "012", fields)
    # Record types are metadata: read through the API, set up in Setup.
    schema.createable = schema.updateable = schema.deletable = False
    return schema


def _object(name: str, label: str, plural: str, prefix: str,
            fields: list[FieldSchema]) -> ObjectSchema:
    schema = ObjectSchema(name=name, label=label, label_plural=plural, key_prefix=prefix)
    for entry in fields:
        schema.add_field(entry)
    return schema


def custom_field(name: str, kind: FieldType = FieldType.STRING, **options: Any) -> FieldSchema:
    """Return a custom (`__c`) field; without a type it is a 255-character text field."""
    options.setdefault("custom", True)
    if kind is FieldType.REFERENCE and "relationship_name" not in options:
        options["relationship_name"] = name.removesuffix("__c") + "__r"
    return _f(name, kind, **options)


def custom_object(name: str, *, label: str | None = None, plural: str | None = None,
                  key_prefix: str) -> ObjectSchema:
    """Return a custom object with the system fields, OwnerId and a Name field."""
    label = label or label_for(name)
    fields = system_fields(label) + [
        _f("Name", _T.STRING, length=80, label=f"{label} Name", name_field=True),
    ]
    schema = _object(name, label, plural or f"{label}s", key_prefix, fields)
    schema.custom = True
    return schema


_CHILD_NAMES: dict[tuple[str, str, str], str] = {
    ("Account", "Contact", "AccountId"): "Contacts",
    ("Account", "Opportunity", "AccountId"): "Opportunities",
    ("Account", "Case", "AccountId"): "Cases",
    ("Account", "Account", "ParentId"): "ChildAccounts",
    ("Account", "Task", "WhatId"): "Tasks",
    ("Account", "Event", "WhatId"): "Events",
    ("Contact", "Case", "ContactId"): "Cases",
    ("Contact", "Task", "WhoId"): "Tasks",
    ("Contact", "Event", "WhoId"): "Events",
    ("Contact", "CampaignMember", "ContactId"): "CampaignMembers",
    ("Contact", "OpportunityContactRole", "ContactId"): "OpportunityContactRoles",
    ("Contact", "Opportunity", "ContactId"): "Opportunities",
    ("Lead", "Task", "WhoId"): "Tasks",
    ("Lead", "Event", "WhoId"): "Events",
    ("Lead", "CampaignMember", "LeadId"): "CampaignMembers",
    ("Campaign", "CampaignMember", "CampaignId"): "CampaignMembers",
    ("Campaign", "Opportunity", "CampaignId"): "Opportunities",
    ("Campaign", "Campaign", "ParentId"): "ChildCampaigns",
    ("Campaign", "Task", "WhatId"): "Tasks",
    ("Campaign", "Event", "WhatId"): "Events",
    ("Opportunity", "OpportunityContactRole", "OpportunityId"): "OpportunityContactRoles",
    ("Opportunity", "Task", "WhatId"): "Tasks",
    ("Opportunity", "Event", "WhatId"): "Events",
    ("Case", "Case", "ParentId"): "Cases",
    ("Case", "Task", "WhatId"): "Tasks",
    ("Case", "Event", "WhatId"): "Events",
}


def standard_schema() -> OrgSchema:
    """Build a fresh schema with the thirteen standard objects (safe to mutate)."""
    schema = OrgSchema([
        _account(), _contact(), _lead(), _campaign(), _campaign_member(),
        _campaign_member_status(), _opportunity(), _opportunity_contact_role(), _case(),
        _task(), _event(), _user(), _record_type(),
    ])
    schema.relationship_names.update(_CHILD_NAMES)
    schema.rebuild_child_relationships()
    return schema
