"""Queries against the live sandbox: literal escaping on the wire, IN splitting, paging, types, expiry."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from sfseg.salesforce import PagingLoopError, SalesforceClient
from sfseg.soql import builder

from .conftest import RecordingTransport, admin

Recording = Callable[..., tuple[SalesforceClient, RecordingTransport]]


def _soql_sent(transport: RecordingTransport) -> list[str]:
    texts = []
    for request in transport.requests:
        query = parse_qs(urlsplit(str(request.url)).query)
        texts.extend(query.get("q", []))
    return texts


def _raw_queries(transport: RecordingTransport) -> list[str]:
    return [request.url.query.decode("ascii") for request in transport.requests if b"q=" in request.url.query]


def _seed(info: Any, sobject: str, rows: list[dict[str, Any]]) -> list[str]:
    return [info.state.org.create(sobject, row) for row in rows]


def test_lookup_quote_in_name(fresh_sandbox, recording_connect: Recording) -> None:
    """A lead named O'Brien is found; the quote is sent escaped."""
    client, transport = recording_connect(fresh_sandbox)
    [lead_id] = _seed(fresh_sandbox, "Lead", [{"LastName": "O'Brien", "Company": "Acme"}])
    _seed(fresh_sandbox, "Lead", [{"LastName": "OBrien", "Company": "Acme"}])
    query = builder.select("Id", "LastName", sobject="Lead", where=builder.eq("LastName", "O'Brien"))
    rows = list(client.query(query))
    assert [(r["Id"], r["LastName"]) for r in rows] == [(lead_id, "O'Brien")]
    assert _soql_sent(transport)[-1] == "SELECT Id, LastName FROM Lead WHERE LastName = 'O\\'Brien'"


def test_lookup_hyphen_without_backslash(fresh_sandbox, recording_connect: Recording) -> None:
    """Anne-Marie is found and the request carries no backslash at all."""
    client, transport = recording_connect(fresh_sandbox)
    [contact_id] = _seed(fresh_sandbox, "Contact", [{"FirstName": "Anne-Marie", "LastName": "Dupont"}])
    query = builder.select("Id", sobject="Contact", where=builder.eq("FirstName", "Anne-Marie"))
    assert [r["Id"] for r in client.query(query)] == [contact_id]
    raw = _raw_queries(transport)[-1]
    assert "%5C" not in raw.upper()
    assert "\\" not in raw


def test_lookup_plus_in_email(fresh_sandbox, recording_connect: Recording) -> None:
    """An email with + is found: the plus is percent-encoded, not sent as a space."""
    client, transport = recording_connect(fresh_sandbox)
    [contact_id] = _seed(fresh_sandbox, "Contact", [{"LastName": "Doe", "Email": "jane.doe+promo@example.org"}])
    _seed(fresh_sandbox, "Contact", [{"LastName": "Doe", "Email": "jane.doepromo@example.org"}])
    query = builder.select("Id", "Email", sobject="Contact", where=builder.eq("Email", "jane.doe+promo@example.org"))
    assert [r["Id"] for r in client.query(query)] == [contact_id]
    assert "%2B" in _raw_queries(transport)[-1]


def test_lookup_ampersand_in_name(fresh_sandbox, recording_connect: Recording) -> None:
    """Smith & Sons is found: the ampersand is percent-encoded and does not split the query string."""
    client, transport = recording_connect(fresh_sandbox)
    [account_id] = _seed(fresh_sandbox, "Account", [{"Name": "Smith & Sons"}])
    query = builder.select("Id", "Name", sobject="Account", where=builder.eq("Name", "Smith & Sons"))
    assert [r["Name"] for r in client.query(query)] == ["Smith & Sons"]
    assert [r["Id"] for r in client.query(query)] == [account_id]
    assert "%26" in _raw_queries(transport)[-1]


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2021, 8, 11, 12, 52, 8, 62712, tzinfo=dt.UTC),
        dt.datetime(2021, 8, 11, 14, 52, 8, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    ],
)
def test_lookup_datetime_in_utc(fresh_sandbox, recording_connect: Recording, moment: dt.datetime) -> None:
    """Both spellings of the instant are sent as 2021-08-11T12:52:08Z and find the stored record."""
    client, transport = recording_connect(fresh_sandbox)
    stored = "2021-08-11T12:52:08.000Z"
    [contact_id] = _seed(fresh_sandbox, "Contact", [{"LastName": "Bounce", "EmailBouncedDate": stored}])
    query = builder.select("Id", "EmailBouncedDate", sobject="Contact", where=builder.eq("EmailBouncedDate", moment))
    rows = list(client.query(query))
    assert [r["Id"] for r in rows] == [contact_id]
    assert rows[0]["EmailBouncedDate"] == dt.datetime(2021, 8, 11, 12, 52, 8, tzinfo=dt.UTC)
    assert _soql_sent(transport)[-1].endswith("WHERE EmailBouncedDate = 2021-08-11T12:52:08Z")


def test_in_lookup_thousand_ids(fresh_sandbox, recording_connect: Recording) -> None:
    """1,000 ids come back as 1,000 distinct rows, and no request URL passes the 8,000-byte limit."""
    client, transport = recording_connect(fresh_sandbox)
    ids = _seed(fresh_sandbox, "Contact", [{"LastName": f"In{i:04d}"} for i in range(1000)])
    query = builder.select("Id", "LastName", sobject="Contact")
    rows = client.query_in(query, "Id", ids + ids[:10])
    assert len(rows) == 1000
    assert {r["Id"] for r in rows} == set(ids)
    lengths = [len(str(r.url)) for r in transport.requests if "/query" in r.url.path]
    assert len(lengths) > 1
    assert max(lengths) <= 8000


def test_in_lookup_15_char_ids(fresh_sandbox, connect: Callable[..., SalesforceClient]) -> None:
    """A 15-character id and its 18-character form count once."""
    client = connect(fresh_sandbox)
    ids = _seed(fresh_sandbox, "Contact", [{"LastName": "Short"}, {"LastName": "Long"}])
    rows = client.query_in("SELECT Id FROM Contact", "Id", [ids[0][:15], ids[0], ids[1]])
    assert sorted(r["Id"] for r in rows) == sorted(ids)


def test_paging_1000_and_500(fresh_sandbox, connect: Callable[..., SalesforceClient]) -> None:
    """1,500 rows come in a page of 1,000 and a page of 500, each row once."""
    client = connect(fresh_sandbox)
    _seed(fresh_sandbox, "Contact", [{"LastName": f"Page{i:04d}"} for i in range(1500)])
    result = client.query("SELECT Id, LastName FROM Contact", batch_size=1000)
    page_of_row = []
    ids = []
    for record in result:
        page_of_row.append(result.pages)
        ids.append(record["Id"])
    assert result.total_size == 1500
    assert Counter(page_of_row) == {1: 1000, 2: 500}
    assert len(set(ids)) == 1500


def test_refresh_mid_iteration(fresh_sandbox, connect: Callable[..., SalesforceClient]) -> None:
    """The session expires between pages; one refresh later every row arrives exactly once."""
    client = connect(fresh_sandbox)
    created = _seed(fresh_sandbox, "Contact", [{"LastName": f"Expire{i:04d}"} for i in range(1500)])
    result = client.query("SELECT Id FROM Contact", batch_size=1000)
    ids = [next(result)["Id"]]
    later = fresh_sandbox.state.clock.now() + dt.timedelta(hours=3)
    admin(fresh_sandbox, "PUT", "clock", {"now": later.isoformat()})
    ids.extend(record["Id"] for record in result)
    assert client.token_refreshes == 1
    assert len(ids) == 1500
    assert set(ids) == set(created)


def test_amounts_are_exact_decimals(fresh_sandbox, connect: Callable[..., SalesforceClient]) -> None:
    """Amounts 0.1, 0.2 and 0.3 come back as Decimals that sum to exactly 0.6."""
    client = connect(fresh_sandbox)
    for amount in ("0.1", "0.2", "0.3"):
        client.create("Opportunity", {"Name": f"Deal {amount}", "StageName": "Prospecting", "CloseDate": dt.date(2026, 1, 31), "Amount": Decimal(amount)})
    rows = list(client.query("SELECT Amount, CloseDate FROM Opportunity"))
    assert sum((r["Amount"] for r in rows), Decimal(0)) == Decimal("0.6")
    assert all(type(r["Amount"]) is Decimal for r in rows)
    assert rows[0]["CloseDate"] == dt.date(2026, 1, 31)


def test_count_query(fresh_sandbox, connect: Callable[..., SalesforceClient]) -> None:
    """count() returns totalSize of SELECT COUNT() for the same FROM and WHERE."""
    client = connect(fresh_sandbox)
    _seed(fresh_sandbox, "Contact", [{"LastName": "A"}, {"LastName": "A"}, {"LastName": "B"}])
    assert client.count("SELECT Id, LastName FROM Contact WHERE LastName = 'A'") == 2


def test_describe_cached_case_insensitive(fresh_sandbox, connect: Callable[..., SalesforceClient]) -> None:
    """describe() is called once per object whatever the letter case, and fields match case-insensitively."""
    client = connect(fresh_sandbox)
    first = client.describe("Contact")
    calls = client.api_calls
    assert client.describe("contact") is first
    assert client.api_calls == calls
    field = first.field("EMAIL")
    assert field is not None
    assert (field.name, field.type) == ("Email", "email")


def test_paging_loop_detected(make_client: Callable[..., SalesforceClient]) -> None:
    """A page that points back to an already-read nextRecordsUrl raises PagingLoopError."""
    import httpx

    from .conftest import json_response

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/describe/"):
            return json_response(200, {"name": "Contact", "fields": [{"name": "Id", "type": "id"}]})
        page = {"totalSize": 9, "done": False, "nextRecordsUrl": "/services/data/v66.0/query/01g-2", "records": [{"attributes": {"type": "Contact"}, "Id": "003"}]}
        return json_response(200, page)

    client = make_client(handler)
    with pytest.raises(PagingLoopError, match="query page points back to /services/data/v66.0/query/01g-2"):
        list(client.query("SELECT Id FROM Contact"))


def test_in_lookup_via_composite(fresh_sandbox, connect: Callable[..., SalesforceClient]) -> None:
    """With via_composite the split queries of 1,000 ids cost one API call."""
    client = connect(fresh_sandbox)
    ids = _seed(fresh_sandbox, "Contact", [{"LastName": f"Co{i:04d}"} for i in range(1000)])
    client.describe("Contact")
    before = client.api_calls
    rows = client.query_in("SELECT Id, LastName FROM Contact", "Id", ids, via_composite=True)
    assert client.api_calls == before + 1
    assert sorted(r["Id"] for r in rows) == sorted(ids)


def test_in_lookup_keeps_rows_without_id(fresh_sandbox, connect: Callable[..., SalesforceClient]) -> None:
    """Two records with equal values stay two rows when Id is not selected."""
    client = connect(fresh_sandbox)
    ids = _seed(fresh_sandbox, "Contact", [{"LastName": "Twin"}, {"LastName": "Twin"}])
    rows = client.query_in("SELECT LastName FROM Contact", "Id", ids)
    assert [r["LastName"] for r in rows] == ["Twin", "Twin"]


def test_in_lookup_rejects_aggregate(make_client: Callable[..., SalesforceClient]) -> None:
    """An aggregate query is rejected before sending, because per-part counts cannot be joined."""
    from sfseg.salesforce import ConfigurationError

    client = make_client(lambda request: pytest.fail("nothing may be sent"))
    with pytest.raises(ConfigurationError, match="an aggregate query cannot be split over an IN list"):
        client.query_in("SELECT COUNT(Id) FROM Contact", "Id", ["003000000000001AAA"])


def test_nested_records_typed(fresh_sandbox, connect: Callable[..., SalesforceClient]) -> None:
    """Parent fields and child subquery rows are typed from their own objects' describes."""
    client = connect(fresh_sandbox)
    org = fresh_sandbox.state.org
    account_id = org.create("Account", {"Name": "Parent", "AnnualRevenue": 5000})
    org.create("Contact", {"LastName": "Child", "AccountId": account_id})
    org.create("Opportunity", {"Name": "Deal", "StageName": "Prospecting", "CloseDate": "2026-03-01", "Amount": 12.5, "AccountId": account_id})

    [contact] = list(client.query("SELECT Id, Account.Name, Account.AnnualRevenue FROM Contact"))
    assert contact["Account"]["AnnualRevenue"] == Decimal(5000)
    assert type(contact["Account"]["AnnualRevenue"]) is Decimal

    [account] = list(client.query("SELECT Name, (SELECT Amount, CloseDate FROM Opportunities) FROM Account"))
    [deal] = account["Opportunities"]["records"]
    assert deal["Amount"] == Decimal("12.5")
    assert deal["CloseDate"] == dt.date(2026, 3, 1)
