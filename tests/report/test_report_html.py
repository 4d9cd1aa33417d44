"""The HTML report: self-contained, escaped, every chart with its numbers in a table."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from typer.testing import CliRunner

from sfseg.report import render_report, write_report
from sfseg.report.charts import build_charts
from tests.report.sample import sample_analysis


class _Page(HTMLParser):
    """Collects element attributes, table cells and the figure scripts of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.attrs: list[tuple[str, str, str]] = []
        self.figures: dict[str, dict] = {}
        self.cells: dict[str, list[list[str]]] = {}
        self._figure_target: str | None = None
        self._table: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        self.attrs += [(tag, name, value) for name, value in found.items()]
        if tag == "script" and found.get("class") == "figure-data":
            self._figure_target = found["data-target"]
        if tag == "table":
            self._table = found.get("id")
            self.cells[self._table or ""] = []
        if tag == "tr" and self._table:
            self.cells[self._table].append([])
        if tag in ("td", "th") and self._table:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._table and self._cell is not None:
            self.cells[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        if tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._figure_target is not None:
            self.figures[self._figure_target] = json.loads(data)
            self._figure_target = None
        elif self._cell is not None:
            self._cell.append(data)


def _page(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def test_nothing_loads_from_the_network() -> None:
    """No element has an http(s) or protocol-relative src or href: the page opens offline."""
    page = _page(render_report(sample_analysis()))

    external = [
        (tag, name, value) for tag, name, value in page.attrs
        if name in ("src", "href", "action", "srcset", "data") and re.match(r"\s*(https?:)?//", value)
    ]  # fmt: skip
    assert external == []
    assert not any(tag in ("link", "iframe", "img") for tag, _name, _value in page.attrs)


def test_plotly_is_inline() -> None:
    """Plotly's JavaScript is inside the page, not referenced."""
    html = render_report(sample_analysis())

    assert len(html) > 1_000_000
    assert "Plotly.newPlot" in html
    assert not re.search(r"<script[^>]*\bsrc=", html)


def test_every_chart_has_a_table() -> None:
    """Each figure in the page has a table with the same numbers beside it."""
    page = _page(render_report(sample_analysis()))

    assert set(page.figures) == {
        "chart-size", "chart-demographic-0", "chart-opportunities", "chart-activity",
        "chart-overlap", "chart-report",
    }  # fmt: skip
    for chart_id in page.figures:
        assert page.cells[f"{chart_id}-table"], chart_id


def test_demographic_numbers_match() -> None:
    """The demographic bars carry both shares, and the table the counts, shares and lift."""
    page = _page(render_report(sample_analysis()))

    bars = page.figures["chart-demographic-0"]["data"]
    assert [bar["name"] for bar in bars] == ["Segment share", "Population share"]
    assert bars[0]["x"] == ["Germany", "France", "(none)"]
    assert bars[0]["y"] == [0.6667, 0.25, 0.0833]
    assert bars[1]["y"] == [0.2, 0.5, 0.3]
    assert page.cells["chart-demographic-0-table"][1] == [
        "Germany",
        "80",
        "66.7%",
        "200",
        "20.0%",
        "3.33",
    ]


def test_funnel_and_behaviour_numbers_match() -> None:
    """The funnel shows members then each status; behaviour tables show amounts and dates."""
    page = _page(render_report(sample_analysis()))

    funnel = page.figures["chart-size"]["data"][0]
    assert (funnel["y"], funnel["x"]) == (["Members", "Added", "Responded"], [120, 102, 18])
    opportunities = page.cells["chart-opportunities-table"][1]
    assert opportunities == ["contact roles", "12", "5", "4", "3", "250,000.50", "57.1%", ""]
    assert ["Last activity", "2026-02-27"] in page.cells["chart-activity-table"]
    assert page.cells["chart-report-table"][1:] == [["Germany", "80"], ["France", "30"]]


def test_behaviour_summaries_state_won_amount() -> None:
    """The behaviour sections state the won amount and recent activity in words."""
    charts = {chart.id: chart for chart in build_charts(sample_analysis())}

    assert (
        charts["chart-opportunities"].summary == "12 through contact roles, 4 won for 250,000.50."
    )
    assert charts["chart-activity"].summary == (
        "7 cases (2 open); 40 tasks and 9 events in the last 90 days; last activity 2026-02-27."
    )


def test_computed_time_and_cost_shown() -> None:
    """The footer says when the analysis was computed and how many API calls it cost."""
    html = render_report(sample_analysis())

    assert "Computed 2026-03-01 09:30:00 UTC with" in html
    assert '<span data-figure="api-calls">6</span> Salesforce API calls' in html


def test_names_are_escaped() -> None:
    """A segment name with markup is shown as text, in the page and in figure data."""
    html = render_report(sample_analysis(name="<script>alert(1)</script>"))

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_failed_report_run_is_explained() -> None:
    """A failed Reports API run shows its error instead of a chart."""
    analysis = sample_analysis(report={"report_id": None, "error": "INSUFFICIENT_ACCESS"})

    charts = {chart.id: chart for chart in build_charts(analysis)}

    assert charts["chart-report"].figure is None
    assert "INSUFFICIENT_ACCESS" in charts["chart-report"].summary


def test_no_overlap_says_so() -> None:
    """Without other segments the overlap section says there is no overlap."""
    charts = {chart.id: chart for chart in build_charts(sample_analysis(overlap=[]))}

    assert charts["chart-overlap"].figure is None
    assert charts["chart-overlap"].summary == "No members shared with other segments."


def test_write_report_writes_utf8(tmp_path: Path) -> None:
    """`write_report` writes the same document `render_report` returns."""
    target = tmp_path / "report.html"

    write_report(sample_analysis(name="Zürich"), target)

    assert target.read_text(encoding="utf-8") == render_report(sample_analysis(name="Zürich"))


def test_analyze_html_option(monkeypatch, tmp_path: Path) -> None:
    """`sfseg analyze SEGMENT --html FILE` writes the report of the analysis."""
    import sfseg.segments.analyze as analyze_module
    from sfseg.cli import segments as segments_cli
    from sfseg.cli.main import app

    monkeypatch.setattr(analyze_module, "analyze_segment", lambda *_a, **_k: sample_analysis())
    monkeypatch.setattr(segments_cli, "open_client", lambda _profile: _NullClient())
    monkeypatch.setenv("SFSEG_DATABASE_URL", f"sqlite:///{tmp_path / 'store.db'}")
    target = tmp_path / "out.html"

    result = CliRunner().invoke(
        app, ["analyze", "seg_0123456789ab", "--html", str(target), "--json"]
    )

    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == render_report(sample_analysis())


class _NullClient:
    def __enter__(self) -> _NullClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        return None


def test_no_opportunities_said_in_words() -> None:
    """Without opportunities the section says so instead of listing zeros."""
    empty = {"contact": {"count": 0}, "account": {"count": 0}}
    behaviour = {**sample_analysis().behaviour.model_dump(), "opportunities": empty}

    charts = {chart.id: chart for chart in build_charts(sample_analysis(behaviour=behaviour))}

    assert charts["chart-opportunities"].summary == "No opportunities are linked to the members."
    assert charts["chart-opportunities"].figure["layout"]["yaxis"]["rangemode"] == "tozero"
