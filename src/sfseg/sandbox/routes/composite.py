"""Composite resources (filled in below)."""

from __future__ import annotations

from sfseg.sandbox.routes.deps import Endpoint

ENDPOINTS: list[Endpoint] = []
