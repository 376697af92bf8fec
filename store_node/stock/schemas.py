"""Stock shapes."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from common.limits import STOCK_LEVEL_MAX


class StockQueryArgs(Schema):
    q = fields.String(load_default=None)
    low = fields.Boolean(load_default=False, metadata={"description": "only rows at or below "
                                                       "their reorder point"})


class StockRowSchema(Schema):
    sku = fields.String()
    name = fields.String()
    category = fields.String()
    barcode = fields.String(allow_none=True)
    on_hand = fields.Integer()
    reorder_point = fields.Integer()
    max_stock = fields.Integer()
    low = fields.Boolean()
    needs_count = fields.Boolean()
    suggested_qty = fields.Integer()


class StockListSchema(Schema):
    items = fields.List(fields.Nested(StockRowSchema))


class AdjustmentArgs(Schema):
    sku = fields.String(required=True, validate=validate.Length(min=1, max=64))
    counted = fields.Integer(strict=True, validate=validate.Range(min=0, max=STOCK_LEVEL_MAX))
    delta = fields.Integer(strict=True, validate=validate.Range(min=-STOCK_LEVEL_MAX, max=STOCK_LEVEL_MAX))
    reason = fields.String(validate=validate.Length(max=200))

    @validates_schema
    def count_or_delta(self, data: dict[str, Any], **_: Any) -> None:
        has_count, has_delta = "counted" in data, "delta" in data
        if has_count == has_delta:
            raise ValidationError("Send either counted (a count) or delta with a reason.",
                                  "counted")
        if has_delta and not (data.get("reason") or "").strip():
            raise ValidationError("An adjustment needs a reason.", "reason")


class AdjustmentSchema(Schema):
    kind = fields.String()
    store_id = fields.Integer()
    sku = fields.String()
    counted = fields.Integer()
    previous = fields.Integer()
    delta = fields.Integer()
    reason = fields.String()
    on_hand = fields.Integer()
    occurred_at = fields.String()
    by = fields.String()


class CentralRowSchema(Schema):
    sku = fields.String()
    name = fields.String(allow_none=True)
    on_hand = fields.Integer()
    reserved = fields.Integer()
    in_transit = fields.Integer()
    available = fields.Integer()
    as_of = fields.String()


class CentralStockSchema(Schema):
    as_of = fields.String(allow_none=True)
    age_s = fields.Integer(allow_none=True)
    items = fields.List(fields.Nested(CentralRowSchema))
