"""API versions, the resource map of a version, and the limits resource."""

from __future__ import annotations

from fastapi import APIRouter

from sfseg.sandbox.bulk.service import bulk_service
from sfseg.sandbox.config import SUPPORTED_VERSIONS
from sfseg.sandbox.limits import limits_body
from sfseg.sandbox.reports.store import report_store
from sfseg.sandbox.routes.deps import ApiResponse, Endpoint, RestRequest
from sfseg.sandbox.state import SandboxState

__all__ = ["ENDPOINTS", "SUPPORTED_VERSIONS", "is_supported_version", "router"]


def is_supported_version(version: str) -> bool:
    return version in SUPPORTED_VERSIONS


router = APIRouter()


@router.get("/services/data")
@router.get("/services/data/")
def list_versions() -> list[dict[str, str]]:
    """Every API version the sandbox serves, oldest first (no token needed, not counted)."""
    return [
        {"label": label, "url": f"/services/data/v{version}", "version": version}
        for version, label in SUPPORTED_VERSIONS.items()
    ]


def resource_map(state: SandboxState, request: RestRequest) -> ApiResponse:
    prefix = request.version_prefix
    resources = ("analytics", "composite", "limits", "query", "queryAll", "sobjects")
    body = {name: f"{prefix}/{name}" for name in resources}
    body["identity"] = state.identity_url(state.default_user.user_id)
    return ApiResponse(200, dict(sorted(body.items())))


def limits(state: SandboxState, request: RestRequest) -> ApiResponse:
    body = limits_body(state.limits)
    # The Bulk API and the Reports API draw down their own allowances.
    body.update(bulk_service(state).limits())
    body.update(report_store(state).limits(state.clock.now()))
    return ApiResponse(200, body)


ENDPOINTS = [
    Endpoint(("GET",), "/", resource_map),
    Endpoint(("GET",), "/limits", limits),
]
