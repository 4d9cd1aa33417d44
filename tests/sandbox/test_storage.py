"""SQLite storage conventions shared with the query engine: tables, columns, encoding,
ids and indexes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sfseg.sandbox.clock import FixedClock
from sfseg.sandbox.org import Org
from sfseg.sandbox.standard_objects import standard_schema
from sfseg.sandbox.storage import OrgStore, column_type, quote
from sfseg.sandbox.values import format_datetime, parse_datetime
from sfseg.soql.ids import is_salesforce_id


@pytest.fixture
def org() -> Org:
    return Org.open(clock=FixedClock(datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)))


def columns(org: Org, table: str) -> dict[str, tuple[str, int, object]]:
    rows = org.store.connection.execute(f"PRAGMA table_info({quote(table)})").fetchall()
    return {row[1]: (row[2], row[3], row[4]) for row in rows}


def test_table_per_object_named_exactly(org: Org) -> None:
    tables = {row[0] for row in org.store.connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'"
    )}
    assert tables == {sobject.name for sobject in org.schema}


def test_base_columns(org: Org) -> None:
    found = columns(org, "Case")
    assert found["Id"][0] == "TEXT"
    assert found["IsDeleted"] == ("INTEGER", 1, "0")
    for name in ("CreatedDate", "LastModifiedDate", "SystemModstamp"):
        assert found[name][0] == "TEXT"


def test_column_types_by_field_type(org: Org) -> None:
    found = columns(org, "Opportunity")
    assert found["Amount"][0] == "REAL"
    assert found["Probability"][0] == "REAL"
    assert found["FiscalYear"][0] == "INTEGER"
    assert found["IsWon"] == ("INTEGER", 1, "0")
    assert found["CloseDate"][0] == "TEXT"
    assert "MailingAddress" not in columns(org, "Contact")


def test_column_type_helper() -> None:
    contact = standard_schema().require("Contact")
    assert column_type(contact.fields["hasoptedoutofemail"]) == "INTEGER"
    assert column_type(contact.fields["mailinglatitude"]) == "REAL"
    assert column_type(contact.fields["birthdate"]) == "TEXT"


def test_stored_encoding(org: Org) -> None:
    account = org.create("Account", {"Name": "Acme", "NumberOfEmployees": 12})
    org.create("Opportunity", {"Name": "D", "StageName": "Closed Won", "CloseDate": "2026-05-01",
                               "Amount": 12.5, "AccountId": account})
    row = org.store.connection.execute(
        'SELECT "Amount", "IsWon", "CloseDate", "CreatedDate", "AccountId" FROM "Opportunity"'
    ).fetchone()
    assert row == (12.5, 1, "2026-05-01", "2026-01-02T03:04:05.678+0000", account)


def test_multipicklist_stored_semicolon_joined(org: Org) -> None:
    from sfseg.sandbox.seeds.schema_file import add_custom_field

    add_custom_field(org.store, "Contact", "Hobbies__c",
                     {"type": "multipicklist", "values": ["Golf", "Tennis"]})
    record_id = org.create("Contact", {"LastName": "x", "Hobbies__c": ["Golf", "Tennis"]})
    row = org.store.fetch_row("Contact", record_id)
    assert row is not None
    assert row["Hobbies__c"] == "Golf;Tennis"


def test_datetime_text_order_is_time_order() -> None:
    early = format_datetime(parse_datetime("2026-01-01T23:59:59-02:00"))
    late = format_datetime(parse_datetime("2026-01-02T00:30:00Z"))
    assert early == "2026-01-02T01:59:59.000+0000"
    assert early > late
    assert len(early) == len(late) == 28


def test_new_ids_unique_and_valid(org: Org) -> None:
    contact = org.schema.require("Contact")
    ids = org.store.new_ids(contact, 500)
    assert len(set(ids)) == 500
    assert all(is_salesforce_id(i) and len(i) == 18 and i.startswith("003") for i in ids)


def test_ids_continue_after_reopen(tmp_path: object) -> None:
    path = f"{tmp_path}/org.db"
    first = Org.open(path)
    one = first.create("Account", {"Name": "a"})
    first.close()
    second = Org.open(path)
    two = second.create("Account", {"Name": "b"})
    assert one != two


def test_file_database_uses_wal(tmp_path: object) -> None:
    org = Org.open(f"{tmp_path}/org.db")
    mode = org.store.connection.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_indexes_on_references_external_ids_and_email(org: Org) -> None:
    names = {row[0] for row in org.store.connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index'")}
    for expected in ("ix_Contact_AccountId", "ix_Contact_Email", "ix_Lead_Email",
                     "ix_CampaignMember_CampaignId", "ix_CampaignMember_ContactId",
                     "ix_CampaignMember_LeadId", "ix_Campaign_sfseg_Segment_Key__c",
                     "ix_Task_WhoId", "ix_Opportunity_CampaignId"):
        assert expected in names


def test_member_lookup_uses_index(org: Org) -> None:
    plan = org.store.connection.execute(
        'EXPLAIN QUERY PLAN SELECT "Id" FROM "CampaignMember" WHERE "CampaignId" = ? '
        'AND "ContactId" = ?', ("701", "003")).fetchall()
    assert "USING INDEX" in " ".join(str(row[-1]) for row in plan)


def test_store_counts_exclude_deleted(org: Org) -> None:
    record_id = org.create("Contact", {"LastName": "x"})
    org.create("Contact", {"LastName": "y"})
    org.delete("Contact", record_id)
    assert org.store.count("Contact") == 1
    assert org.store.count("Contact", include_deleted=True) == 2


def test_store_meta_roundtrip() -> None:
    store = OrgStore(standard_schema())
    store.set_meta("answer", {"value": [1, 2]})
    assert store.get_meta("answer") == {"value": [1, 2]}
    assert store.get_meta("missing") is None
