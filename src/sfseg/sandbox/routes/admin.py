"""The admin API under `/__sandbox/`: faults, latency, statistics, limits and clock.

Only loopback clients reach it (the gateway returns 404 to others), and its calls are
not API calls, so they never count against the daily allowance.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from sfseg.sandbox.faults import FaultRuleError
from sfseg.sandbox.routes.deps import sandbox_state

__all__ = ["router"]

router = APIRouter(prefix="/__sandbox")


def _bad_request(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=400)


async def _json(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"null")
    except json.JSONDecodeError as exc:
        msg = f"the body is not valid JSON: {exc}"
        raise _AdminInputError(msg) from None


class _AdminInputError(ValueError):
    pass


def _whole_number(document: Any, key: str) -> int | None:
    if not isinstance(document, dict):
        msg = f'the body must be a JSON object such as {{"{key}": 100}}'
        raise _AdminInputError(msg)
    value = document.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        msg = f"{key} {value!r} must be a whole number of 0 or more"
        raise _AdminInputError(msg)
    return value


@router.get("/faults")
def get_faults(request: Request) -> dict[str, Any]:
    return sandbox_state(request).faults.describe()


@router.put("/faults")
async def put_faults(request: Request) -> Response:
    state = sandbox_state(request)
    try:
        state.faults.configure(await _json(request))
    except (FaultRuleError, _AdminInputError) as exc:
        return _bad_request(str(exc))
    return JSONResponse(state.faults.describe())


@router.delete("/faults")
def delete_faults(request: Request) -> Response:
    sandbox_state(request).faults.clear()
    return Response(status_code=204)


@router.get("/latency")
def get_latency(request: Request) -> dict[str, int]:
    return {"ms": sandbox_state(request).latency_ms}


@router.put("/latency")
async def put_latency(request: Request) -> Response:
    state = sandbox_state(request)
    try:
        millis = _whole_number(await _json(request), "ms")
    except _AdminInputError as exc:
        return _bad_request(str(exc))
    state.latency_ms = millis or 0
    return JSONResponse({"ms": state.latency_ms})


@router.get("/stats")
def get_stats(request: Request) -> dict[str, Any]:
    state = sandbox_state(request)
    body = state.stats.snapshot(state.org.records_written)
    body["api_usage"] = {"used": state.limits.used, "max": state.limits.daily_max}
    return body


@router.delete("/stats")
def delete_stats(request: Request) -> Response:
    state = sandbox_state(request)
    state.stats.reset()
    state.org.records_written.clear()
    return Response(status_code=204)


@router.get("/limits")
def get_limits(request: Request) -> dict[str, int]:
    limits = sandbox_state(request).limits
    return {"used": limits.used, "max": limits.daily_max, "in_flight": limits.in_flight}


@router.put("/limits")
async def put_limits(request: Request) -> Response:
    """Set the calls used today (`used`) and the daily allowance (`max`)."""
    limits = sandbox_state(request).limits
    try:
        document = await _json(request)
        used = _whole_number(document, "used")
        maximum = _whole_number(document, "max")
    except _AdminInputError as exc:
        return _bad_request(str(exc))
    limits.set(used=used, daily_max=maximum)
    return JSONResponse({"used": limits.used, "max": limits.daily_max})


@router.get("/clock")
def get_clock(request: Request) -> dict[str, Any]:
    clock = sandbox_state(request).clock
    fixed = clock.fixed
    return {"now": clock.now().isoformat(), "fixed": fixed is not None}


@router.put("/clock")
async def put_clock(request: Request) -> Response:
    """Fix the sandbox time at `{"now": "2026-01-31T12:00:00Z"}`."""
    state = sandbox_state(request)
    try:
        document = await _json(request)
        if not isinstance(document, dict) or not isinstance(document.get("now"), str):
            msg = 'the body must be {"now": "<ISO-8601 time with offset>"}'
            raise _AdminInputError(msg)
        moment = datetime.fromisoformat(document["now"].replace("Z", "+00:00"))
        state.clock.set(moment)
    except ValueError as exc:
        return _bad_request(str(exc))
    return JSONResponse({"now": state.clock.now().isoformat(), "fixed": True})


@router.delete("/clock")
def delete_clock(request: Request) -> Response:
    sandbox_state(request).clock.set(None)
    return Response(status_code=204)
