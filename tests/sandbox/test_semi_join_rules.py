"""Semi-join rules over HTTP: a subquery on the outer query's own object is MALFORMED_QUERY."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

SAME_OBJECT = "The inner and outer selects should not be on the same object type"


def _query_error(http: httpx.Client, soql: str) -> dict[str, Any]:
    response = http.get("/query", params={"q": soql})
    assert response.status_code == 400, response.text
    errors = response.json()
    assert len(errors) == 1
    error: dict[str, Any] = errors[0]
    return error


def _create(http: httpx.Client, sobject: str, fields: dict[str, str]) -> str:
    response = http.post(f"/sobjects/{sobject}", json=fields)
    assert response.status_code == 201, response.text
    record_id: str = response.json()["id"]
    return record_id


def _ids(http: httpx.Client, soql: str) -> set[str]:
    response = http.get("/query", params={"q": soql})
    assert response.status_code == 200, response.text
    return {record["Id"] for record in response.json()["records"]}


def test_same_object_semi_join_rejected(sandbox_http: httpx.Client) -> None:
    """IN (SELECT ... FROM Contact) inside FROM Contact is MALFORMED_QUERY at the semi-join."""
    error = _query_error(
        sandbox_http, "SELECT Id FROM Contact WHERE Id IN (SELECT Id FROM Contact)"
    )
    assert error == {
        "errorCode": "MALFORMED_QUERY",
        "message": (
            "\nSELECT Id FROM Contact WHERE Id IN (SELECT Id FROM Contact)\n"
            "                             ^\n"
            f"ERROR at Row:1:Column:30\n{SAME_OBJECT}"
        ),
        "fields": [],
    }


def test_campaign_member_self_semi_join_rejected(sandbox_http: httpx.Client) -> None:
    """A CampaignMember query filtered by a CampaignMember subquery is rejected."""
    soql = (
        "SELECT Id FROM CampaignMember WHERE ContactId IN "
        "(SELECT ContactId FROM CampaignMember WHERE CampaignId = '701000000000001AAA')"
    )
    error = _query_error(sandbox_http, soql)
    assert error["errorCode"] == "MALFORMED_QUERY"
    assert error["message"].startswith("\nSELECT Id FROM CampaignMember WHERE ContactId IN ")
    assert error["message"].endswith(f"\nERROR at Row:1:Column:37\n{SAME_OBJECT}")


def test_same_object_anti_join_rejected(sandbox_http: httpx.Client) -> None:
    """NOT IN (SELECT ... FROM Account) inside FROM Account is rejected the same way."""
    soql = "SELECT Id FROM Account WHERE ParentId NOT IN (SELECT Id FROM Account WHERE Name = 'x')"
    error = _query_error(sandbox_http, soql)
    assert error["errorCode"] == "MALFORMED_QUERY"
    assert error["message"].endswith(f"\nERROR at Row:1:Column:30\n{SAME_OBJECT}")


def test_same_object_ignores_name_case(sandbox_http: httpx.Client) -> None:
    """Object names match without case, so `FROM contact` inside `FROM Contact` is rejected."""
    error = _query_error(
        sandbox_http, "SELECT Id FROM Contact WHERE Id IN (SELECT id FROM contact)"
    )
    assert error["errorCode"] == "MALFORMED_QUERY"
    assert error["message"].endswith(SAME_OBJECT)


def test_same_object_second_semi_join_located(sandbox_http: httpx.Client) -> None:
    """With a valid semi-join first, the caret marks the second one, on its own row."""
    soql = (
        "SELECT Id FROM Contact\n"
        "WHERE AccountId IN (SELECT Id FROM Account)\n"
        "  AND Id NOT IN (SELECT Id FROM Contact)"
    )
    error = _query_error(sandbox_http, soql)
    assert error["errorCode"] == "MALFORMED_QUERY"
    assert error["message"] == (
        "\n  AND Id NOT IN (SELECT Id FROM Contact)\n"
        "      ^\n"
        f"ERROR at Row:3:Column:7\n{SAME_OBJECT}"
    )


@pytest.mark.parametrize("operator", ["IN", "NOT IN"])
def test_same_object_rejected_in_bulk_query_job(sandbox_http: httpx.Client, operator: str) -> None:
    """A Bulk API 2.0 query job with a same-object subquery is rejected when it is created."""
    soql = f"SELECT Id FROM Lead WHERE Id {operator} (SELECT Id FROM Lead)"
    response = sandbox_http.post("/jobs/query", json={"operation": "query", "query": soql})
    assert response.status_code == 400, response.text
    error = response.json()[0]
    assert error["errorCode"] == "MALFORMED_QUERY"
    assert error["message"].endswith(SAME_OBJECT)


def test_other_object_subqueries_run(fresh_http: httpx.Client) -> None:
    """Semi- and anti-joins on another object still filter: members in, non-members out."""
    member = _create(fresh_http, "Contact", {"LastName": "Member"})
    outsider = _create(fresh_http, "Contact", {"LastName": "Outsider"})
    campaign = _create(fresh_http, "Campaign", {"Name": "Spring"})
    _create(fresh_http, "CampaignMember", {"CampaignId": campaign, "ContactId": member})
    inner = f"SELECT ContactId FROM CampaignMember WHERE CampaignId = '{campaign}'"
    assert _ids(fresh_http, f"SELECT Id FROM Contact WHERE Id IN ({inner})") == {member}
    assert _ids(fresh_http, f"SELECT Id FROM Contact WHERE Id NOT IN ({inner})") == {outsider}
