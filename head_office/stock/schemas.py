from typing import Any

from marshmallow import Schema, fields, validate

from .operations import MAX_QTY

SKU: dict[str, Any] = {"required": True, "validate": validate.Length(min=1, max=64)}


class CentralStockArgs(Schema):
    q = fields.String(validate=validate.Length(max=200))
    category = fields.String(validate=validate.Length(max=80))


class StoreStockArgs(Schema):
    q = fields.String(validate=validate.Length(max=200))


class ReceiptArgs(Schema):
    sku = fields.String(**SKU)
    qty = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_QTY))
    note = fields.String(load_default="", validate=validate.Length(max=500))


class AdjustmentArgs(Schema):
    sku = fields.String(**SKU)
    delta = fields.Integer(
        required=True,
        strict=True,
        validate=[
            validate.Range(min=-MAX_QTY, max=MAX_QTY),
            validate.NoneOf([0], error="A non-zero number of units."),
        ],
    )
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class LevelsSchema(Schema):
    sku = fields.String()
    on_hand = fields.Integer()
    reserved = fields.Integer()
    in_transit = fields.Integer()
    available = fields.Integer()
    version = fields.Integer()
