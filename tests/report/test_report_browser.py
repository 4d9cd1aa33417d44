"""The served report in Debian's Chromium: every chart renders with the analysis's numbers.

Skipped when /usr/bin/chromium is missing (scripts/system-deps.sh installs it). The
browser may fetch nothing but the report itself; a screenshot is saved under
`artifacts/`.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.service.conftest import Api

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
CRITERIA = "MailingCountry = 'United States' AND MailingState IN ('California', 'Texas')"
MEMBERS = 40

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists() or shutil.which("chromium") is None,
        reason="Debian's chromium is not installed at /usr/bin/chromium; run scripts/system-deps.sh",
    ),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _segment_with_members(api: Api, sandbox_client) -> str:
    created = api.write.post(
        "/v1/segments", json={"name": "Browser: CA and TX", "criteria": CRITERIA}
    )
    assert created.status_code == 201, created.text
    segment_id = str(created.json()["segment"]["id"])
    rows = sandbox_client.query(
        f"SELECT Id FROM Contact WHERE {CRITERIA} ORDER BY Id LIMIT {MEMBERS}"
    )
    contacts = [str(row["Id"]) for row in rows]
    assigned = api.write.post(
        f"/v1/segments/{segment_id}/assign?wait=true", json={"customer_ids": contacts}
    )
    assert assigned.status_code == 200, assigned.text
    responded = api.write.post(
        f"/v1/segments/{segment_id}/assign?wait=true",
        json={"customer_ids": contacts[:5], "mode": "status", "status": "Responded"},
    )
    assert responded.status_code == 200, responded.text
    return segment_id


def _chart_data(page, chart_id: str) -> list[dict]:
    return page.evaluate(
        """id => document.getElementById(id).data.map(t => ({name: t.name || null, x: Array.from(t.x), y: Array.from(t.y)}))""",
        chart_id,
    )


def test_served_report_renders_every_chart(api: Api, sandbox_client, browser) -> None:
    """Every chart renders in Chromium with the numbers of the segment's analysis, offline."""
    segment_id = _segment_with_members(api, sandbox_client)
    analysis = api.read.get(f"/v1/segments/{segment_id}/analysis").json()
    origin = urlsplit(api.url).netloc
    foreign: list[str] = []

    context = browser.new_context(
        extra_http_headers={"Authorization": f"Bearer {api.read_key}"},
        viewport={"width": 1200, "height": 900},
    )
    page = context.new_page()
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if urlsplit(route.request.url).netloc == origin
            else (foreign.append(route.request.url), route.abort())
        ),
    )
    page.goto(f"{api.url}/v1/segments/{segment_id}/report", wait_until="load")
    page.wait_for_function("document.body.dataset.chartsRendered !== undefined")

    chart_ids = page.eval_on_selector_all(
        "script.figure-data", "nodes => nodes.map(n => n.dataset.target)"
    )
    assert page.evaluate("document.body.dataset.chartsRendered") == str(len(chart_ids))
    for chart_id in chart_ids:
        assert page.locator(f"#{chart_id} .main-svg").count() >= 1, chart_id

    size = analysis["size"]
    funnel = _chart_data(page, "chart-size")[0]
    assert funnel["y"] == ["Members", *size["by_status"]]
    assert funnel["x"] == [size["members"], *size["by_status"].values()]
    assert size["members"] == MEMBERS
    assert size["by_status"] == {"Added": MEMBERS - 5, "Responded": 5}

    demographics = [d for d in analysis["demographics"].values() if d["values"]]
    for index, demographic in enumerate(demographics):
        bars = _chart_data(page, f"chart-demographic-{index}")
        top = sorted(demographic["values"], key=lambda v: (-v["count"], -v["population_count"]))[:8]
        assert bars[0]["y"] == [v["share"] or 0 for v in top], demographic["name"]
        assert bars[1]["y"] == [v["population_share"] or 0 for v in top], demographic["name"]

    activity = _chart_data(page, "chart-activity")[0]
    behaviour = analysis["behaviour"]
    assert activity["y"] == [
        behaviour["cases"]["count"], behaviour["cases"]["open"],
        behaviour["activities"]["tasks_last_90_days"], behaviour["activities"]["events_last_90_days"],
    ]  # fmt: skip
    members_text = page.locator('[data-figure="members"]').inner_text()
    assert members_text == f"{MEMBERS:,}"

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "segment-report.png"), full_page=True)
    context.close()
    assert foreign == []
