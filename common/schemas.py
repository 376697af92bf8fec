"""marshmallow schemas both services share (no Flask): what a product looks like on the wire."""

from __future__ import annotations

from marshmallow import Schema, fields


class ProductSchema(Schema):
    """A product as both APIs show it (field names other scripts rely on)."""

    sku = fields.String()
    barcode = fields.String(allow_none=True)
    name = fields.String()
    category = fields.String()
    price_cents = fields.Integer()
    tax_class = fields.String()
    active = fields.Boolean()
    reorder_point = fields.Integer()
    max_stock = fields.Integer()
    version = fields.Integer()
