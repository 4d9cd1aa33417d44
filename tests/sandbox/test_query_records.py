"""Record shapes: fields in select order, wire values, nested parents, polymorphic
lookups, TYPEOF and child subqueries."""

from __future__ import annotations

import json

from tests.sandbox.test_query_org import QueryOrg, query_org

__all__ = ["query_org"]

BASE = "/services/data/v66.0/sobjects"


def test_record_attributes_and_select_order(query_org: QueryOrg) -> None:
    """A record starts with attributes {type, url}, then the fields in select order."""
    ids = query_org.ids
    records = query_org.records(f"SELECT LastName, Id FROM Contact WHERE Id = '{ids['jane']}'")
    assert records == [
        {
            "attributes": {"type": "Contact", "url": f"{BASE}/Contact/{ids['jane']}"},
            "LastName": "Smith",
            "Id": ids["jane"],
        }
    ]
    assert list(records[0]) == ["attributes", "LastName", "Id"]


def test_field_names_take_the_api_spelling(query_org: QueryOrg) -> None:
    """Fields written in any case come back under their API names."""
    records = query_org.records("select lastname, FIRSTNAME from contact where lastname = 'Smith'")
    assert records[0]["LastName"] == "Smith"
    assert records[0]["FirstName"] == "Jane"


def test_wire_values_by_type(query_org: QueryOrg) -> None:
    """Datetimes carry milliseconds and +0000, booleans are JSON booleans, ints are ints."""
    soql = (
        "SELECT CreatedDate, HasOptedOutOfEmail, DoNotCall, Birthdate, Account.NumberOfEmployees "
        f"FROM Contact WHERE Id = '{query_org.ids['jane']}'"
    )
    record = query_org.records(soql)[0]
    assert record["CreatedDate"] == "2024-05-15T08:30:00.000+0000"
    assert record["HasOptedOutOfEmail"] is True
    assert record["DoNotCall"] is False
    assert record["Birthdate"] == "1990-05-15"
    assert record["Account"]["NumberOfEmployees"] == 120
    assert isinstance(record["Account"]["NumberOfEmployees"], int)


def test_currency_is_a_json_number(query_org: QueryOrg) -> None:
    """Currency values are numbers on the wire, never strings."""
    record = query_org.records("SELECT Amount FROM Opportunity WHERE Name = 'opp1'")[0]
    assert json.dumps(record["Amount"]) == "0.1"


def test_null_fields_are_present(query_org: QueryOrg) -> None:
    """A selected field without a value is present as null."""
    record = query_org.records(
        f"SELECT FirstName, Title FROM Contact WHERE Id = '{query_org.ids['jane']}'"
    )[0]
    assert "Title" in record
    assert record["Title"] is None


def test_parent_record_nested(query_org: QueryOrg) -> None:
    """Account.Name nests an Account record with its own attributes."""
    ids = query_org.ids
    record = query_org.records(f"SELECT Account.Name FROM Contact WHERE Id = '{ids['zoe']}'")[0]
    assert record["Account"] == {
        "attributes": {"type": "Account", "url": f"{BASE}/Account/{ids['globex']}"},
        "Name": "Globex",
    }


def test_empty_lookup_is_null(query_org: QueryOrg) -> None:
    """A contact without an account has "Account": null."""
    record = query_org.records(
        f"SELECT Name, Account.Name FROM Contact WHERE Id = '{query_org.ids['max']}'"
    )[0]
    assert record["Account"] is None


def test_two_level_parent_path(query_org: QueryOrg) -> None:
    """Account.Owner.Name nests Owner inside Account."""
    record = query_org.records(
        f"SELECT Account.Owner.Name, Account.Name FROM Contact WHERE Id = '{query_org.ids['jane']}'"
    )[0]
    account = record["Account"]
    assert account["Owner"]["Name"] == "Sandbox Admin"
    assert account["Owner"]["attributes"]["type"] == "User"
    assert list(account) == ["attributes", "Owner", "Name"]


def test_object_name_prefix_is_allowed(query_org: QueryOrg) -> None:
    """`Contact.LastName FROM Contact` and an alias prefix name the FROM object itself."""
    assert query_org.values(
        f"SELECT Contact.LastName FROM Contact WHERE Id = '{query_org.ids['jane']}'", "LastName"
    ) == ["Smith"]
    assert query_org.values(
        f"SELECT c.LastName FROM Contact c WHERE c.Id = '{query_org.ids['jane']}'", "LastName"
    ) == ["Smith"]


def test_polymorphic_parent_has_type_name(query_org: QueryOrg) -> None:
    """Who.Name on a Task nests a record typed `Name` whose url names the real object."""
    ids = query_org.ids
    records = query_org.records("SELECT Subject, Who.Name, Who.Type FROM Task ORDER BY Subject")
    assert records[0]["Who"] == {
        "attributes": {"type": "Name", "url": f"{BASE}/Contact/{ids['jane']}"},
        "Name": "Jane Smith",
        "Type": "Contact",
    }
    assert records[1]["Who"]["attributes"]["url"] == f"{BASE}/Lead/{ids['lead_a']}"
    assert records[1]["Who"]["Type"] == "Lead"


def test_polymorphic_type_filter(query_org: QueryOrg) -> None:
    """Who.Type = 'Lead' keeps tasks whose Who is a lead."""
    assert query_org.values("SELECT Subject FROM Task WHERE Who.Type = 'lead'", "Subject") == [
        "Email Lee"
    ]


def test_typeof_picks_fields_per_object(query_org: QueryOrg) -> None:
    """TYPEOF What returns the WHEN fields for its object, the ELSE fields otherwise."""
    ids = query_org.ids
    soql = (
        "SELECT Subject, TYPEOF What WHEN Account THEN Name, Industry "
        "ELSE Name END FROM Task ORDER BY Subject"
    )
    records = query_org.records(soql)
    assert records[0]["What"] == {
        "attributes": {"type": "Account", "url": f"{BASE}/Account/{ids['acme']}"},
        "Name": "Acme",
        "Industry": "Technology",
    }
    assert records[1]["What"] == {
        "attributes": {"type": "Opportunity", "url": f"{BASE}/Opportunity/{ids['opp1']}"},
        "Name": "opp1",
    }


def test_child_subquery_shape(query_org: QueryOrg) -> None:
    """A child subquery returns {totalSize, done, records} under the relationship name."""
    ids = query_org.ids
    soql = "SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName DESC) FROM Account ORDER BY Name"
    records = query_org.records(soql)
    assert records[0]["Contacts"] == {
        "totalSize": 2,
        "done": True,
        "records": [
            {
                "attributes": {"type": "Contact", "url": f"{BASE}/Contact/{ids['jane']}"},
                "LastName": "Smith",
            },
            {
                "attributes": {"type": "Contact", "url": f"{BASE}/Contact/{ids['john']}"},
                "LastName": "smith",
            },
        ],
    }


def test_child_subquery_without_children_is_null(query_org: QueryOrg) -> None:
    """An account with no matching child has the relationship key set to null."""
    soql = "SELECT Name, (SELECT Name FROM Opportunities WHERE Amount > 100) FROM Account ORDER BY Name"
    records = query_org.records(soql)
    assert records[0]["Opportunities"] is None
    assert records[1]["Opportunities"]["totalSize"] == 1


def test_child_subquery_limit_applies_per_parent(query_org: QueryOrg) -> None:
    """LIMIT inside a child subquery caps each parent's children."""
    soql = "SELECT Name, (SELECT Name FROM Opportunities ORDER BY Name LIMIT 2) FROM Account ORDER BY Name"
    acme, globex = query_org.records(soql)
    assert [r["Name"] for r in acme["Opportunities"]["records"]] == ["opp1", "opp2"]
    assert [r["Name"] for r in globex["Opportunities"]["records"]] == ["opp4"]


def test_child_subquery_hides_deleted_children(query_org: QueryOrg) -> None:
    """A deleted contact is no child of its account in /query, but is in /queryAll."""
    soql = "SELECT (SELECT LastName FROM Contacts) FROM Account WHERE Name = 'Globex'"
    live = query_org.records(soql)[0]["Contacts"]["records"]
    everything = query_org.records(soql, include_deleted=True)[0]["Contacts"]["records"]
    assert [r["LastName"] for r in live] == ["Ångström"]
    assert sorted(r["LastName"] for r in everything) == ["Gone", "Ångström"]


def test_child_subquery_with_parent_path(query_org: QueryOrg) -> None:
    """Children can select their own parent paths."""
    soql = "SELECT Name, (SELECT Contact.LastName, Lead.LastName FROM CampaignMembers ORDER BY Id) FROM Campaign"
    members = query_org.records(soql)[0]["CampaignMembers"]["records"]
    assert members[0]["Contact"]["LastName"] == "Smith"
    assert members[0]["Lead"] is None
    assert members[1]["Lead"]["LastName"] == "Lee"


def test_to_label_returns_picklist_labels(query_org: QueryOrg) -> None:
    """toLabel(Tier__c) returns the label under the field's name."""
    record = query_org.records(
        f"SELECT toLabel(Tier__c) FROM Contact WHERE Id = '{query_org.ids['jane']}'"
    )[0]
    assert record == {"attributes": record["attributes"], "Tier__c": "Gold"}


def test_format_and_convert_currency_keep_values(query_org: QueryOrg) -> None:
    """FORMAT() and convertCurrency() return the stored value in a one-currency org."""
    formatted = query_org.records("SELECT FORMAT(Amount) FROM Opportunity WHERE Name = 'opp4'")[0]
    converted = query_org.records(
        "SELECT convertCurrency(Amount) FROM Opportunity WHERE Name = 'opp4'"
    )[0]
    assert formatted["Amount"] == 1000.0
    assert converted["Amount"] == 1000.0


def test_query_all_shows_is_deleted(query_org: QueryOrg) -> None:
    """/queryAll returns deleted rows with IsDeleted true."""
    soql = "SELECT LastName, IsDeleted FROM Contact WHERE IsDeleted = true"
    assert query_org.records(soql) == []
    records = query_org.records(soql, include_deleted=True)
    assert [(r["LastName"], r["IsDeleted"]) for r in records] == [("Gone", True)]


def test_compound_address_from_parts(query_org: QueryOrg) -> None:
    """MailingAddress is built from its part fields, keys sorted, null when all parts are."""
    soql = (
        "SELECT MailingAddress, Account.BillingAddress FROM Contact "
        "WHERE LastName IN ('smith', 'Ångström') ORDER BY FirstName"
    )
    jane, john, zoe = query_org.records(soql)
    assert jane["MailingAddress"] == {
        "city": "Paris",
        "country": "France",
        "geocodeAccuracy": None,
        "latitude": 48.8566,
        "longitude": 2.3522,
        "postalCode": None,
        "state": None,
        "street": None,
    }
    assert jane["Account"]["BillingAddress"] is None
    assert john["MailingAddress"]["city"] is None
    assert john["MailingAddress"]["longitude"] == -0.1278
    assert zoe["MailingAddress"] is None


def test_nested_child_subqueries(query_org: QueryOrg) -> None:
    """A child subquery may contain its own child subquery, filled in per child."""
    soql = (
        "SELECT Name, (SELECT LastName, (SELECT Subject FROM Tasks) FROM Contacts "
        "ORDER BY LastName DESC) FROM Account WHERE Name = 'Acme'"
    )
    contacts = query_org.records(soql)[0]["Contacts"]["records"]
    assert [c["LastName"] for c in contacts] == ["Smith", "smith"]
    assert [t["Subject"] for t in contacts[0]["Tasks"]["records"]] == ["Call Jane"]
    assert contacts[1]["Tasks"] is None


def test_iter_records_fills_child_subqueries(query_org: QueryOrg) -> None:
    """Streamed records carry their child subqueries too."""
    soql = (
        "SELECT Name, (SELECT Name FROM Opportunities WHERE Amount > 1) FROM Account ORDER BY Name"
    )
    acme, globex = list(query_org.engine.iter_records(soql))
    assert acme["Opportunities"] is None
    assert [o["Name"] for o in globex["Opportunities"]["records"]] == ["opp4"]


PARIS = "GEOLOCATION(48.8566, 2.3522)"


def test_distance_filters_sorts_and_selects(query_org: QueryOrg) -> None:
    """DISTANCE over an address measures the great circle in km or mi."""
    distance = f"DISTANCE(MailingAddress, {PARIS}, 'km')"
    soql = f"SELECT FirstName, {distance} d FROM Contact WHERE {distance} < 500 ORDER BY {distance} DESC"
    records = query_org.records(soql)
    assert [r["FirstName"] for r in records] == ["John", "Jane"]
    assert round(records[0]["d"]) == 344
    assert records[1]["d"] == 0.0
    miles = query_org.records(
        f"SELECT DISTANCE(MailingAddress, {PARIS}, 'mi') FROM Contact WHERE FirstName = 'John'"
    )
    assert round(miles[0]["expr0"]) == 213


def test_fields_custom_lists_custom_fields(query_org: QueryOrg) -> None:
    """FIELDS(CUSTOM) selects every custom field in describe order."""
    record = query_org.records(
        f"SELECT FIELDS(CUSTOM) FROM Contact WHERE Id = '{query_org.ids['jane']}' LIMIT 1"
    )[0]
    assert list(record) == ["attributes", "Interests__c", "Tier__c", "Code__c"]
    assert record["Code__c"] == "AbC"


def test_fields_standard_skips_selected_fields(query_org: QueryOrg) -> None:
    """FIELDS(STANDARD) adds the standard fields not already selected, compound addresses included."""
    record = query_org.records(
        f"SELECT Name, FIELDS(STANDARD) FROM Contact WHERE Id = '{query_org.ids['jane']}'"
    )[0]
    keys = list(record)
    assert keys[:3] == ["attributes", "Name", "Id"]
    assert keys.count("Name") == 1
    assert "MailingAddress" in keys
    assert "Interests__c" not in keys
