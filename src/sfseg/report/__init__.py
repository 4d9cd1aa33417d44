"""The HTML segment report: charts and tables of an analysis, in one self-contained file.

from sfseg.report import render_report, write_report
html = render_report(analysis)
"""

from __future__ import annotations

from sfseg.report.html import render_report, write_report

__all__ = ["render_report", "write_report"]
