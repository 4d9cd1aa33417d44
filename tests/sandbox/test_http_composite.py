"""Composite and Composite batch on a live sandbox."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sfseg.sandbox.server import SandboxInfo

V = "/services/data/v66.0"


def _sub(reference_id: str, method: str, url: str, body: Any = None) -> dict[str, Any]:
    request: dict[str, Any] = {"method": method, "url": V + url, "referenceId": reference_id}
    if body is not None:
        request["body"] = body
    return request


def _composite(http: httpx.Client, *subs: dict[str, Any], all_or_none: bool = False) -> list[dict[str, Any]]:
    response = http.post("/composite", json={"allOrNone": all_or_none, "compositeRequest": list(subs)})
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["compositeResponse"]
    return results


def _count(http: httpx.Client, soql: str) -> int:
    total: int = http.get("/query", params={"q": soql}).json()["totalSize"]
    return total


def test_references_chain_subrequests(fresh_http: httpx.Client) -> None:
    """`@{ref.id}` in a body and `@{ref.records[0].Id}` in a URL take earlier results."""
    results = _composite(
        fresh_http,
        _sub("newAccount", "POST", "/sobjects/Account", {"Name": "Acme"}),
        _sub("newContact", "POST", "/sobjects/Contact", {"LastName": "Lee", "AccountId": "@{newAccount.id}"}),
        _sub("found", "GET", "/query?q=SELECT+Id,AccountId+FROM+Contact+WHERE+AccountId='@{newAccount.id}'"),
        _sub("again", "GET", "/sobjects/Contact/@{found.records[0].Id}?fields=LastName"),
    )
    account_id = results[0]["body"]["id"]
    assert [result["httpStatusCode"] for result in results] == [201, 201, 200, 200]
    assert results[0]["httpHeaders"] == {"Location": f"{V}/sobjects/Account/{account_id}"}
    assert results[2]["body"]["records"][0]["AccountId"] == account_id
    assert results[3]["body"]["LastName"] == "Lee"
    assert [result["referenceId"] for result in results] == ["newAccount", "newContact", "found", "again"]


def test_failed_subrequest_does_not_stop_others(fresh_http: httpx.Client) -> None:
    """Without allOrNone a failed subrequest returns 400 in place; the rest still run."""
    results = _composite(
        fresh_http,
        _sub("bad", "POST", "/sobjects/Contact", {"FirstName": "NoLast"}),
        _sub("good", "POST", "/sobjects/Contact", {"LastName": "Fine"}),
    )
    assert results[0]["httpStatusCode"] == 400
    assert results[0]["body"][0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert results[1]["httpStatusCode"] == 201
    assert _count(fresh_http, "SELECT Id FROM Contact") == 1


def test_reference_to_failed_subrequest_halts(fresh_http: httpx.Client) -> None:
    """A subrequest referring to a failed one returns 400 PROCESSING_HALTED."""
    results = _composite(
        fresh_http,
        _sub("refContact", "POST", "/sobjects/Contact", {"FirstName": "NoLast"}),
        _sub("dependent", "GET", "/sobjects/Contact/@{refContact.id}"),
    )
    assert results[1]["httpStatusCode"] == 400
    assert results[1]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert results[1]["body"][0]["message"].startswith(
        "Invalid reference specified. No value for refContact.id found in refContact."
    )


def test_all_or_none_rolls_back_composite(fresh_http: httpx.Client) -> None:
    """With allOrNone a failure rolls back earlier writes; the others get PROCESSING_HALTED."""
    results = _composite(
        fresh_http,
        _sub("first", "POST", "/sobjects/Account", {"Name": "Kept?"}),
        _sub("broken", "POST", "/sobjects/Contact", {"FirstName": "NoLast"}),
        _sub("never", "POST", "/sobjects/Account", {"Name": "Never"}),
        all_or_none=True,
    )
    assert [result["httpStatusCode"] for result in results] == [400, 400, 400]
    assert results[0]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert results[1]["body"][0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert results[2]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert _count(fresh_http, "SELECT Id FROM Account") == 0


def test_composite_counts_one_call(fresh_sandbox: SandboxInfo, fresh_http: httpx.Client) -> None:
    """A composite of three subrequests is one API call."""
    _composite(
        fresh_http,
        _sub("a", "POST", "/sobjects/Account", {"Name": "A"}),
        _sub("b", "POST", "/sobjects/Account", {"Name": "B"}),
        _sub("c", "GET", "/limits"),
    )
    assert fresh_sandbox.state.limits.used == 1


def test_more_than_25_subrequests_rejected(fresh_http: httpx.Client) -> None:
    """26 subrequests fail the whole call with 400."""
    subs = [_sub(f"r{n}", "GET", "/limits") for n in range(26)]
    response = fresh_http.post("/composite", json={"compositeRequest": subs})
    assert response.status_code == 400
    assert "at most 25 subrequests" in response.json()[0]["message"]


def test_more_than_5_queries_rejected(fresh_http: httpx.Client) -> None:
    """Six query subrequests fail the whole call: at most 5 may be queries or collections."""
    subs = [_sub(f"q{n}", "GET", "/query?q=SELECT+Id+FROM+Account") for n in range(6)]
    response = fresh_http.post("/composite", json={"compositeRequest": subs})
    assert response.status_code == 400
    assert "at most 5 collections or query" in response.json()[0]["message"]


@pytest.mark.parametrize("reference_id", ["_lead", "has-dash", "has space", ""])
def test_bad_reference_id_rejected(fresh_http: httpx.Client, reference_id: str) -> None:
    """A referenceId must start with a letter or digit and hold letters, digits, underscores."""
    sub = _sub(reference_id, "GET", "/limits")
    response = fresh_http.post("/composite", json={"compositeRequest": [sub]})
    assert response.status_code == 400


def test_duplicate_reference_id_rejected(fresh_http: httpx.Client) -> None:
    """Two subrequests may not share a referenceId."""
    subs = [_sub("same", "GET", "/limits"), _sub("same", "GET", "/limits")]
    assert fresh_http.post("/composite", json={"compositeRequest": subs}).status_code == 400


def test_forbidden_subrequest_header_rejected(fresh_http: httpx.Client) -> None:
    """httpHeaders may not set Authorization, Accept or Content-Type."""
    sub = {**_sub("a", "GET", "/limits"), "httpHeaders": {"Authorization": "Bearer x"}}
    assert fresh_http.post("/composite", json={"compositeRequest": [sub]}).status_code == 400


def test_collections_inside_composite(fresh_http: httpx.Client) -> None:
    """A collections subrequest returns its per-record array."""
    records = [{"attributes": {"type": "Contact"}, "LastName": "In"}]
    results = _composite(fresh_http, _sub("coll", "POST", "/composite/sobjects", {"records": records}))
    assert results[0]["httpStatusCode"] == 200
    assert results[0]["body"][0]["success"] is True


# Composite batch -------------------------------------------------------------------------


def test_batch_counts_each_subrequest(fresh_sandbox: SandboxInfo, fresh_http: httpx.Client) -> None:
    """Batch subrequests run independently and each counts as one API call."""
    account_id = fresh_http.post("/sobjects/Account", json={"Name": "Old"}).json()["id"]
    response = fresh_http.post(
        "/composite/batch",
        json={
            "haltOnError": False,
            "batchRequests": [
                {"method": "PATCH", "url": f"v66.0/sobjects/account/{account_id}", "richInput": {"Name": "New"}},
                {"method": "GET", "url": f"v66.0/sobjects/account/{account_id}?fields=Name"},
            ],
        },
    )
    body = response.json()
    assert response.status_code == 200
    assert body["hasErrors"] is False
    assert body["results"][0] == {"statusCode": 204, "result": None}
    assert body["results"][1]["result"]["Name"] == "New"
    assert fresh_sandbox.state.limits.used == 3
    assert response.headers["Sforce-Limit-Info"] == "api-usage=3/100000"


def test_batch_halt_on_error(fresh_http: httpx.Client) -> None:
    """With haltOnError the subrequests after a failure get 412 BATCH_PROCESSING_HALTED."""
    body = fresh_http.post(
        "/composite/batch",
        json={
            "haltOnError": True,
            "batchRequests": [
                {"method": "POST", "url": "v66.0/sobjects/Contact", "richInput": {"FirstName": "NoLast"}},
                {"method": "POST", "url": "v66.0/sobjects/Contact", "richInput": {"LastName": "Skipped"}},
            ],
        },
    ).json()
    assert body["hasErrors"] is True
    assert body["results"][0]["statusCode"] == 400
    assert body["results"][1]["statusCode"] == 412
    assert body["results"][1]["result"][0]["errorCode"] == "BATCH_PROCESSING_HALTED"
    assert _count(fresh_http, "SELECT Id FROM Contact") == 0


def test_batch_over_25_rejected(fresh_http: httpx.Client) -> None:
    """A batch of 26 subrequests fails with 400."""
    requests = [{"method": "GET", "url": "v66.0/limits"}] * 26
    response = fresh_http.post("/composite/batch", json={"batchRequests": requests})
    assert response.status_code == 400


def test_batch_stops_at_daily_limit(fresh_sandbox: SandboxInfo, fresh_http: httpx.Client) -> None:
    """Subrequests past the daily allowance get 403 REQUEST_LIMIT_EXCEEDED."""
    fresh_sandbox.state.limits.set(used=0, daily_max=2)
    requests = [{"method": "GET", "url": "v66.0/limits"}] * 3
    body = fresh_http.post("/composite/batch", json={"batchRequests": requests}).json()
    assert [result["statusCode"] for result in body["results"]] == [200, 200, 403]
    assert body["results"][2]["result"][0]["message"] == "TotalRequests Limit exceeded."
