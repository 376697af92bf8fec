"""store_sync_minutes: each store's contacts and reported queue per minute (the sync-health page)

Revision ID: 0104_store_sync_minutes
Revises: 0103_shifts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0104_store_sync_minutes"
down_revision = "0103_shifts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "store_sync_minutes",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("minute", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pushes", sa.Integer(), server_default="0", nullable=False),
        sa.Column("pulls", sa.Integer(), server_default="0", nullable=False),
        sa.Column("pending_events", sa.Integer(), nullable=True),
        sa.Column("oldest_pending_age_s", sa.Integer(), nullable=True),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_store_sync_minutes_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("store_id", "minute", name=op.f("pk_store_sync_minutes")),
    )


def downgrade() -> None:
    op.drop_table("store_sync_minutes")
