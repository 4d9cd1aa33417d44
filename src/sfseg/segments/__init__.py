"""The segmentation capability: criteria, create, assign, analyze, store and error log.

    import sfseg.segments as seg
    result = seg.create_segment(client, store, "EU banking", "MailingCountry = 'Germany'",
                                target="contact")
    analysis = seg.analyze_segment(client, store, result.segment.id)

Names are imported on first use, so importing the package stays cheap and each area's
module loads only when it is needed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sfseg.segments.analyze import Analysis, analyze_segment
    from sfseg.segments.create import SegmentResult, create_segment
    from sfseg.segments.criteria import CriteriaError, Preview, compile_criteria, preview
    from sfseg.segments.errorlog import list_errors, record_error
    from sfseg.segments.store import Store

__all__ = [
    "Analysis",
    "CriteriaError",
    "Preview",
    "SegmentResult",
    "Store",
    "analyze_segment",
    "assign_customers",
    "compile_criteria",
    "create_segment",
    "list_errors",
    "preview",
    "record_error",
    "refresh_segment",
    "resume_job",
]

_HOMES = {
    "Analysis": "sfseg.segments.analyze",
    "analyze_segment": "sfseg.segments.analyze",
    "SegmentResult": "sfseg.segments.create",
    "create_segment": "sfseg.segments.create",
    "CriteriaError": "sfseg.segments.criteria",
    "Preview": "sfseg.segments.criteria",
    "compile_criteria": "sfseg.segments.criteria",
    "preview": "sfseg.segments.criteria",
    "list_errors": "sfseg.segments.errorlog",
    "record_error": "sfseg.segments.errorlog",
    "Store": "sfseg.segments.store",
    "assign_customers": "sfseg.segments.assign",
    "resume_job": "sfseg.segments.assign",
    "refresh_segment": "sfseg.segments.assign",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        msg = f"module 'sfseg.segments' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
