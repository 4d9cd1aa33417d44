"""simple-salesforce, unchanged, against `sfseg sandbox serve --tls` on the sample org.

The client gets its token from the client-credentials grant and trusts the sandbox
through the CA file, as a user would set it up against a real org.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce

from sfseg.sandbox.server import SandboxInfo, run_sandbox

ADDED_CONTACTS = 800


@pytest.fixture(scope="module")
def tls_sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxInfo]:
    ca_file = tmp_path_factory.mktemp("tls") / "sandbox-ca.pem"
    with run_sandbox(seed="sample", tls=True, ca_file=ca_file) as info:
        yield info


def _sample_count(info: SandboxInfo, sobject: str) -> int:
    store = info.state.org.store
    with store.lock:
        row = store.connection.execute(f'SELECT count(*) FROM "{sobject}" WHERE IsDeleted = 0').fetchone()
    return int(row[0])


@pytest.fixture(scope="module")
def sample_contacts(tls_sample: SandboxInfo) -> int:
    """Contacts of the sample org before the tests add any."""
    return _sample_count(tls_sample, "Contact")


@pytest.fixture(scope="module")
def sf(tls_sample: SandboxInfo, sample_contacts: int) -> Salesforce:
    session = requests.Session()
    # requests lets REQUESTS_CA_BUNDLE from the environment override `session.verify`.
    session.trust_env = False
    session.verify = str(tls_sample.ca_file)
    token = session.post(
        f"{tls_sample.url}/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": tls_sample.client_id,
            "client_secret": tls_sample.client_secret,
        },
        timeout=30,
    ).json()
    return Salesforce(
        instance_url=token["instance_url"],
        session_id=token["access_token"],
        session=session,
        version=tls_sample.api_version,
    )


@pytest.fixture(scope="module")
def added_contacts(sf: Salesforce) -> list[dict[str, Any]]:
    """Collections inserts through `restful`, 200 records a call, to pass 2,000 contacts."""
    results: list[dict[str, Any]] = []
    for start in range(0, ADDED_CONTACTS, 200):
        records = [
            {"attributes": {"type": "Contact"}, "LastName": f"Added{n:04d}"}
            for n in range(start, start + 200)
        ]
        answer = sf.restful("composite/sobjects", method="POST", json={"allOrNone": True, "records": records})
        assert isinstance(answer, list)
        results.extend(answer)
    return results


def test_collections_insert_through_restful(added_contacts: list[dict[str, Any]]) -> None:
    """Every record of the restful collections insert succeeded with a Contact id."""
    assert len(added_contacts) == ADDED_CONTACTS
    assert all(result["success"] for result in added_contacts)
    assert all(result["id"].startswith("003") for result in added_contacts)


def test_query_first_page(sf: Salesforce, sample_contacts: int, added_contacts: list[dict[str, Any]]) -> None:
    """query returns the first 2,000 rows, the full totalSize and a next-records URL."""
    page = sf.query("SELECT Id, LastName FROM Contact")
    assert page["totalSize"] == sample_contacts + ADDED_CONTACTS
    assert page["totalSize"] > 2_000
    assert len(page["records"]) == 2_000
    assert page["done"] is False
    assert page["nextRecordsUrl"].startswith("/services/data/v66.0/query/")
    rest = sf.query_more(page["nextRecordsUrl"], identifier_is_url=True)
    assert len(rest["records"]) == page["totalSize"] - 2_000
    assert rest["done"] is True


def test_query_all_pages(sf: Salesforce, sample_contacts: int, added_contacts: list[dict[str, Any]]) -> None:
    """query_all follows the pages and returns every row once."""
    result = sf.query_all("SELECT Id, LastName, Email FROM Contact")
    ids = [record["Id"] for record in result["records"]]
    emails = {record["Email"] for record in result["records"]}
    assert len(ids) == sample_contacts + ADDED_CONTACTS
    assert len(set(ids)) == len(ids)
    assert "garveyabrehart@example.com" in emails


def test_contact_create_get_update_delete(sf: Salesforce) -> None:
    """Contact.create, get, update and delete work unchanged."""
    created = sf.Contact.create({"LastName": "Simple", "Email": "simple@example.com"})
    contact_id = created["id"]
    fetched = sf.Contact.get(contact_id)
    status = sf.Contact.update(contact_id, {"FirstName": "Sal"})
    updated = sf.Contact.get(contact_id)
    deleted = sf.Contact.delete(contact_id)
    assert created["success"] is True
    assert fetched["Email"] == "simple@example.com"
    assert fetched["attributes"]["type"] == "Contact"
    assert status == 204
    assert updated["FirstName"] == "Sal"
    assert deleted == 204


def test_campaign_describe(sf: Salesforce) -> None:
    """Campaign.describe() lists the Campaign fields with their picklist values."""
    describe = sf.Campaign.describe()
    fields = {field["name"]: field for field in describe["fields"]}
    assert describe["keyPrefix"] == "701"
    assert fields["sfseg_Segment_Key__c"]["externalId"] is True
    assert "Planned" in [entry["value"] for entry in fields["Status"]["picklistValues"]]


def test_campaigns_of_sample(sf: Salesforce, tls_sample: SandboxInfo) -> None:
    """The sample org's campaigns come back through query."""
    result = sf.query("SELECT Name, Status FROM Campaign WHERE Name = 'Annual Appeal 2018'")
    assert result["totalSize"] == 1
    assert result["records"][0]["Status"] == "Completed"
    assert sf.query("SELECT Id FROM Campaign")["totalSize"] == _sample_count(tls_sample, "Campaign")


def test_limits(sf: Salesforce, tls_sample: SandboxInfo) -> None:
    """limits() returns DailyApiRequests from the live counter."""
    limits = sf.limits()
    daily = limits["DailyApiRequests"]
    assert daily["Max"] == 100_000
    assert daily["Remaining"] == 100_000 - tls_sample.state.limits.used
    assert sf.api_usage["api-usage"].total == 100_000


def test_ca_file_is_required(tls_sample: SandboxInfo) -> None:
    """Without the CA file the client does not trust the sandbox."""
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{tls_sample.url}/services/data", timeout=10)
    assert Path(str(tls_sample.ca_file)).exists()
