"""report projections: daily_store_sales, daily_product_sales

Revision ID: 0101_projections
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0101_projections"
down_revision = "0001"
branch_labels = None
depends_on = None


def _count(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), server_default="0", nullable=False)


def upgrade() -> None:
    op.create_table(
        "daily_store_sales",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        _count("sales_count"),
        _count("sales_cents"),
        _count("sales_tax_cents"),
        _count("units_sold"),
        _count("returns_count"),
        _count("returns_cents"),
        _count("returns_tax_cents"),
        _count("units_returned"),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_daily_store_sales_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("store_id", "business_date", name=op.f("pk_daily_store_sales")),
    )
    op.create_index(
        "ix_daily_store_sales_business_date", "daily_store_sales", ["business_date"], unique=False
    )
    op.create_table(
        "daily_product_sales",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), server_default="", nullable=False),
        _count("qty_sold"),
        _count("qty_returned"),
        _count("sales_cents"),
        _count("returns_cents"),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_daily_product_sales_store_id_stores")
        ),
        sa.PrimaryKeyConstraint(
            "store_id", "business_date", "sku", name=op.f("pk_daily_product_sales")
        ),
    )
    op.create_index(
        "ix_daily_product_sales_business_date",
        "daily_product_sales",
        ["business_date", "store_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_daily_product_sales_business_date", table_name="daily_product_sales")
    op.drop_table("daily_product_sales")
    op.drop_index("ix_daily_store_sales_business_date", table_name="daily_store_sales")
    op.drop_table("daily_store_sales")
