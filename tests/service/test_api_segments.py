"""Segments through the running service: create, list, show, delete, preview, analysis, report."""

from __future__ import annotations

import re
import secrets
from html.parser import HTMLParser

import pytest

from tests.service.conftest import Api, problem_of

US = "MailingCountry = 'United States'"


def _name(prefix: str) -> str:
    return f"{prefix} {secrets.token_hex(3)}"


def _create(api: Api, name: str, criteria: object = US, **extra: object) -> dict:
    response = api.write.post("/v1/segments", json={"name": name, "criteria": criteria, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def test_create_returns_segment_and_counts(api: Api) -> None:
    """A created segment has its Campaign, canonical SOQL and match count."""
    body = _create(api, _name("US contacts"), target="contact")

    assert body["campaign_created"] is True
    assert re.fullmatch(r"701\w{15}", body["campaign_id"])
    assert body["segment"]["soql"] == {"Contact": f"SELECT Id FROM Contact WHERE {US}"}
    assert body["counts"]["Contact"] > 0
    assert body["total"] == body["counts"]["Contact"]
    assert [s["label"] for s in body["statuses"]] == ["Added", "Responded"]


def test_dry_run_writes_nothing(api: Api) -> None:
    """A dry run answers 200 with the counts and stores no segment."""
    name = _name("dry")
    response = api.write.post("/v1/segments", json={"name": name, "criteria": US, "dry_run": True})

    assert response.status_code == 200
    assert response.json()["segment"] is None
    assert name not in [
        s["name"] for s in api.read.get("/v1/segments", params={"limit": 500}).json()["items"]
    ]


def test_rule_document_criteria(api: Api) -> None:
    """Criteria may be a rule document given as a JSON object."""
    rules = {
        "target": "lead",
        "match": {"all": [{"field": "LeadSource", "op": "eq", "value": "Web"}]},
    }
    body = _create(api, _name("web leads"), rules)

    assert body["segment"]["criteria_kind"] == "rules"
    assert body["segment"]["target"] == "lead"
    assert body["soql"] == {"Lead": "SELECT Id FROM Lead WHERE LeadSource = 'Web'"}


def test_list_pages_with_cursor(api: Api) -> None:
    """Listing in pages of two visits every segment once, in creation order."""
    names = [_create(api, _name(f"page {n}"))["segment"]["name"] for n in range(3)]
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.read.get("/v1/segments", params=params).json()
        assert len(page["items"]) <= 2
        seen += [item["name"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert len(seen) == len(set(seen))
    assert [name for name in seen if name in names] == names


def test_show_by_id_and_name(api: Api) -> None:
    """A segment is found by its id and by its name."""
    created = _create(api, _name("show"))["segment"]

    by_id = api.read.get(f"/v1/segments/{created['id']}").json()
    by_name = api.read.get(f"/v1/segments/{created['name']}").json()

    assert by_id == by_name == created


def test_delete_removes_segment_and_campaign(api: Api, sandbox_client) -> None:
    """Delete removes the Campaign in Salesforce and the stored segment."""
    created = _create(api, _name("delete"))

    response = api.write.delete(f"/v1/segments/{created['segment']['id']}")

    assert response.status_code == 200
    assert response.json()["campaign_deleted"] is True
    assert api.read.get(f"/v1/segments/{created['segment']['id']}").status_code == 404
    assert (
        sandbox_client.count(f"SELECT COUNT() FROM Campaign WHERE Id = '{created['campaign_id']}'")
        == 0
    )


def test_delete_keep_campaign(api: Api, sandbox_client) -> None:
    """`keep_campaign=true` forgets the segment and leaves the Campaign."""
    created = _create(api, _name("keep"))

    body = api.write.delete(
        f"/v1/segments/{created['segment']['id']}", params={"keep_campaign": "true"}
    ).json()

    assert body["campaign_deleted"] is False
    assert (
        sandbox_client.count(f"SELECT COUNT() FROM Campaign WHERE Id = '{created['campaign_id']}'")
        == 1
    )


def test_preview_counts_per_object(api: Api, sandbox_client) -> None:
    """Preview counts the matches of each target object, as SELECT COUNT() does."""
    response = api.read.post("/v1/preview", json={"criteria": US, "target": "both"})

    body = response.json()
    assert response.status_code == 200
    assert body["counts"] == {
        "Contact": sandbox_client.count(f"SELECT COUNT() FROM Contact WHERE {US}"),
        "Lead": sandbox_client.count("SELECT COUNT() FROM Lead WHERE Country = 'United States'"),
    }
    assert body["total"] == sum(body["counts"].values())


def test_invalid_criteria_lists_problems(api: Api) -> None:
    """Bad criteria get 422 `invalid-criteria` naming the field and a suggestion."""
    response = api.write.post(
        "/v1/segments", json={"name": _name("bad"), "criteria": "MailingCountyr = 'x'"}
    )

    problem = problem_of(response)
    assert response.status_code == 422
    assert problem["type"].endswith("/invalid-criteria")
    assert "MailingCountyr" in problem["detail"]
    assert problem["problems"][0]["suggestion"] == "MailingCountry"


def test_duplicate_name_conflicts(api: Api) -> None:
    """A second segment with a taken name gets 409 naming it."""
    name = _name("twice")
    _create(api, name)

    response = api.write.post("/v1/segments", json={"name": name, "criteria": US})

    assert response.status_code == 409
    assert name in problem_of(response)["detail"]


def test_analysis_json_matches_members(api: Api, sandbox_client) -> None:
    """The analysis counts the members an assignment made."""
    created = _create(api, _name("analysis"), target="contact")
    segment_id = created["segment"]["id"]
    rows = sandbox_client.query(f"SELECT Id FROM Contact WHERE {US} ORDER BY Id LIMIT 3")
    contacts = [str(row["Id"]) for row in rows]
    job = api.write.post(
        f"/v1/segments/{segment_id}/assign",
        params={"wait": "true"},
        json={"customer_ids": contacts},
    )
    assert job.status_code == 200, job.text

    analysis = api.read.get(
        f"/v1/segments/{segment_id}/analysis", params={"include_report": "false"}
    ).json()

    assert analysis["segment_id"] == segment_id
    assert analysis["size"]["members"] == 3
    assert analysis["size"]["by_status"] == {"Added": 3}
    assert analysis["report"] is None


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.urls += [
            value or "" for name, value in attrs if name in ("src", "href", "action", "srcset")
        ]


def test_report_is_self_contained(api: Api) -> None:
    """The served report is HTML whose elements load nothing from the network."""
    created = _create(api, _name("report"))

    response = api.read.get(f"/v1/segments/{created['segment']['id']}/report")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    links = _Links()
    links.feed(response.text)
    assert [url for url in links.urls if re.match(r"\s*(https?:)?//", url)] == []
    assert "link" not in links.tags
    assert not re.search(
        r"<(script|img|iframe|link)[^>]+(src|href)\s*=\s*[\"']?\s*(https?:)?//", response.text, re.I
    )
    assert "Plotly.newPlot" in response.text


@pytest.mark.parametrize(
    "path", ["/v1/segments/seg_000000000000", "/v1/segments/seg_000000000000/analysis"]
)
def test_unknown_segment_is_404(api: Api, path: str) -> None:
    """An unknown segment reference gets 404 `segment-not-found` naming it."""
    response = api.read.get(path)

    assert response.status_code == 404
    problem = problem_of(response)
    assert problem["type"].endswith("/segment-not-found")
    assert "seg_000000000000" in problem["detail"]
