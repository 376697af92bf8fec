"""Catalog writes: create and edit products.

Each change bumps the product's version and, in the same transaction, writes a
``product`` change-log entry (stores pull it, so a new price applies at the
till; a sale already made keeps its price) and an audit entry with the state
before and after. Creating a product also creates its empty central-stock row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.barcodes import is_valid_ean13
from common.errors import Conflict, NotFound, ValidationFailed
from common.i18n import _

from ..audit import record
from ..changes import log_change
from ..models import CentralStock, Product
from ..stock.operations import Levels

EDITABLE = ("barcode", "name", "category", "price_cents", "tax_class", "active", "reorder_point", "max_stock")


def _check_barcode(session: Session, barcode: str | None, product_id: int | None) -> None:
    if barcode is None:
        return
    if not is_valid_ean13(barcode):
        raise ValidationFailed(
            _(
                "Barcode %(barcode)s is not a valid EAN-13 (13 digits with a correct check digit).",
                barcode=barcode,
            ),
            errors={"barcode": [_("Not a valid EAN-13: 13 digits, the last one a check digit.")]},
        )
    owner = session.scalar(select(Product).where(Product.barcode == barcode))
    if owner is not None and owner.id != product_id:
        raise Conflict(
            _(
                "Barcode %(barcode)s already belongs to %(sku)s (%(name)s).",
                barcode=barcode,
                sku=owner.sku,
                name=owner.name,
            ),
            code="duplicate_barcode",
            errors={"barcode": [_("Already used by %(sku)s.", sku=owner.sku)]},
        )


def _check_limits(reorder_point: int, max_stock: int) -> None:
    if max_stock and max_stock < reorder_point:
        raise ValidationFailed(
            _("Max stock cannot be below the reorder point (0 means no maximum)."),
            errors={"max_stock": [
                _("At least the reorder point (%(reorder_point)s), or 0.", reorder_point=reorder_point)
            ]},
        )


def create_product(session: Session, values: dict[str, Any], actor: str) -> Product:
    sku = values["sku"]
    if session.scalar(select(Product).where(Product.sku == sku)) is not None:
        raise Conflict(
            _("A product with SKU %(sku)s already exists.", sku=sku),
            code="duplicate_sku",
            errors={"sku": [_("Already exists.")]},
        )
    _check_barcode(session, values.get("barcode"), None)
    _check_limits(values.get("reorder_point", 0), values.get("max_stock", 0))
    product = Product(
        sku=sku,
        barcode=values.get("barcode"),
        name=values["name"],
        category=values["category"],
        price_cents=values["price_cents"],
        tax_class=values.get("tax_class", "standard"),
        active=values.get("active", True),
        reorder_point=values.get("reorder_point", 0),
        max_stock=values.get("max_stock", 0),
        version=1,
    )
    session.add(product)
    session.flush()
    session.add(CentralStock(product_id=product.id, on_hand=0, reserved=0, in_transit=0, version=1))
    session.flush()
    log_change(session, "product", product.sku, product.version, product.to_wire())
    log_change(session, "central_stock", product.sku, 1, Levels(product.sku, 0, 0, 0, 1).wire())
    record(session, actor, "product.create", "product", product.sku, None, product.to_wire())
    return product


def update_product(session: Session, sku: str, changes: dict[str, Any], actor: str) -> Product:
    """Apply ``changes`` (fields of EDITABLE); a no-op when nothing differs."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ValidationFailed(
            _("Unknown or read-only fields."), errors={k: [_("Cannot be changed.")] for k in unknown}
        )
    product = session.scalar(select(Product).where(Product.sku == sku).with_for_update())
    if product is None:
        raise NotFound(_("No product with SKU %(sku)s.", sku=sku), code="unknown_sku")
    before = product.to_wire()
    changed = {k: v for k, v in changes.items() if before.get(k) != v}
    if not changed:
        return product
    if "barcode" in changed:
        _check_barcode(session, changed["barcode"], product.id)
    _check_limits(
        changed.get("reorder_point", product.reorder_point), changed.get("max_stock", product.max_stock)
    )
    for key, value in changed.items():
        setattr(product, key, value)
    product.version = product.version + 1
    session.flush()
    after = product.to_wire()
    log_change(session, "product", product.sku, product.version, after)
    action = "product.price" if set(changed) == {"price_cents"} else "product.update"
    record(session, actor, action, "product", product.sku, before, after)
    return product
