"""simple-salesforce's Bulk API 2.0 client works unchanged against the sandbox."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
import requests
from simple_salesforce import Salesforce

from sfseg.sandbox.server import SandboxInfo, run_sandbox


@pytest.fixture
def tls_sandbox() -> Iterator[SandboxInfo]:
    """An empty sandbox over https, because simple-salesforce always uses https."""
    with run_sandbox(seed="empty", tls=True) as info:
        yield info


def _salesforce(info: SandboxInfo) -> Salesforce:
    session = requests.Session()
    session.verify = info.ca_file
    # REQUESTS_CA_BUNDLE in the environment would otherwise replace the sandbox's CA.
    session.trust_env = False
    return Salesforce(instance_url=info.url, session_id=info.access_token(), version=info.api_version, session=session)


def test_simple_salesforce_bulk2_insert(tls_sandbox: SandboxInfo) -> None:
    sf = _salesforce(tls_sandbox)
    records = [{"LastName": "Ng", "Title": "CTO"}, {"LastName": "Li", "Title": 'Said "hi"'}]
    [result] = sf.bulk2.Contact.insert(records=records, wait=0.1)
    assert result["numberRecordsProcessed"] == 2
    assert result["numberRecordsFailed"] == 0
    titles = tls_sandbox.state.org.store.connection.execute('SELECT Title FROM "Contact" ORDER BY LastName').fetchall()
    assert [row[0] for row in titles] == ['Said "hi"', "CTO"]


def test_simple_salesforce_bulk2_query(tls_sandbox: SandboxInfo) -> None:
    for name in ("A", "B", "C"):
        tls_sandbox.state.org.create("Contact", {"LastName": name})
    sf = _salesforce(tls_sandbox)
    pages = list(sf.bulk2.Contact.query("SELECT Id, LastName FROM Contact ORDER BY LastName", max_records=2, wait=0.1))
    rows = [row for page in pages for row in csv.DictReader(io.StringIO(page))]
    assert len(pages) == 2
    assert [row["LastName"] for row in rows] == ["A", "B", "C"]
