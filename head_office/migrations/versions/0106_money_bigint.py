"""money and quantity aggregates in 64-bit integers

A sale at the limits (200 lines of 10,000 units at 100,000.00 $) holds amounts
past 2^31 cents, and two legitimate sales on one day can sum past it: every
amount of a sale or return, and every column of the report projections, is a
BIGINT, and so is every cash total of a shift. Existing rows are carried over
by ``ALTER COLUMN ... TYPE bigint``.

Revision ID: 0106_money_bigint
Revises: 0105_user_language
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0106_money_bigint"
down_revision = "0105_user_language"
branch_labels = None
depends_on = None

COLUMNS = {
    "sales": ["subtotal_cents", "discount_cents", "tax_cents", "total_cents", "change_cents"],
    "sale_lines": ["unit_price_cents", "discount_cents", "net_cents"],
    "sale_payments": ["amount_cents"],
    "returns": ["subtotal_cents", "tax_cents", "refund_cents"],
    "return_lines": ["net_cents", "tax_cents"],
    "daily_store_sales": [
        "sales_count", "sales_cents", "sales_tax_cents", "units_sold",
        "returns_count", "returns_cents", "returns_tax_cents", "units_returned",
    ],
    "daily_product_sales": ["qty_sold", "qty_returned", "sales_cents", "returns_cents"],
    "shifts": [
        "opening_float_cents", "cash_expected_cents", "cash_counted_cents", "over_short_cents",
        "cash_in_cents", "cash_out_cents",
    ],
}


def upgrade() -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(column, type_=sa.BigInteger(), existing_type=sa.Integer())


def downgrade() -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(column, type_=sa.Integer(), existing_type=sa.BigInteger())
