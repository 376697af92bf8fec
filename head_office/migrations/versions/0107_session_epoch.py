"""users.session_epoch: a password change or a disabled account ends that user's tokens and sessions;
revoked_tokens.revoked_at and users.updated_at indexed

Revision ID: 0107_session_epoch
Revises: 0106_money_bigint
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0107_session_epoch"
down_revision = "0106_money_bigint"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False)
    )
    # Each head-office process reloads the recent revocations every few seconds.
    op.create_index(op.f("ix_revoked_tokens_revoked_at"), "revoked_tokens", ["revoked_at"])
    op.create_index("ix_users_updated_at", "users", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_users_updated_at", table_name="users")
    op.drop_index(op.f("ix_revoked_tokens_revoked_at"), table_name="revoked_tokens")
    op.drop_column("users", "session_epoch")
