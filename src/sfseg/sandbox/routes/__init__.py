"""HTTP routes of the sandbox org.

Operations under `/services/data/vXX.X` are listed as `Endpoint`s, so the same
function serves an HTTP request and a Composite subrequest.
"""

from __future__ import annotations

from sfseg.sandbox.routes.deps import Endpoint

__all__ = ["all_endpoints"]


def all_endpoints() -> list[Endpoint]:
    """Return every operation below `/services/data/vXX.X`, in matching order."""
    from sfseg.sandbox.routes import composite, query, sobjects, versions

    return [*versions.ENDPOINTS, *sobjects.ENDPOINTS, *query.ENDPOINTS, *composite.ENDPOINTS]
