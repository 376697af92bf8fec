"""The shop's catalog (with what central stock can sell) and each customer's cart.

Totals come from the shared sale arithmetic (``common.pricing``): line net =
quantity x unit price; each tax on the subtotal of the lines it applies to,
rounded half up.
"""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from common.errors import NotFound, ValidationFailed
from common.i18n import _
from common.limits import LINES_MAX, QTY_MAX
from common.pricing import PricedCart, price_cart
from common.taxes import TaxTable

from ..catalog.queries import matches
from ..models import CartLine, CentralStock, Product

AVAILABLE = func.coalesce(CentralStock.on_hand - CentralStock.reserved, 0)


def shop_products(
    session: Session, q: str | None = None, category: str | None = None, page: int = 1, page_size: int = 50
) -> tuple[list[dict], int]:
    """Active products with what central stock can sell now (``available``)."""
    query = (
        select(Product, AVAILABLE.label("available"))
        .outerjoin(CentralStock, CentralStock.product_id == Product.id)
        .where(Product.active.is_(True))
    )
    if q and q.strip():
        query = query.where(matches(q))
    if category:
        query = query.where(func.lower(Product.category) == category.strip().lower())
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(Product.name, Product.sku).limit(page_size).offset((page - 1) * page_size)
    ).all()
    return [product_row(product, available) for product, available in rows], total


def product_row(product: Product, available: int) -> dict:
    return {
        "sku": product.sku,
        "name": product.name,
        "category": product.category,
        "price_cents": product.price_cents,
        "tax_class": product.tax_class,
        "available": max(int(available or 0), 0),
    }


def shop_product(session: Session, sku: str) -> dict:
    row = session.execute(
        select(Product, AVAILABLE)
        .outerjoin(CentralStock, CentralStock.product_id == Product.id)
        .where(Product.sku == sku, Product.active.is_(True))
    ).first()
    if row is None:
        raise NotFound(_("No product with SKU %(sku)s.", sku=sku), code="unknown_sku")
    return product_row(row[0], row[1])


def cart(session: Session | Connection, customer_id: int, table: TaxTable) -> PricedCart:
    """The customer's cart, priced. ``session`` may be a plain connection (one round trip)."""
    rows = session.execute(_CART, {"customer_id": customer_id}).all()
    lines = [
        {
            "sku": sku,
            "name": name,
            "qty": qty,
            "unit_price_cents": price_cents,
            "tax_class": tax_class,
            "available": max(int(available or 0), 0),
            "product_id": product_id,
            "active": active,
        }
        for product_id, sku, name, price_cents, tax_class, active, qty, available in rows
    ]
    return price_cart(lines, table)


# Built once (with a bound parameter): building a select per request costs more than its round trip.
_CART = (
    select(
        Product.id, Product.sku, Product.name, Product.price_cents, Product.tax_class, Product.active,
        CartLine.qty, AVAILABLE.label("available"),
    )
    .join(CartLine, CartLine.product_id == Product.id)
    .outerjoin(CentralStock, CentralStock.product_id == Product.id)
    .where(CartLine.customer_id == bindparam("customer_id"))
    .order_by(CartLine.added_at, Product.sku)
)


def set_line(session: Session, customer_id: int, sku: str, qty: int) -> None:
    """Put ``qty`` of ``sku`` in the cart (0 removes the line)."""
    if not isinstance(qty, int) or isinstance(qty, bool) or not 0 <= qty <= QTY_MAX:
        raise ValidationFailed(
            _("Invalid quantity."), errors={"qty": [f"A whole number from 0 to {QTY_MAX:,}."]}
        )
    product = session.scalar(select(Product).where(Product.sku == sku))
    if product is None or (not product.active and qty > 0):
        raise NotFound(
            _("No product with SKU %(sku)s in the shop.", sku=sku),
            code="unknown_sku",
            errors={"sku": [f"Unknown SKU {sku}."]},
        )
    if qty == 0:
        session.execute(
            delete(CartLine).where(CartLine.customer_id == customer_id, CartLine.product_id == product.id)
        )
        return
    count = (
        session.scalar(
            select(func.count()).where(CartLine.customer_id == customer_id, CartLine.product_id != product.id)
        )
        or 0
    )
    if count >= LINES_MAX:
        raise ValidationFailed(
            _("A cart holds at most %(lines_max)s lines.", lines_max=LINES_MAX),
            errors={"sku": [f"At most {LINES_MAX} lines."]},
        )
    session.execute(
        pg_insert(CartLine)
        .values(customer_id=customer_id, product_id=product.id, qty=qty)
        .on_conflict_do_update(index_elements=[CartLine.customer_id, CartLine.product_id], set_={"qty": qty})
    )


def add_to_cart(session: Session, customer_id: int, sku: str, qty: int = 1) -> None:
    """Add ``qty`` to what the cart holds of ``sku`` (capped at the line limit)."""
    product = session.scalar(select(Product).where(Product.sku == sku))
    if product is None:
        raise NotFound(_("No product with SKU %(sku)s in the shop.", sku=sku), code="unknown_sku")
    held = (
        session.scalar(
            select(CartLine.qty).where(CartLine.customer_id == customer_id, CartLine.product_id == product.id)
        )
        or 0
    )
    set_line(session, customer_id, sku, min(held + qty, QTY_MAX))


def clear_cart(session: Session, customer_id: int) -> None:
    session.execute(delete(CartLine).where(CartLine.customer_id == customer_id))
