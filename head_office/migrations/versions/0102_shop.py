"""online shop: customers (users with role customer), carts, orders, checkout sagas, payment ledger

Revision ID: 0102_shop
Revises: 0101_projections
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0102_shop"
down_revision = "0101_projections"
branch_labels = None
depends_on = None


def _now() -> sa.sql.elements.ColumnElement:
    return sa.func.now()


def upgrade() -> None:
    op.alter_column("users", "username", type_=sa.String(length=254), existing_nullable=False)
    op.drop_constraint(op.f("ck_users_role_known"), "users", type_="check")
    op.create_check_constraint(
        "role_known", "users", "role IN ('cashier', 'store_manager', 'manager', 'admin', 'customer')"
    )
    op.drop_constraint(op.f("ck_users_staff_have_store"), "users", type_="check")
    op.create_check_constraint(
        "staff_have_store", "users", "role IN ('manager', 'admin', 'customer') OR store_id IS NOT NULL"
    )

    op.create_table(
        "cart_lines",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.CheckConstraint("qty > 0", name=op.f("ck_cart_lines_qty_positive")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["users.id"], ondelete="CASCADE", name=op.f("fk_cart_lines_customer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_cart_lines_product_id_products")
        ),
        sa.PrimaryKeyConstraint("customer_id", "product_id", name=op.f("pk_cart_lines")),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("subtotal_cents", sa.BigInteger(), nullable=False),
        sa.Column("taxes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("tax_cents", sa.BigInteger(), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("card_last4", sa.String(length=4), server_default="", nullable=False),
        sa.Column("answer", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("cancel_reason", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("shipped_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'confirmed', 'shipped', 'cancelled')", name=op.f("ck_orders_status_known")
        ),
        sa.ForeignKeyConstraint(["customer_id"], ["users.id"], name=op.f("fk_orders_customer_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("customer_id", "idempotency_key", name="uq_orders_customer_key"),
    )
    op.create_index("ix_orders_status", "orders", ["status"])
    op.create_index(
        "uq_orders_one_pending_per_customer",
        "orders",
        ["customer_id"],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "order_lines",
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tax_class", sa.String(length=16), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("unit_price_cents", sa.BigInteger(), nullable=False),
        sa.Column("net_cents", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("qty > 0", name=op.f("ck_order_lines_qty_positive")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], ondelete="CASCADE", name=op.f("fk_order_lines_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_order_lines_product_id_products")
        ),
        sa.PrimaryKeyConstraint("order_id", "line_no", name=op.f("pk_order_lines")),
    )
    op.create_table(
        "sagas",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=32), server_default="checkout", nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), server_default="running", nullable=False),
        sa.Column("compensating", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("reason", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("payment_token", sa.String(length=64), server_default="", nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=True),
        sa.Column("runs", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('running', 'completed', 'compensated', 'failed')", name=op.f("ck_sagas_state_known")
        ),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_sagas_order_id_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sagas")),
        sa.UniqueConstraint("order_id", name=op.f("uq_sagas_order_id")),
    )
    op.create_index("ix_sagas_state", "sagas", ["state", "next_attempt_at"])
    op.create_table(
        "saga_steps",
        sa.Column("saga_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("result", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'running', 'done', 'failed', 'skipped')",
            name=op.f("ck_saga_steps_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["saga_id"], ["sagas.id"], ondelete="CASCADE", name=op.f("fk_saga_steps_saga_id_sagas")
        ),
        sa.PrimaryKeyConstraint("saga_id", "name", name=op.f("pk_saga_steps")),
    )
    op.create_table(
        "payment_methods",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("number", sa.String(length=19), nullable=False),
        sa.Column("exp_month", sa.Integer(), nullable=False),
        sa.Column("exp_year", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_payment_methods")),
    )
    op.create_table(
        "payment_ledger",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=True),
        sa.Column("capture_key", sa.String(length=200), nullable=True),
        sa.Column("card_last4", sa.String(length=4), server_default="", nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.CheckConstraint("kind IN ('capture', 'refund')", name=op.f("ck_payment_ledger_kind_known")),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_payment_ledger_amount_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_ledger")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_payment_ledger_idempotency_key")),
    )
    op.create_index("ix_payment_ledger_order", "payment_ledger", ["order_id"])
    op.create_index(
        "uq_payment_ledger_one_refund",
        "payment_ledger",
        ["capture_key"],
        unique=True,
        postgresql_where=sa.text("kind = 'refund' AND outcome = 'succeeded'"),
    )


def downgrade() -> None:
    for table in (
        "payment_ledger",
        "payment_methods",
        "saga_steps",
        "sagas",
        "order_lines",
        "orders",
        "cart_lines",
    ):
        op.drop_table(table)
    op.execute("DELETE FROM users WHERE role = 'customer'")
    op.drop_constraint(op.f("ck_users_staff_have_store"), "users", type_="check")
    op.create_check_constraint(
        "staff_have_store", "users", "role IN ('manager', 'admin') OR store_id IS NOT NULL"
    )
    op.drop_constraint(op.f("ck_users_role_known"), "users", type_="check")
    op.create_check_constraint(
        "role_known", "users", "role IN ('cashier', 'store_manager', 'manager', 'admin')"
    )
    op.alter_column("users", "username", type_=sa.String(length=64), existing_nullable=False)
