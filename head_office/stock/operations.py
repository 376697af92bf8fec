"""Central stock writes: supplier receipts, adjustments, and the helpers replenishment uses.

Every change goes through one conditional ``UPDATE ... RETURNING`` on the
``central_stock`` row (so concurrent writers never overdraw it: the condition is
re-checked on the locked row), bumps the row's version, appends ledger rows and
writes a ``central_stock`` change-log entry that every store pulls.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from common.clock import utcnow
from common.errors import Conflict, NotFound, ValidationFailed
from common.i18n import _

from ..audit import record
from ..changes import log_change
from ..models import CentralStock, Product, StockMovement, StoreStock

MAX_QTY = 1_000_000


@dataclass(frozen=True)
class Levels:
    sku: str
    on_hand: int
    reserved: int
    in_transit: int
    version: int

    @classmethod
    def of(cls, sku: str, stock: CentralStock) -> Levels:
        return cls(sku, stock.on_hand, stock.reserved, stock.in_transit, stock.version)

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    def wire(self) -> dict[str, Any]:
        return {
            "sku": self.sku,
            "on_hand": self.on_hand,
            "reserved": self.reserved,
            "in_transit": self.in_transit,
            "available": self.available,
            "version": self.version,
        }


def product_for_sku(session: Session, sku: str) -> Product:
    product = session.scalar(select(Product).where(Product.sku == sku))
    if product is None:
        raise NotFound(
            _("No product with SKU %(sku)s.", sku=sku), code="unknown_sku",
            errors={"sku": [f"Unknown SKU {sku}."]},
        )
    return product


def levels(session: Session, product: Product, lock: bool = False) -> Levels:
    stmt = select(
        CentralStock.on_hand, CentralStock.reserved, CentralStock.in_transit, CentralStock.version
    ).where(CentralStock.product_id == product.id)
    if lock:
        stmt = stmt.with_for_update()
    row = session.execute(stmt).first()
    if row is None:
        return Levels(product.sku, 0, 0, 0, 0)
    return Levels(product.sku, row.on_hand, row.reserved, row.in_transit, row.version)


def ensure_central_row(session: Session, product: Product) -> None:
    """Create the product's (empty) central stock row if it has none."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    session.execute(
        pg_insert(CentralStock)
        .values(product_id=product.id, on_hand=0, reserved=0, in_transit=0, version=1)
        .on_conflict_do_nothing(index_elements=[CentralStock.product_id])
    )


def change_central(
    session: Session,
    product: Product,
    *,
    on_hand: int = 0,
    reserved: int = 0,
    in_transit: int = 0,
    condition: ColumnElement[bool] | None = None,
) -> Levels | None:
    """Add the deltas to the product's buckets if ``condition`` holds; None when it does not.

    The CHECK constraints back this up: a bucket can never go negative, nor
    reserved above on hand.
    """
    ensure_central_row(session, product)
    stmt = (
        update(CentralStock)
        .where(CentralStock.product_id == product.id)
        .values(
            on_hand=CentralStock.on_hand + on_hand,
            reserved=CentralStock.reserved + reserved,
            in_transit=CentralStock.in_transit + in_transit,
            version=CentralStock.version + 1,
            updated_at=func.now(),
        )
        .returning(CentralStock.on_hand, CentralStock.reserved, CentralStock.in_transit, CentralStock.version)
        .execution_options(synchronize_session=False)
    )
    if condition is not None:
        stmt = stmt.where(condition)
    row = session.execute(stmt).first()
    if row is None:
        return None
    new = Levels(product.sku, row.on_hand, row.reserved, row.in_transit, row.version)
    log_change(session, "central_stock", product.sku, new.version, new.wire())
    return new


def ledger(
    session: Session,
    product: Product,
    bucket: str,
    kind: str,
    qty: int,
    *,
    ref_type: str | None = None,
    ref_id: str | None = None,
    actor: str | None = None,
    note: str = "",
    occurred_at: datetime | None = None,
    store_id: int | None = None,
) -> None:
    session.add(
        StockMovement(
            occurred_at=occurred_at or utcnow(),
            location="store" if store_id is not None else "central",
            bucket=bucket,
            store_id=store_id,
            product_id=product.id,
            kind=kind,
            qty=qty,
            ref_type=ref_type,
            ref_id=ref_id,
            actor=actor,
            note=note,
        )
    )


def add_to_store_stock(session: Session, store_id: int, deltas: Mapping[int, int]) -> None:
    """Add each product's delta to a store's on hand as head office knows it (the row is made
    at the product's first movement): the one upsert of ``store_stock``. Rows go in product
    order, so concurrent writers of one store's rows lock them in one order."""
    upsert = pg_insert(StoreStock)
    upsert = upsert.on_conflict_do_update(
        index_elements=[StoreStock.store_id, StoreStock.product_id],
        set_={"on_hand": StoreStock.on_hand + upsert.excluded.on_hand, "updated_at": func.now()},
    )
    rows = [{"store_id": store_id, "product_id": pid, "on_hand": qty} for pid, qty in sorted(deltas.items())]
    session.execute(upsert, rows)


_STORE_MOVEMENT_INSERT = text(
    "INSERT INTO stock_movements (occurred_at, location, bucket, store_id, product_id, kind, qty, ref_type,"
    " ref_id, actor, note) VALUES (:occurred_at, 'store', 'on_hand', :store_id, :product_id, :kind, :qty,"
    " :ref_type, :ref_id, :actor, :note)"
)


def move_store_stock(
    session: Session,
    store_id: int,
    product_id: int,
    qty: int,
    kind: str,
    occurred_at: datetime,
    ref_type: str,
    ref_id: str,
    actor: str | None = None,
    note: str = "",
) -> None:
    """Change a store's on hand as head office knows it, with its ledger row (a store's
    return, count or adjustment, as it arrives by sync)."""
    add_to_store_stock(session, store_id, {product_id: qty})
    session.execute(
        _STORE_MOVEMENT_INSERT,
        {
            "store_id": store_id,
            "product_id": product_id,
            "qty": qty,
            "occurred_at": occurred_at,
            "kind": kind,
            "ref_type": ref_type,
            "ref_id": ref_id,
            "actor": actor,
            "note": note,
        },
    )


def receive_from_supplier(session: Session, sku: str, qty: int, actor: str, note: str = "") -> Levels:
    """Goods from a supplier arrive at the warehouse: on hand grows."""
    if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= MAX_QTY:
        raise ValidationFailed(_("Invalid receipt."), errors={"qty": [f"A quantity from 1 to {MAX_QTY:,}."]})
    product = product_for_sku(session, sku)
    before = levels(session, product)
    after = change_central(session, product, on_hand=qty)
    assert after is not None  # no condition: the update always applies
    ledger(session, product, "on_hand", "supplier_receipt", qty, ref_type="supplier", actor=actor, note=note)
    record(
        session,
        actor,
        "central_stock.receipt",
        "central_stock",
        sku,
        before.wire(),
        after.wire(),
        note=note or f"received {qty}",
    )
    return after


def adjust_central(session: Session, sku: str, delta: int, reason: str, actor: str) -> Levels:
    """A correction of the warehouse's on hand (count, damage...): never below zero or below reserved."""
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not isinstance(delta, int) or isinstance(delta, bool) or delta == 0 or abs(delta) > MAX_QTY:
        errors["delta"] = [f"A non-zero whole number of units, at most {MAX_QTY:,} either way."]
    if not reason:
        errors["reason"] = ["Say why the stock is adjusted."]
    elif len(reason) > 500:
        errors["reason"] = ["At most 500 characters."]
    if errors:
        raise ValidationFailed(_("Invalid adjustment."), errors=errors)
    product = product_for_sku(session, sku)
    before = levels(session, product)
    condition = (CentralStock.on_hand + delta >= CentralStock.reserved) & (CentralStock.on_hand + delta >= 0)
    after = change_central(session, product, on_hand=delta, condition=condition)
    if after is None:
        now = levels(session, product)
        raise Conflict(
            _(
                "Cannot remove %(delta)s of %(sku)s: central stock has %(on_hand)s on hand, %(reserved)s "
                "of them reserved for approved requests, so at most %(available)s can be written off.",
                delta=-delta,
                sku=sku,
                on_hand=now.on_hand,
                reserved=now.reserved,
                available=now.available,
            ),
            code="insufficient_stock",
            errors={"delta": [f"At least {-now.available}."], "available": now.available},
        )
    ledger(session, product, "on_hand", "adjustment", delta, ref_type="adjustment", actor=actor, note=reason)
    record(
        session, actor, "central_stock.adjust", "central_stock", sku, before.wire(), after.wire(), note=reason
    )
    return after
