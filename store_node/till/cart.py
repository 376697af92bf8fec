"""The till's cart: kept in the ``carts`` table (it survives a page reload), priced live.

A cart is a list of ``{sku, qty, discount_percent?, discount_cents?}``; prices
come from the local catalog each time it is shown, with the same arithmetic
as the sale (``sales.pricing``), so the screen shows what the sale records.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlite_utils

from common.clock import isoformat_z, utcnow
from common.errors import ValidationFailed
from common.money import parse_amount, percent_of
from common.taxes import TaxTable

from ..sales.pricing import MAX_LINES, MAX_QTY_PER_LINE, PricedLine, PricedSale, price_sale


@dataclass
class Cart:
    id: str
    user_id: int
    lines: list[dict[str, Any]] = field(default_factory=list)

    def as_sale_lines(self) -> list[dict[str, Any]]:
        return [dict(line) for line in self.lines]


def new_cart_id() -> str:
    return secrets.token_urlsafe(16)


def load(db: sqlite_utils.Database, cart_id: str, user_id: int) -> Cart:
    row = db.conn.execute(
        "SELECT data FROM carts WHERE id = ? AND user_id = ?", (cart_id, user_id)
    ).fetchone()
    lines = json.loads(row[0])["lines"] if row else []
    return Cart(id=cart_id, user_id=user_id, lines=lines)


def save(db: sqlite_utils.Database, cart: Cart) -> None:
    db.conn.execute(
        "INSERT INTO carts (id, user_id, data, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
        (cart.id, cart.user_id, json.dumps({"lines": cart.lines}), isoformat_z(utcnow())),
    )


def clear(db: sqlite_utils.Database, cart: Cart) -> None:
    cart.lines = []
    save(db, cart)


def add(cart: Cart, sku: str, qty: int = 1) -> None:
    """Add units of a product; merges into an undiscounted line of the same SKU."""
    for line in cart.lines:
        if line["sku"] == sku and not line.get("discount_percent") and not line.get("discount_cents"):
            line["qty"] = min(line["qty"] + qty, MAX_QTY_PER_LINE)
            return
    if len(cart.lines) >= MAX_LINES:
        raise ValidationFailed(f"A sale has at most {MAX_LINES} lines.", code="too_many_lines")
    cart.lines.append({"sku": sku, "qty": qty})


def line_at(cart: Cart, index: int) -> dict[str, Any]:
    if not 0 <= index < len(cart.lines):
        raise ValidationFailed("That line is no longer in the cart.", code="no_such_line")
    return cart.lines[index]


def set_qty(cart: Cart, index: int, text: str) -> None:
    line = line_at(cart, index)
    try:
        qty = int(str(text).strip())
    except ValueError as exc:
        raise ValidationFailed("Type a whole number of units.", code="invalid_quantity") from exc
    if qty < 0 or qty > MAX_QTY_PER_LINE:
        raise ValidationFailed(
            f"A line holds between 1 and {MAX_QTY_PER_LINE:,} units.", code="invalid_quantity"
        )
    if qty == 0:
        cart.lines.pop(index)
    else:
        line["qty"] = qty


def remove(cart: Cart, index: int) -> None:
    line_at(cart, index)
    cart.lines.pop(index)


def set_discount(cart: Cart, index: int, text: str) -> None:
    """``"15%"`` or ``"15 %"`` is a percentage, ``"2.50"`` an amount, empty removes it."""
    line = line_at(cart, index)
    line.pop("discount_percent", None)
    line.pop("discount_cents", None)
    text = (text or "").strip().replace(",", ".")
    if not text:
        return
    try:
        if text.endswith("%"):
            percent = Decimal(text[:-1].strip())
            if not percent.is_finite() or percent < 0 or percent > 100:
                raise ValueError
            line["discount_percent"] = str(percent)
        else:
            cents = parse_amount(text.lstrip("$"))
            if cents < 0:
                raise ValueError
            line["discount_cents"] = cents
    except (ValueError, InvalidOperation) as exc:
        raise ValidationFailed(
            "Type a discount as a percentage (15%) or an amount (2.50).", code="invalid_discount"
        ) from exc


@dataclass
class PricedCart:
    sale: PricedSale
    stock: dict[str, int]
    problems: dict[int, str]


def price(db: sqlite_utils.Database, cart: Cart, taxes: TaxTable) -> PricedCart:
    """Price the cart for display; lines that cannot be sold are shown with a problem."""
    skus = sorted({line["sku"] for line in cart.lines})
    products: dict[str, tuple] = {}
    if skus:
        marks = ",".join("?" * len(skus))
        for row in db.conn.execute(
            "SELECT p.sku, p.name, p.price_cents, p.tax_class, p.active, coalesce(s.on_hand, 0)"
            f" FROM products p LEFT JOIN stock s ON s.sku = p.sku WHERE p.sku IN ({marks})",
            skus,
        ):
            products[row[0]] = row
    lines: list[PricedLine] = []
    problems: dict[int, str] = {}
    wanted: dict[str, int] = {}
    for index, item in enumerate(cart.lines):
        product = products.get(item["sku"])
        if product is None:
            problems[index] = "unknown product"
            product = (item["sku"], item["sku"], 0, "standard", 0, 0)
        elif not product[4]:
            problems[index] = "no longer sold"
        gross = product[2] * item["qty"]
        percent = item.get("discount_percent")
        if percent is not None:
            discount = percent_of(gross, Decimal(percent))
        else:
            discount = int(item.get("discount_cents") or 0)
            if discount > gross:
                problems[index] = "discount larger than the line"
                discount = gross
        lines.append(PricedLine(
            line_no=index + 1, sku=item["sku"], name=product[1], qty=item["qty"],
            unit_price_cents=product[2], tax_class=product[3],
            discount_percent=Decimal(percent) if percent is not None else None,
            discount_cents=discount,
        ))
        wanted[item["sku"]] = wanted.get(item["sku"], 0) + item["qty"]
    stock = {sku: row[5] for sku, row in products.items()}
    for index, item in enumerate(cart.lines):
        left = stock.get(item["sku"], 0)
        if index not in problems and wanted[item["sku"]] > left:
            problems[index] = f"only {max(left, 0)} in stock"
    return PricedCart(sale=price_sale(lines, taxes), stock=stock, problems=problems)
