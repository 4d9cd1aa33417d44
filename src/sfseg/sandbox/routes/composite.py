"""Composite resources: `/composite` (dependent subrequests, one API call) and
`/composite/batch` (independent subrequests, one API call each), plus the
collections endpoints under `/composite/sobjects`.

Subrequests run the same operations as HTTP requests, in this thread, so an
allOrNone composite can wrap all of them in one org transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.datastructures import Headers, QueryParams

from sfseg.sandbox.config import SUPPORTED_VERSIONS
from sfseg.sandbox.limits import DAILY_LIMIT_MESSAGE, REQUEST_LIMIT_EXCEEDED
from sfseg.sandbox.routes import collections
from sfseg.sandbox.routes.deps import (
    ApiError,
    ApiResponse,
    Dispatcher,
    Endpoint,
    RestRequest,
    error_body,
    not_found,
    run_operation,
)
from sfseg.sandbox.state import SandboxState

__all__ = ["ENDPOINTS", "MAX_HEAVY_SUBREQUESTS", "MAX_SUBREQUESTS"]

# Salesforce's Composite limits: 25 subrequests, of which at most 5 are sObject
# Collections or queries; Composite batch also takes 25.
MAX_SUBREQUESTS = 25
MAX_HEAVY_SUBREQUESTS = 5
_REFERENCE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]*$")
_REFERENCE = re.compile(r"@\{([^}.\[]+)((?:\.[^}.\[]+|\[\d+\])*)\}")
_PATH_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]")
_SUBREQUEST_URL = re.compile(r"^/services/data/v(?P<version>\d+\.\d)(?P<rest>/[^?]*)?(?:\?(?P<query>.*))?$")
_FORBIDDEN_HEADERS = frozenset({"accept", "authorization", "content-type"})
_ROLLED_BACK_MESSAGE = (
    "The transaction was rolled back since another operation in the same transaction failed."
)
_HALTED_MESSAGE = "Batch processing halted per request"


def _dispatcher() -> Dispatcher:
    from sfseg.sandbox.routes import query, sobjects, versions

    # Composite and batch do not nest, so only the plain resources are reachable.
    return Dispatcher([*versions.ENDPOINTS, *sobjects.ENDPOINTS, *query.ENDPOINTS, *collections.ENDPOINTS])


_DISPATCHER: Dispatcher | None = None


def dispatcher() -> Dispatcher:
    global _DISPATCHER
    if _DISPATCHER is None:
        _DISPATCHER = _dispatcher()
    return _DISPATCHER


def _invalid(message: str) -> ApiError:
    # NOTE: Salesforce's exact errorCode and text for a malformed composite envelope
    # are not documented; INVALID_INPUT with a message naming the problem is used instead.
    return ApiError(400, "INVALID_INPUT", message)


# One subrequest --------------------------------------------------------------------


@dataclass(slots=True)
class _Call:
    method: str
    version: str
    path: str
    query: str
    body: Any
    has_body: bool
    headers: dict[str, str]


def _parse_url(url: str, method: str, body: Any, has_body: bool, headers: dict[str, str]) -> _Call:
    found = _SUBREQUEST_URL.match(url)
    if found is None:
        msg = f"url {url!r} must start with /services/data/vXX.X/"
        raise _invalid(msg)
    return _Call(
        method=method.upper(),
        version=found.group("version"),
        path=found.group("rest") or "/",
        query=found.group("query") or "",
        body=body,
        has_body=has_body,
        headers=headers,
    )


def _execute(state: SandboxState, call: _Call, *, in_composite: bool) -> ApiResponse:
    if call.version not in SUPPORTED_VERSIONS:
        return not_found().response()
    path = call.path.rstrip("/") or "/"
    try:
        match = dispatcher().match(call.method, path)
    except ApiError as exc:
        return exc.response()
    if match is None:
        return not_found().response()
    endpoint, params = match
    request = RestRequest(
        method=call.method,
        path=path,
        version=call.version,
        path_params=params,
        query=QueryParams(call.query),
        headers=Headers(headers=call.headers),
        json_body=call.body,
        has_json_body=call.has_body,
        in_composite=in_composite,
    )
    return run_operation(state, endpoint.operation, request)


def _is_heavy(call: _Call) -> bool:
    try:
        match = dispatcher().match(call.method, call.path.rstrip("/") or "/")
    except ApiError:
        return False
    return match is not None and match[0].heavy


# References --------------------------------------------------------------------------


class _MissingReferenceError(Exception):
    def __init__(self, reference: str, path: str) -> None:
        super().__init__(reference)
        self.reference = reference
        self.path = path


def _lookup(results: dict[str, ApiResponse], reference: str, path: str) -> Any:
    answer = results.get(reference)
    if answer is None or answer.status >= 400:
        raise _MissingReferenceError(reference, path)
    value: Any = answer.body
    for name, index in _PATH_STEP.findall(path):
        if name and isinstance(value, dict) and name in value:
            value = value[name]
        elif index and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        else:
            raise _MissingReferenceError(reference, path)
    if value is None:
        raise _MissingReferenceError(reference, path)
    return value


def _substitute(text: str, results: dict[str, ApiResponse], encode: Callable[[str], str]) -> Any:
    whole = _REFERENCE.fullmatch(text)
    if whole is not None and encode is _keep:
        return _lookup(results, whole.group(1), whole.group(2))
    return _REFERENCE.sub(lambda m: encode(str(_lookup(results, m.group(1), m.group(2)))), text)


def _keep(text: str) -> str:
    return text


def _resolve(value: Any, results: dict[str, ApiResponse]) -> Any:
    """Replace `@{ref.path}` in a body; a string that is only a reference takes its JSON value."""
    if isinstance(value, str):
        return _substitute(value, results, _keep)
    if isinstance(value, list):
        return [_resolve(item, results) for item in value]
    if isinstance(value, dict):
        return {key: _resolve(item, results) for key, item in value.items()}
    return value


def _halted_by_reference(error: _MissingReferenceError) -> ApiResponse:
    step = error.path.lstrip(".")
    message = (
        f"Invalid reference specified. No value for {error.reference}.{step} found in "
        f"{error.reference}. Provided referenceId ('{error.reference}') is either invalid "
        "or it's not in the right order."
    )
    return ApiResponse(400, error_body("PROCESSING_HALTED", message))


# /composite ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Subrequest:
    reference_id: str
    method: str
    url: str
    body: Any
    has_body: bool
    headers: dict[str, str]


def _subrequests(body: dict[str, Any]) -> list[_Subrequest]:
    raw = body.get("compositeRequest")
    if not isinstance(raw, list) or not raw:
        msg = "compositeRequest must be a non-empty JSON array of subrequests"
        raise _invalid(msg)
    if len(raw) > MAX_SUBREQUESTS:
        msg = f"a composite request takes at most {MAX_SUBREQUESTS} subrequests, got {len(raw)}"
        raise _invalid(msg)
    subrequests: list[_Subrequest] = []
    seen: set[str] = set()
    for item in raw:
        subrequests.append(_subrequest(item, seen))
    return subrequests


def _subrequest(item: object, seen: set[str]) -> _Subrequest:
    if not isinstance(item, dict):
        msg = "each subrequest must be a JSON object with method, url and referenceId"
        raise _invalid(msg)
    reference_id = item.get("referenceId")
    if not isinstance(reference_id, str) or not _REFERENCE_ID.match(reference_id):
        msg = (
            f"referenceId {reference_id!r} must start with a letter or digit and hold only "
            "letters, digits and underscores"
        )
        raise _invalid(msg)
    if reference_id in seen:
        msg = f"referenceId {reference_id!r} is used twice; each must be unique"
        raise _invalid(msg)
    seen.add(reference_id)
    method, url = item.get("method"), item.get("url")
    if not isinstance(method, str) or method.upper() not in ("GET", "POST", "PATCH", "PUT", "DELETE"):
        msg = f"subrequest {reference_id}: method {method!r} is not GET, POST, PATCH, PUT or DELETE"
        raise _invalid(msg)
    if not isinstance(url, str):
        msg = f"subrequest {reference_id}: url is missing"
        raise _invalid(msg)
    headers = item.get("httpHeaders") or {}
    if not isinstance(headers, dict) or any(str(name).lower() in _FORBIDDEN_HEADERS for name in headers):
        msg = f"subrequest {reference_id}: httpHeaders may not set Accept, Authorization or Content-Type"
        raise _invalid(msg)
    return _Subrequest(
        reference_id=reference_id,
        method=method.upper(),
        url=url,
        body=item.get("body"),
        has_body="body" in item,
        headers={str(name): str(value) for name, value in headers.items()},
    )


def _sub_response(reference_id: str, answer: ApiResponse) -> dict[str, Any]:
    return {
        "body": answer.body,
        "httpHeaders": dict(answer.headers),
        "httpStatusCode": answer.status,
        "referenceId": reference_id,
    }


class _CompositeFailedError(Exception):
    """Raised inside the org transaction to roll an allOrNone composite back."""


def _check_heavy(subrequests: list[_Subrequest]) -> None:
    heavy = 0
    for sub in subrequests:
        call = _parse_url(sub.url, sub.method, None, False, {})
        heavy += _is_heavy(call)
    if heavy > MAX_HEAVY_SUBREQUESTS:
        msg = (
            f"a composite request takes at most {MAX_HEAVY_SUBREQUESTS} collections or query "
            f"subrequests, got {heavy}"
        )
        raise _invalid(msg)


def _run_subrequest(state: SandboxState, sub: _Subrequest, results: dict[str, ApiResponse]) -> ApiResponse:
    try:
        url = _substitute(sub.url, results, lambda text: quote(text, safe=""))
        body = _resolve(sub.body, results)
    except _MissingReferenceError as error:
        return _halted_by_reference(error)
    call = _parse_url(str(url), sub.method, body, sub.has_body, sub.headers)
    return _execute(state, call, in_composite=True)


def composite(state: SandboxState, request: RestRequest) -> ApiResponse:
    body = request.json_object()
    subrequests = _subrequests(body)
    _check_heavy(subrequests)
    all_or_none = bool(body.get("allOrNone", False))
    results: dict[str, ApiResponse] = {}

    def run_all() -> None:
        for sub in subrequests:
            answer = _run_subrequest(state, sub, results)
            results[sub.reference_id] = answer
            if all_or_none and answer.status >= 400:
                raise _CompositeFailedError

    try:
        with state.org.transaction():
            run_all()
        failed_at = None
    except _CompositeFailedError:
        failed_at = len(results) - 1

    responses = []
    for position, sub in enumerate(subrequests):
        if failed_at is not None and position != failed_at:
            halted = ApiResponse(400, error_body("PROCESSING_HALTED", _ROLLED_BACK_MESSAGE))
            responses.append(_sub_response(sub.reference_id, halted))
        else:
            responses.append(_sub_response(sub.reference_id, results[sub.reference_id]))
    return ApiResponse(200, {"compositeResponse": responses})


# /composite/batch ----------------------------------------------------------------------


def _batch_call(item: object) -> _Call:
    if not isinstance(item, dict):
        msg = "each batch request must be a JSON object with method and url"
        raise _invalid(msg)
    method, url = item.get("method"), item.get("url")
    if not isinstance(method, str) or not isinstance(url, str):
        msg = "each batch request needs a method and a url such as 'v66.0/sobjects/Account'"
        raise _invalid(msg)
    # Batch URLs leave out /services/data/ ("v66.0/sobjects/..."); the full form works too.
    full = url if url.startswith("/services/data/") else "/services/data/" + url.lstrip("/")
    return _parse_url(full, method, item.get("richInput"), "richInput" in item, {})


def batch(state: SandboxState, request: RestRequest) -> ApiResponse:
    """Run independent subrequests; each one commits and counts as one API call."""
    route = "POST /composite/batch"
    try:
        body = request.json_object()
        raw = body.get("batchRequests")
        if not isinstance(raw, list) or not raw:
            msg = "batchRequests must be a non-empty JSON array"
            raise _invalid(msg)
        if len(raw) > MAX_SUBREQUESTS:
            msg = f"a batch takes at most {MAX_SUBREQUESTS} subrequests, got {len(raw)}"
            raise _invalid(msg)
        calls = [_batch_call(item) for item in raw]
    except ApiError:
        # A rejected envelope still reached the org: it costs one call.
        state.limits.charge(1)
        state.stats.count_call(route)
        raise
    halt_on_error = bool(body.get("haltOnError", False))

    results: list[dict[str, Any]] = []
    halted = False
    for call in calls:
        if halted:
            halted_body = error_body("BATCH_PROCESSING_HALTED", _HALTED_MESSAGE)
            results.append({"statusCode": 412, "result": halted_body})
            continue
        if not state.limits.charge(1):
            answer = ApiResponse(403, error_body(REQUEST_LIMIT_EXCEEDED, DAILY_LIMIT_MESSAGE))
        else:
            state.stats.count_call(route)
            answer = _execute(state, call, in_composite=True)
        results.append({"statusCode": answer.status, "result": answer.body})
        halted = halt_on_error and answer.status >= 400
    has_errors = any(result["statusCode"] >= 400 for result in results)
    return ApiResponse(200, {"hasErrors": has_errors, "results": results})


def resources(state: SandboxState, request: RestRequest) -> ApiResponse:
    prefix = request.version_prefix
    return ApiResponse(200, {"batch": f"{prefix}/composite/batch", "sobjects": f"{prefix}/composite/sobjects"})


ENDPOINTS = [
    Endpoint(("GET",), "/composite", resources),
    Endpoint(("POST",), "/composite", composite),
    Endpoint(("POST",), "/composite/batch", batch),
    *collections.ENDPOINTS,
]

