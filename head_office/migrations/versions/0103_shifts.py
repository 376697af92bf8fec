"""cashier shifts from the stores

Revision ID: 0103_shifts
Revises: 0102_shop
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0103_shifts"
down_revision = "0102_shop"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shifts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("register", sa.String(32), nullable=False),
        sa.Column("cashier", sa.String(64), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opening_float_cents", sa.Integer(), nullable=False),
        sa.Column("cash_expected_cents", sa.Integer(), nullable=True),
        sa.Column("cash_counted_cents", sa.Integer(), nullable=True),
        sa.Column("over_short_cents", sa.Integer(), nullable=True),
        sa.Column("cash_in_cents", sa.Integer(), server_default="0", nullable=False),
        sa.Column("cash_out_cents", sa.Integer(), server_default="0", nullable=False),
        sa.Column("report", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"], name=op.f("fk_shifts_store_id_stores")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shifts")),
    )
    op.create_index("ix_shifts_store_date", "shifts", ["store_id", "business_date"])


def downgrade() -> None:
    op.drop_index("ix_shifts_store_date", table_name="shifts")
    op.drop_table("shifts")
