"""each user's language (fr or en), saved with the user

Revision ID: 0105_user_language
Revises: 0104_store_sync_minutes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0105_user_language"
down_revision = "0104_store_sync_minutes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("language", sa.String(8), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "language")
