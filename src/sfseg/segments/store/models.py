"""ORM models of the segments store (SQLAlchemy 2 typed mapping).

Tables: `segments`, `jobs`, `job_items`, `membership_events`, `error_log`, and
`store_state` (small named values such as the id of the analysis report sfseg made).
The Alembic revision `0001_initial` creates exactly these tables; a model change needs
a new revision chained after it.

Times are stored as UTC and always read back timezone-aware, on SQLite too.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, Literal

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "Base",
    "ErrorLogEntry",
    "Job",
    "JobItem",
    "MembershipEvent",
    "Segment",
    "StoreState",
    "Target",
    "UTCDateTime",
    "new_job_id",
    "new_segment_id",
    "utcnow",
]

Target = Literal["contact", "lead", "both"]
CriteriaKind = Literal["where", "soql", "rules"]

# Stable constraint names, so that migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_segment_id() -> str:
    return "seg_" + secrets.token_hex(6)


def new_job_id() -> str:
    return "job_" + secrets.token_hex(6)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime; SQLite keeps no offset, so it is added back on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            msg = (
                f"naive datetime {value.isoformat()} given to the store; pass a timezone-aware one"
            )
            raise ValueError(msg)
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dt.datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[dict[str, Any]]: JSON(),
        list[str]: JSON(),
    }


class Segment(Base):
    """A segment and the Campaign that is its Salesforce form.

    `campaign_id` is null while creation is in flight; `key` is written to
    `Campaign.sfseg_Segment_Key__c` first, so a retried create finds that Campaign.
    `statuses` is a list of `{"label", "is_default", "has_responded"}`.
    """

    __tablename__ = "segments"

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=new_segment_id)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    target: Mapped[str] = mapped_column(String(10))
    criteria_kind: Mapped[str] = mapped_column(String(10))
    criteria_text: Mapped[str] = mapped_column(Text)
    soql_contact: Mapped[str | None] = mapped_column(Text)
    soql_lead: Mapped[str | None] = mapped_column(Text)
    campaign_id: Mapped[str | None] = mapped_column(String(18), index=True)
    statuses: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    jobs: Mapped[list[Job]] = relationship(
        back_populates="segment", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"Segment(id={self.id!r}, name={self.name!r}, campaign_id={self.campaign_id!r})"


class Job(Base):
    """One assignment or refresh run of a segment; its items hold one outcome per customer."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=new_job_id)
    segment_id: Mapped[str] = mapped_column(
        ForeignKey("segments.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    mode: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(16), default="planned")
    route: Mapped[str] = mapped_column(String(8))
    status_label: Mapped[str | None] = mapped_column(String(765))
    id_field: Mapped[str] = mapped_column(String(80), default="auto")
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    checkpoint: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    api_calls: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column()
    finished_at: Mapped[dt.datetime | None] = mapped_column()
    # The lease of the process running the job (`sfseg.segments.lease`); null when no
    # process holds it. Added by revision `0003_job_lease`.
    lease_host: Mapped[str | None] = mapped_column(String(255))
    lease_pid: Mapped[int | None] = mapped_column(Integer)
    lease_token: Mapped[str | None] = mapped_column(String(64))
    leased_at: Mapped[dt.datetime | None] = mapped_column()
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column()

    segment: Mapped[Segment] = relationship(back_populates="jobs")
    items: Mapped[list[JobItem]] = relationship(
        back_populates="job",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="JobItem.seq",
    )

    def __repr__(self) -> str:
        return f"Job(id={self.id!r}, segment_id={self.segment_id!r}, state={self.state!r})"


class JobItem(Base):
    """One customer id of a job and its outcome."""

    __tablename__ = "job_items"
    __table_args__ = (
        UniqueConstraint("job_id", "customer_id"),
        Index(None, "job_id", "seq"),
        Index(None, "job_id", "outcome"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    customer_id: Mapped[str] = mapped_column(String(255))
    resolved_id: Mapped[str | None] = mapped_column(String(18))
    object: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(10), default="none")
    outcome: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[str | None] = mapped_column(String(80))
    message: Mapped[str | None] = mapped_column(Text)
    fields: Mapped[list[str] | None] = mapped_column(JSON)
    campaign_member_id: Mapped[str | None] = mapped_column(String(18))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    job: Mapped[Job] = relationship(back_populates="items")

    def __repr__(self) -> str:
        return f"JobItem(job_id={self.job_id!r}, customer_id={self.customer_id!r}, outcome={self.outcome!r})"


class MembershipEvent(Base):
    """A record entering or leaving a segment, with the job that did it."""

    __tablename__ = "membership_events"
    __table_args__ = (Index(None, "segment_id", "record_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    segment_id: Mapped[str] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"))
    record_id: Mapped[str] = mapped_column(String(18))
    object: Mapped[str] = mapped_column(String(16))
    event: Mapped[str] = mapped_column(String(8))
    job_id: Mapped[str | None] = mapped_column(String(16), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ErrorLogEntry(Base):
    """An error that sfseg caught and did not re-raise.

    Segment and job ids are plain columns, not foreign keys, so the log outlives them.
    """

    __tablename__ = "error_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    operation: Mapped[str] = mapped_column(String(64))
    segment_id: Mapped[str | None] = mapped_column(String(16), index=True)
    job_id: Mapped[str | None] = mapped_column(String(16), index=True)
    customer_id: Mapped[str | None] = mapped_column(String(255))
    http_status: Mapped[int | None] = mapped_column(Integer)
    error_code: Mapped[str | None] = mapped_column(String(80))
    message: Mapped[str] = mapped_column(Text)
    attempt: Mapped[int] = mapped_column(Integer, default=1)


class StoreState(Base):
    """A named value the store keeps between runs, such as `analysis_report_id`."""

    __tablename__ = "store_state"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
