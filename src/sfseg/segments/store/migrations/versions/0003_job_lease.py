"""Add the job lease: the process that runs a job, and when its claim expires.

Revision ID: 0003_job_lease
Revises: 0002_service
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sfseg.segments.store.models import UTCDateTime

revision = "0003_job_lease"
down_revision: str | None = "0002_service"
branch_labels: str | None = None
depends_on: str | None = None

_COLUMNS = ("lease_host", "lease_pid", "lease_token", "leased_at", "lease_expires_at")


def upgrade() -> None:
    # Every column is nullable, so existing jobs read back with no lease.
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("lease_host", sa.String(255), nullable=True))
        batch.add_column(sa.Column("lease_pid", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("lease_token", sa.String(64), nullable=True))
        batch.add_column(sa.Column("leased_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("lease_expires_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        for column in reversed(_COLUMNS):
            batch.drop_column(column)
