"""returns.tender and returns.rounding_cents: the tender a return named and its cash rounding

Revision ID: 0108_return_tender
Revises: 0107_session_epoch
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0108_return_tender"
down_revision = "0107_session_epoch"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("returns", sa.Column("tender", sa.String(length=16), nullable=True))
    op.add_column(
        "returns", sa.Column("rounding_cents", sa.Integer(), server_default="0", nullable=False)
    )


def downgrade() -> None:
    op.drop_column("returns", "rounding_cents")
    op.drop_column("returns", "tender")
