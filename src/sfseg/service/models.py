"""Request and response models of the HTTP API; the OpenAPI document is built from them."""

from __future__ import annotations

import datetime as dt
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "AssignRequest",
    "AssignResultOut",
    "ErrorOut",
    "Health",
    "ItemOut",
    "JobOut",
    "LeaseOut",
    "MemberStatusOut",
    "Page",
    "PreviewOut",
    "PreviewRequest",
    "ProblemOut",
    "Readiness",
    "SegmentCreate",
    "SegmentCreated",
    "SegmentDeleted",
    "SegmentOut",
]

T = TypeVar("T")

# One request may carry at most this many customer ids; larger sets go in several jobs.
MAX_CUSTOMERS_PER_REQUEST = 100_000

Target = Literal["contact", "lead", "both"]
CriteriaKind = Literal["where", "soql", "rules"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Criteria(_Strict):
    """A body with criteria: a rule document may be an object, the other kinds are text."""

    criteria: str | dict[str, Any]
    kind: CriteriaKind | None = None

    @model_validator(mode="after")
    def _object_is_rules(self) -> _Criteria:
        if isinstance(self.criteria, dict) and self.kind not in (None, "rules"):
            msg = f"criteria given as an object are a rule document; kind {self.kind!r} needs text"
            raise ValueError(msg)
        if isinstance(self.criteria, str) and not self.criteria.strip():
            msg = "criteria are empty; give a WHERE clause, a SOQL query or a rule document"
            raise ValueError(msg)
        return self


class ProblemOut(BaseModel):
    """An error response (`application/problem+json`, RFC 9457)."""

    model_config = ConfigDict(extra="allow", title="Problem")

    type: str = Field(description="Stable URI naming the kind of error.")
    title: str
    status: int
    detail: str = Field(description="What was wrong, naming the bad value, and what to do.")
    errorCode: str | None = Field(  # noqa: N815 - Salesforce's wire name
        default=None, description="Salesforce errorCode, for errors Salesforce returned."
    )


class Page(BaseModel, Generic[T]):
    """One page of a list; pass `next_cursor` as `cursor` to get the next one."""

    items: list[T]
    next_cursor: str | None = Field(description="Cursor of the next page; null on the last page.")


# --- segments ---------------------------------------------------------------------


class MemberStatusOut(BaseModel):
    label: str
    is_default: bool
    has_responded: bool


class SegmentOut(BaseModel):
    id: str
    key: str
    name: str
    description: str | None
    target: Target
    criteria_kind: CriteriaKind
    criteria: str
    soql: dict[str, str]
    campaign_id: str | None
    statuses: list[MemberStatusOut]
    created_at: dt.datetime
    updated_at: dt.datetime


class SegmentCreate(_Criteria):
    name: str = Field(min_length=1, max_length=80, description="Segment and Campaign name.")
    criteria: str | dict[str, Any] = Field(
        description="A SOQL WHERE clause, a full SOQL query, or a rule document (object).",
    )
    kind: CriteriaKind | None = Field(default=None, description="Criteria kind; null guesses it.")
    target: Target | None = Field(
        default=None, description="Null: from the criteria, else contact."
    )
    description: str | None = Field(default=None, max_length=32_000)
    statuses: list[str] | None = Field(default=None, max_length=100)
    default_status: str | None = None
    dry_run: bool = False


class SegmentCreated(BaseModel):
    segment: SegmentOut | None
    campaign_id: str | None
    campaign_created: bool
    counts: dict[str, int]
    total: int
    soql: dict[str, str]
    statuses: list[MemberStatusOut]
    dry_run: bool
    api_calls: int


class SegmentDeleted(BaseModel):
    segment_id: str
    name: str
    campaign_id: str | None
    campaign_deleted: bool


class PreviewRequest(_Criteria):
    target: Target | None = None


class PreviewOut(BaseModel):
    target: Target
    counts: dict[str, int]
    total: int
    soql: dict[str, str]
    api_calls: int


# --- assignment and jobs --------------------------------------------------------------


class AssignRequest(_Strict):
    customer_ids: list[str] = Field(min_length=1, max_length=MAX_CUSTOMERS_PER_REQUEST)
    id_field: str = Field(default="auto", min_length=1, max_length=80)
    status: str | None = Field(default=None, min_length=1, max_length=765)
    mode: Literal["add", "remove", "mirror", "status"] = "add"
    route: Literal["auto", "rest", "bulk"] = "auto"
    create_status: bool = False
    tie_break: Literal["newest", "oldest"] | None = None
    remove_responded: bool = False


class LeaseOut(BaseModel):
    """The process that holds a job's lease: the one running it, or one that left it behind."""

    host: str
    pid: int
    since: dt.datetime
    expires_at: dt.datetime
    live: bool = Field(
        description="False once the lease has expired or its process on the service's host is gone."
    )


class JobOut(BaseModel):
    id: str
    segment_id: str
    kind: str
    mode: str
    state: Literal[
        "planned", "running", "succeeded", "partial", "failed", "limit_reached", "aborted"
    ]
    route: str
    status: str | None
    id_field: str
    api_calls: int
    error: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    counts: dict[str, int]
    active: bool = Field(description="True while a worker of this service runs the job.")
    lease: LeaseOut | None = Field(
        default=None, description="The process holding the job's lease; null when none does."
    )


class ItemOut(BaseModel):
    seq: int
    customer_id: str
    resolved_id: str | None
    object: str | None
    action: str
    outcome: str
    reason: str | None
    error_code: str | None
    message: str | None
    fields: list[str] | None
    campaign_member_id: str | None
    attempts: int


class AssignResultOut(BaseModel):
    """A finished assignment: the job and every customer's outcome."""

    job: JobOut
    items: list[ItemOut]


# --- error log and health ---------------------------------------------------------------


class ErrorOut(BaseModel):
    id: int
    at: dt.datetime
    operation: str
    segment_id: str | None
    job_id: str | None
    customer_id: str | None
    http_status: int | None
    error_code: str | None
    message: str
    attempt: int


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    checks: dict[str, str] = Field(description="`ok`, or what failed, per dependency.")
