"""Rendering the segment report: one self-contained HTML file.

Plotly's JavaScript, the styles and every figure are inline, so the page opens
offline and fetches nothing. The template is rendered with autoescaping on; figure
data goes through `tojson`, which escapes `<`, `>` and `&` for a script element.
"""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2
from plotly.offline import get_plotlyjs  # type: ignore[import-untyped]

from sfseg.report.charts import build_charts
from sfseg.segments.analyze import Analysis

__all__ = ["render_report", "write_report"]

_TEMPLATES = Path(__file__).with_name("templates")


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@functools.cache
def _plotly_js() -> str:
    # Plotly's bundle contains no "</script>"; checked so that a future bundle cannot
    # end the inline script early.
    script: str = get_plotlyjs()
    if "</script" in script.lower():
        msg = "the bundled plotly.js contains '</script'; it cannot be inlined"
        raise RuntimeError(msg)
    return script


def render_report(analysis: Analysis) -> str:
    """Return the report of `analysis` as one HTML document."""
    template = _environment().get_template("report.html.j2")
    return template.render(analysis=analysis, charts=build_charts(analysis), plotly_js=_plotly_js())


def write_report(analysis: Analysis, path: Path) -> None:
    """Write the report to `path` (UTF-8)."""
    path.write_text(render_report(analysis), encoding="utf-8")
