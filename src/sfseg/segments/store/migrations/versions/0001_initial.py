"""Create the segments store: segments, jobs, job items, membership events, error log.

Revision ID: 0001_initial
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sfseg.segments.store.models import UTCDateTime

revision = "0001_initial"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "segments",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("target", sa.String(10), nullable=False),
        sa.Column("criteria_kind", sa.String(10), nullable=False),
        sa.Column("criteria_text", sa.Text(), nullable=False),
        sa.Column("soql_contact", sa.Text(), nullable=True),
        sa.Column("soql_lead", sa.Text(), nullable=True),
        sa.Column("campaign_id", sa.String(18), nullable=True),
        sa.Column("statuses", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_segments"),
        sa.UniqueConstraint("key", name="uq_segments_key"),
        sa.UniqueConstraint("name", name="uq_segments_name"),
    )
    op.create_index("ix_segments_campaign_id", "segments", ["campaign_id"])

    op.create_table(
        "jobs",
        sa.Column("id", sa.String(16), nullable=False),
        sa.Column("segment_id", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("mode", sa.String(10), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("route", sa.String(8), nullable=False),
        sa.Column("status_label", sa.String(765), nullable=True),
        sa.Column("id_field", sa.String(80), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("checkpoint", sa.JSON(), nullable=True),
        sa.Column("api_calls", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_jobs"),
        sa.ForeignKeyConstraint(
            ["segment_id"], ["segments.id"], name="fk_jobs_segment_id_segments", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_jobs_segment_id", "jobs", ["segment_id"])

    op.create_table(
        "job_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.String(16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(255), nullable=False),
        sa.Column("resolved_id", sa.String(18), nullable=True),
        sa.Column("object", sa.String(16), nullable=True),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("error_code", sa.String(80), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=True),
        sa.Column("campaign_member_id", sa.String(18), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_job_items"),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name="fk_job_items_job_id_jobs", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("job_id", "customer_id", name="uq_job_items_job_id_customer_id"),
    )
    op.create_index("ix_job_items_job_id_seq", "job_items", ["job_id", "seq"])
    op.create_index("ix_job_items_job_id_outcome", "job_items", ["job_id", "outcome"])

    op.create_table(
        "membership_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("segment_id", sa.String(16), nullable=False),
        sa.Column("record_id", sa.String(18), nullable=False),
        sa.Column("object", sa.String(16), nullable=False),
        sa.Column("event", sa.String(8), nullable=False),
        sa.Column("job_id", sa.String(16), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_membership_events"),
        sa.ForeignKeyConstraint(
            ["segment_id"],
            ["segments.id"],
            name="fk_membership_events_segment_id_segments",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_membership_events_segment_id_record_id_at",
        "membership_events",
        ["segment_id", "record_id", "at"],
    )
    op.create_index("ix_membership_events_job_id", "membership_events", ["job_id"])

    op.create_table(
        "error_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("operation", sa.String(64), nullable=False),
        sa.Column("segment_id", sa.String(16), nullable=True),
        sa.Column("job_id", sa.String(16), nullable=True),
        sa.Column("customer_id", sa.String(255), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("error_code", sa.String(80), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_error_log"),
    )
    op.create_index("ix_error_log_at", "error_log", ["at"])
    op.create_index("ix_error_log_segment_id", "error_log", ["segment_id"])
    op.create_index("ix_error_log_job_id", "error_log", ["job_id"])

    op.create_table(
        "store_state",
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_store_state"),
    )


def downgrade() -> None:
    for table in ("store_state", "error_log", "membership_events", "job_items", "jobs", "segments"):
        op.drop_table(table)
