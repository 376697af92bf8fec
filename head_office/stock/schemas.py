from typing import Any

from marshmallow import Schema, fields, validate

from common.i18n import _, field_error

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
            validate.NoneOf([0], error=field_error(_("A non-zero number of units."))),
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


class StoreOnHandSchema(Schema):
    store_id = fields.Integer(required=True)
    code = fields.String(required=True)
    on_hand = fields.Integer(required=True)
    low = fields.Boolean(required=True)
    over = fields.Boolean(required=True)


class CentralStockRowSchema(Schema):
    sku = fields.String(required=True)
    name = fields.String(required=True)
    category = fields.String(required=True)
    on_hand = fields.Integer(required=True)
    reserved = fields.Integer(required=True)
    in_transit = fields.Integer(required=True)
    available = fields.Integer(required=True)
    version = fields.Integer(required=True)
    reorder_point = fields.Integer(required=True)
    max_stock = fields.Integer(required=True)
    low = fields.Boolean(required=True)
    over = fields.Boolean(required=True)
    stores = fields.List(fields.Nested(StoreOnHandSchema), required=True)
    store_on_hand = fields.Dict(
        keys=fields.String(), values=fields.Integer(), required=True,
        metadata={"description": "on hand by store id"},
    )


class StoreRefSchema(Schema):
    store_id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)


class CentralStockSchema(Schema):
    items = fields.List(fields.Nested(CentralStockRowSchema), required=True)
    stores = fields.List(fields.Nested(StoreRefSchema), required=True)


class StoreStockRowSchema(Schema):
    sku = fields.String(required=True)
    name = fields.String(required=True)
    category = fields.String(required=True)
    on_hand = fields.Integer(required=True)
    reorder_point = fields.Integer(required=True)
    max_stock = fields.Integer(required=True)
    low = fields.Boolean(required=True)
    over = fields.Boolean(required=True)


class StoreStockSchema(Schema):
    store_id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    items = fields.List(fields.Nested(StoreStockRowSchema), required=True)
