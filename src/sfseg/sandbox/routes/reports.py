"""Reports and Dashboards REST API endpoints under `/services/data/vXX.X/analytics`."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()
