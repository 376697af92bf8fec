"""The till's cart: kept in the ``carts`` table (it survives a page reload), priced live.

A cart is a list of ``{sku, qty, discount_percent?, discount_cents?}``; prices
come from the local catalog each time it is shown, with the same arithmetic
as the sale (``common.pricing``), so the screen shows what the sale records.
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
from common.i18n import _
from common.limits import DISCOUNT_PERCENT_MAX, LINES_MAX, QTY_MAX, parse_ascii_int
from common.money import parse_amount
from common.pricing import (
    PricedLine,
    PricedSale,
    line_gross,
    price_sale,
    priced_line,
    product_problem,
    short_stock,
)
from common.taxes import TaxTable

from ..sales.operations import catalog_rows

PRODUCT_PROBLEMS = {"unknown_product": "unknown product", "product_inactive": "no longer sold"}


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
            line["qty"] = min(line["qty"] + qty, QTY_MAX)
            return
    if len(cart.lines) >= LINES_MAX:
        raise ValidationFailed(_('A sale has at most %(lines_max)s lines.', lines_max=LINES_MAX),
                               code="too_many_lines")
    cart.lines.append({"sku": sku, "qty": qty})


def line_at(cart: Cart, index: int) -> dict[str, Any]:
    if not 0 <= index < len(cart.lines):
        raise ValidationFailed(_('That line is no longer in the cart.'), code="no_such_line")
    return cart.lines[index]


def set_qty(cart: Cart, index: int, text: str) -> None:
    line = line_at(cart, index)
    qty = parse_ascii_int(str(text))
    if qty is None:
        raise ValidationFailed(_('Type a whole number of units.'), code="invalid_quantity")
    if qty < 0 or qty > QTY_MAX:
        raise ValidationFailed(
            _('A line holds between 1 and %(qty_max)s units.', qty_max=format(QTY_MAX, ',')),
            code="invalid_quantity"
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
            number = text[:-1].strip()
            if not number.isascii() or len(number) > 10:
                raise ValueError
            percent = Decimal(number)
            if not percent.is_finite() or percent < 0 or percent > DISCOUNT_PERCENT_MAX:
                raise ValueError
            line["discount_percent"] = str(percent)
        else:
            cents = parse_amount(text.lstrip("$"))
            if cents < 0:
                raise ValueError
            line["discount_cents"] = cents
    except (ValueError, InvalidOperation) as exc:
        raise ValidationFailed(
            _('Type a discount as a percentage (15%%) or an amount (2.50).'), code="invalid_discount"
        ) from exc


@dataclass
class PricedCart:
    sale: PricedSale
    stock: dict[str, int]
    problems: dict[int, str]


def price(db: sqlite_utils.Database, cart: Cart, taxes: TaxTable) -> PricedCart:
    """Price the cart for display with the sale's own functions; lines that cannot be sold are
    shown with a problem instead of refusing the whole cart."""
    products = catalog_rows(db.conn, (line["sku"] for line in cart.lines))
    lines: list[PricedLine] = []
    problems: dict[int, str] = {}
    for index, item in enumerate(cart.lines):
        product = products.get(item["sku"])
        problem = product_problem(index, item["sku"], product)
        if problem is not None:
            problems[index] = PRODUCT_PROBLEMS.get(problem.code, problem.message)
        if product is None:
            product = {"sku": item["sku"], "name": item["sku"], "price_cents": 0,
                       "tax_class": "standard", "active": 0, "on_hand": 0}
        try:
            line = priced_line(index, item, product)
        except ValidationFailed:
            problems[index] = "discount larger than the line"
            line = priced_line(
                index, {"sku": item["sku"], "qty": item["qty"],
                        "discount_cents": line_gross(item["qty"], product["price_cents"])}, product,
            )
        lines.append(line)
    stock = {sku: int(row["on_hand"]) for sku, row in products.items()}
    short = short_stock(lines, stock)
    for index, item in enumerate(cart.lines):
        if index not in problems and item["sku"] in short:
            problems[index] = f"only {max(stock.get(item['sku'], 0), 0)} in stock"
    return PricedCart(sale=price_sale(lines, taxes), stock=stock, problems=problems)
