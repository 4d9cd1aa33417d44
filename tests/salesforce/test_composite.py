"""Composite requests: limits checked before sending, queries batched into one API call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sfseg.salesforce import (
    CompositeBuilder,
    ConfigurationError,
    InvalidFieldError,
    SalesforceClient,
)


def test_builder_batches_queries(fresh_sandbox: Any, connect: Callable[..., SalesforceClient]) -> None:
    """Three counts go out in one Composite call and each comes back under its referenceId."""
    client = connect(fresh_sandbox)
    org = fresh_sandbox.state.org
    for name in ("A", "B"):
        org.create("Contact", {"LastName": name})
    org.create("Lead", {"LastName": "L", "Company": "C"})
    client.limits()
    before = client.api_calls

    batch = CompositeBuilder(client)
    batch.add_query("contacts", "SELECT COUNT() FROM Contact")
    batch.add_query("leads", "SELECT COUNT() FROM Lead")
    batch.add_query("names", "SELECT LastName FROM Contact ORDER BY LastName")
    responses = batch.execute()

    assert client.api_calls == before + 1
    assert responses["contacts"].body["totalSize"] == 2
    assert responses["leads"].body["totalSize"] == 1
    assert [r["LastName"] for r in responses["names"].body["records"]] == ["A", "B"]


def test_builder_splits_past_five_queries(fresh_sandbox: Any, connect: Callable[..., SalesforceClient]) -> None:
    """Seven queries need two Composite calls, because one call carries at most five."""
    client = connect(fresh_sandbox)
    batch = CompositeBuilder(client)
    for number in range(7):
        batch.add_query(f"q{number}", "SELECT COUNT() FROM Account")
    client.limits()
    before = client.api_calls
    records = batch.run_queries()
    assert client.api_calls == before + 2
    assert sorted(records) == [f"q{n}" for n in range(7)]


def test_run_queries_raises_subrequest_error(fresh_sandbox: Any, connect: Callable[..., SalesforceClient]) -> None:
    """A failed query subrequest raises its own typed error."""
    client = connect(fresh_sandbox)
    batch = CompositeBuilder(client)
    batch.add("GET", client.data_path("query/") + "?q=SELECT+Nope__c+FROM+Account", "bad")
    with pytest.raises(InvalidFieldError, match="400 INVALID_FIELD"):
        batch.run_queries()


def test_too_many_subrequests_rejected(make_client: Callable[..., SalesforceClient]) -> None:
    """composite() rejects 26 subrequests before sending."""
    client = make_client(lambda request: pytest.fail("nothing may be sent"))
    subrequests = [{"method": "GET", "url": "/services/data/v66.0/limits", "referenceId": f"r{n}"} for n in range(26)]
    with pytest.raises(ConfigurationError, match="26 subrequests given; one Composite call takes at most 25"):
        client.composite(subrequests)


def test_duplicate_reference_rejected(make_client: Callable[..., SalesforceClient]) -> None:
    """A referenceId used twice is rejected when added."""
    batch = CompositeBuilder(make_client(lambda request: pytest.fail("nothing may be sent")))
    batch.add_query("same", "SELECT Id FROM Account")
    with pytest.raises(ConfigurationError, match="referenceId 'same' is used twice"):
        batch.add_query("same", "SELECT Id FROM Contact")
