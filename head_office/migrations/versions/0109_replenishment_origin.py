"""replenishments.origin: who asked for a replenishment (the store, or head office), in a column;
existing rows take it from their first history note, as the replenishment list read it so far

Revision ID: 0109_replenishment_origin
Revises: 0108_return_tender
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0109_replenishment_origin"
down_revision = "0108_return_tender"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "replenishments",
        sa.Column("origin", sa.String(length=16), server_default="store", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_replenishments_origin_known"), "replenishments", "origin IN ('store', 'head_office')"
    )
    # Head office's own requests wrote "created at head office" as the note of their first
    # status-history row; the store's wrote "requested by the store".
    op.execute(
        "UPDATE replenishments r SET origin = 'head_office' WHERE ("
        " SELECT e.note FROM replenishment_history e WHERE e.replenishment_id = r.id"
        " ORDER BY e.id LIMIT 1) LIKE 'created at head office%'"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_replenishments_origin_known"), "replenishments", type_="check")
    op.drop_column("replenishments", "origin")
