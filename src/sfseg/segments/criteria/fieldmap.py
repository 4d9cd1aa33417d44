"""Contact and Lead name the same facts differently; this maps one to the other.

A segment with target `both` gets one SOQL statement per object. A field path that
exists on the object is kept; otherwise its counterpart from `CONTACT_TO_LEAD` (or the
reverse) is used. A field with neither, such as Contact.Department, is an error.
"""

from __future__ import annotations

__all__ = ["CONTACT_TO_LEAD", "LEAD_TO_CONTACT", "counterpart"]

# Contact field path -> Lead field path. Contacts carry company facts on their Account;
# leads carry them on the lead itself.
CONTACT_TO_LEAD: dict[str, str] = {
    "MailingStreet": "Street",
    "MailingCity": "City",
    "MailingState": "State",
    "MailingStateCode": "StateCode",
    "MailingPostalCode": "PostalCode",
    "MailingCountry": "Country",
    "MailingCountryCode": "CountryCode",
    "MailingLatitude": "Latitude",
    "MailingLongitude": "Longitude",
    "MailingGeocodeAccuracy": "GeocodeAccuracy",
    "Account.Name": "Company",
    "Account.Industry": "Industry",
    "Account.NumberOfEmployees": "NumberOfEmployees",
    "Account.AnnualRevenue": "AnnualRevenue",
    "Account.Website": "Website",
}

LEAD_TO_CONTACT: dict[str, str] = {lead: contact for contact, lead in CONTACT_TO_LEAD.items()}

_BY_TARGET = {
    "lead": {key.lower(): value for key, value in CONTACT_TO_LEAD.items()},
    "contact": {key.lower(): value for key, value in LEAD_TO_CONTACT.items()},
}


def counterpart(dotted: str, sobject: str) -> str | None:
    """Return the path on `sobject` (Contact or Lead) that matches `dotted` on the other object."""
    table = _BY_TARGET.get(sobject.lower())
    if table is None:
        return None
    return table.get(dotted.lower())
