"""Report types of the sandbox: their columns and how each column reads the org.

A report column is a token such as `MEMBER_STATUS` or `ACCOUNT.INDUSTRY` (report-type
tokens, not SOQL names). Each column here lists one or more SOQL paths from the report
type's base object. The first path with a value wins, so `FIRST_NAME` of a campaign
member reads the member's Contact and falls back to its Lead.

`CampaignWithCampaignMembers` is Salesforce's API name for "Campaigns with Campaign
Members"; its `CAMPAIGN_ID`, `MEMBER_ID`, `MEMBER_STATUS` and `MEMBER_CREATED_DATE`
tokens are the ones seen in real report metadata. NOTE: the other tokens are this
sandbox's choice; clients should read them from `/analytics/reportTypes/{type}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "FILTER_OPERATORS",
    "REPORT_TYPES",
    "ReportColumn",
    "ReportType",
    "get_report_type",
]

# Operators the Reports API accepts in `reportFilters`, by column data type
# (`dataTypeFilterOperatorMap` of a report type describe).
_TEXT_OPERATORS = ("equals", "notEqual", "lessThan", "greaterThan", "lessOrEqual", "greaterOrEqual",
                   "contains", "notContain", "startsWith")
_NUMBER_OPERATORS = ("equals", "notEqual", "lessThan", "greaterThan", "lessOrEqual", "greaterOrEqual")
FILTER_OPERATORS: dict[str, tuple[str, ...]] = {
    "string": _TEXT_OPERATORS,
    "picklist": _TEXT_OPERATORS,
    "email": _TEXT_OPERATORS,
    "id": ("equals", "notEqual"),
    "boolean": ("equals", "notEqual"),
    "int": _NUMBER_OPERATORS,
    "double": _NUMBER_OPERATORS,
    "currency": _NUMBER_OPERATORS,
    "percent": _NUMBER_OPERATORS,
    "date": _NUMBER_OPERATORS,
    "datetime": _NUMBER_OPERATORS,
}


@dataclass(frozen=True)
class ReportColumn:
    """One column of a report type."""

    name: str
    label: str
    data_type: str
    paths: tuple[str, ...]
    section: str

    def describe(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "dataType": self.data_type,
            "filterable": True,
            "filterValues": [],
        }


@dataclass(frozen=True)
class ReportType:
    """A report type: its base object, label, category and columns."""

    type: str
    label: str
    category: str
    base_object: str
    columns: tuple[ReportColumn, ...]
    default_columns: tuple[str, ...]

    def column(self, name: str) -> ReportColumn | None:
        for column in self.columns:
            if column.name == name:
                return column
        return None

    def summary(self, api_version: str) -> dict[str, Any]:
        return {
            "label": self.label,
            "type": self.type,
            "describeUrl": f"/services/data/v{api_version}/analytics/reportTypes/{self.type}",
            "isHidden": False,
            "supportsJoinedFormat": False,
        }

    def type_metadata(self) -> dict[str, Any]:
        """Build the `reportTypeMetadata` block of a describe: columns grouped by section."""
        sections: dict[str, dict[str, Any]] = {}
        for column in self.columns:
            sections.setdefault(column.section, {})[column.name] = column.describe()
        operators = {
            data_type: [{"name": op, "label": op} for op in names] for data_type, names in FILTER_OPERATORS.items()
        }
        return {
            "categories": [{"label": label, "columns": columns} for label, columns in sections.items()],
            "dataTypeFilterOperatorMap": operators,
            "standardDateFilterDurationGroups": [],
            "standardFilterInfos": {},
        }


def _c(name: str, label: str, data_type: str, section: str, *paths: str) -> ReportColumn:
    return ReportColumn(name, label, data_type, tuple(paths), section)


_CAMPAIGN = "Campaign Info"
_MEMBER = "Campaign Member Info"
_PERSON = "Contact/Lead Info"
_ACCOUNT = "Account Info"

_CAMPAIGN_MEMBER_COLUMNS = (
    _c("CAMPAIGN_ID", "Campaign ID", "id", _CAMPAIGN, "CampaignId"),
    _c("CAMPAIGN_NAME", "Campaign Name", "string", _CAMPAIGN, "Campaign.Name"),
    _c("CAMPAIGN_TYPE", "Type", "picklist", _CAMPAIGN, "Campaign.Type"),
    _c("CAMPAIGN_STATUS", "Status", "picklist", _CAMPAIGN, "Campaign.Status"),
    _c("CAMPAIGN_START_DATE", "Start Date", "date", _CAMPAIGN, "Campaign.StartDate"),
    _c("CAMPAIGN_END_DATE", "End Date", "date", _CAMPAIGN, "Campaign.EndDate"),
    _c("CAMPAIGN_ACTIVE", "Active", "boolean", _CAMPAIGN, "Campaign.IsActive"),
    _c("CAMPAIGN_BUDGETED_COST", "Budgeted Cost in Campaign", "currency", _CAMPAIGN, "Campaign.BudgetedCost"),
    _c("CAMPAIGN_ACTUAL_COST", "Actual Cost in Campaign", "currency", _CAMPAIGN, "Campaign.ActualCost"),
    _c("AMOUNT", "Total Value Opportunities in Campaign", "currency", _CAMPAIGN, "Campaign.AmountAllOpportunities"),
    _c("MEMBER_ID", "Campaign Member ID", "id", _MEMBER, "Id"),
    _c("MEMBER_TYPE", "Member Type", "string", _MEMBER, "Type"),
    _c("MEMBER_STATUS", "Member Status", "picklist", _MEMBER, "Status"),
    _c("HAS_RESPONDED", "Responded", "boolean", _MEMBER, "HasResponded"),
    _c("FIRST_RESPONDED_DATE", "First Responded Date", "date", _MEMBER, "FirstRespondedDate"),
    _c("MEMBER_CREATED_DATE", "Member Created Date", "datetime", _MEMBER, "CreatedDate"),
    _c("CONTACT_ID", "Contact ID", "id", _PERSON, "ContactId"),
    _c("LEAD_ID", "Lead ID", "id", _PERSON, "LeadId"),
    _c("FIRST_NAME", "First Name", "string", _PERSON, "Contact.FirstName", "Lead.FirstName"),
    _c("LAST_NAME", "Last Name", "string", _PERSON, "Contact.LastName", "Lead.LastName"),
    _c("TITLE", "Title", "string", _PERSON, "Contact.Title", "Lead.Title"),
    _c("EMAIL", "Email", "email", _PERSON, "Contact.Email", "Lead.Email"),
    _c("LEAD_SOURCE", "Lead Source", "picklist", _PERSON, "Contact.LeadSource", "Lead.LeadSource"),
    _c("CITY", "City", "string", _PERSON, "Contact.MailingCity", "Lead.City"),
    _c("STATE", "State/Province", "string", _PERSON, "Contact.MailingState", "Lead.State"),
    _c("COUNTRY", "Country", "string", _PERSON, "Contact.MailingCountry", "Lead.Country"),
    _c("COMPANY", "Company / Account", "string", _PERSON, "Contact.Account.Name", "Lead.Company"),
    _c("INDUSTRY", "Industry", "picklist", _PERSON, "Contact.Account.Industry", "Lead.Industry"),
    _c("ANNUAL_REVENUE", "Annual Revenue", "currency", _PERSON,
       "Contact.Account.AnnualRevenue", "Lead.AnnualRevenue"),
    _c("EMPLOYEES", "Employees", "int", _PERSON, "Contact.Account.NumberOfEmployees", "Lead.NumberOfEmployees"),
    _c("HAS_OPTED_OUT_OF_EMAIL", "Email Opt Out", "boolean", _PERSON,
       "Contact.HasOptedOutOfEmail", "Lead.HasOptedOutOfEmail"),
    _c("ACCOUNT.NAME", "Account Name", "string", _ACCOUNT, "Contact.Account.Name"),
    _c("ACCOUNT.TYPE", "Account Type", "picklist", _ACCOUNT, "Contact.Account.Type"),
    _c("ACCOUNT.INDUSTRY", "Account Industry", "picklist", _ACCOUNT, "Contact.Account.Industry"),
    _c("ACCOUNT.ANNUAL_REVENUE", "Account Annual Revenue", "currency", _ACCOUNT, "Contact.Account.AnnualRevenue"),
    _c("ACCOUNT.EMPLOYEES", "Account Employees", "int", _ACCOUNT, "Contact.Account.NumberOfEmployees"),
    _c("ACCOUNT.BILLING_COUNTRY", "Account Billing Country", "string", _ACCOUNT, "Contact.Account.BillingCountry"),
)

_CONTACT = "Contact Info"
_CONTACT_COLUMNS = (
    _c("CONTACT_ID", "Contact ID", "id", _CONTACT, "Id"),
    _c("FIRST_NAME", "First Name", "string", _CONTACT, "FirstName"),
    _c("LAST_NAME", "Last Name", "string", _CONTACT, "LastName"),
    _c("TITLE", "Title", "string", _CONTACT, "Title"),
    _c("EMAIL", "Email", "email", _CONTACT, "Email"),
    _c("PHONE", "Phone", "string", _CONTACT, "Phone"),
    _c("LEAD_SOURCE", "Lead Source", "picklist", _CONTACT, "LeadSource"),
    _c("MAILING_CITY", "Mailing City", "string", _CONTACT, "MailingCity"),
    _c("MAILING_STATE", "Mailing State/Province", "string", _CONTACT, "MailingState"),
    _c("MAILING_COUNTRY", "Mailing Country", "string", _CONTACT, "MailingCountry"),
    _c("BIRTHDATE", "Birthdate", "date", _CONTACT, "Birthdate"),
    _c("CREATED_DATE", "Created Date", "datetime", _CONTACT, "CreatedDate"),
    _c("HAS_OPTED_OUT_OF_EMAIL", "Email Opt Out", "boolean", _CONTACT, "HasOptedOutOfEmail"),
    _c("ACCOUNT.NAME", "Account Name", "string", _ACCOUNT, "Account.Name"),
    _c("ACCOUNT.TYPE", "Account Type", "picklist", _ACCOUNT, "Account.Type"),
    _c("ACCOUNT.INDUSTRY", "Industry", "picklist", _ACCOUNT, "Account.Industry"),
    _c("ACCOUNT.ANNUAL_REVENUE", "Annual Revenue", "currency", _ACCOUNT, "Account.AnnualRevenue"),
    _c("ACCOUNT.EMPLOYEES", "Employees", "int", _ACCOUNT, "Account.NumberOfEmployees"),
)

REPORT_TYPES: dict[str, ReportType] = {
    "CampaignWithCampaignMembers": ReportType(
        type="CampaignWithCampaignMembers",
        label="Campaigns with Campaign Members",
        category="Campaigns",
        base_object="CampaignMember",
        columns=_CAMPAIGN_MEMBER_COLUMNS,
        default_columns=("CAMPAIGN_NAME", "MEMBER_STATUS", "FIRST_NAME", "LAST_NAME", "EMAIL", "COMPANY"),
    ),
    "ContactList": ReportType(
        type="ContactList",
        label="Contacts & Accounts",
        category="Accounts & Contacts",
        base_object="Contact",
        columns=_CONTACT_COLUMNS,
        default_columns=("FIRST_NAME", "LAST_NAME", "EMAIL", "ACCOUNT.NAME", "LEAD_SOURCE"),
    ),
}


def get_report_type(name: str) -> ReportType | None:
    """Return the report type with this API name, or None."""
    return REPORT_TYPES.get(name)
