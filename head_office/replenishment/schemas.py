from marshmallow import Schema, fields, validate

from common.schemas import AsciiInteger, Id

from ..models import STATUSES
from .operations import MAX_REQUEST_QTY


class ReplenishmentQueryArgs(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    store = Id()
    limit = AsciiInteger(load_default=200, minimum=1, maximum=1000)


class CreateArgs(Schema):
    store_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=9999))
    sku = fields.String(required=True, validate=validate.Length(min=1, max=64))
    qty = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_REQUEST_QTY))
    note = fields.String(load_default="", validate=validate.Length(max=500))


class ApproveArgs(Schema):
    qty = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=MAX_REQUEST_QTY))


class RejectArgs(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class ReplenishmentEventSchema(Schema):
    from_status = fields.String(required=True, allow_none=True)
    to_status = fields.String(required=True)
    qty = fields.Integer(required=True, allow_none=True)
    actor = fields.String(required=True)
    note = fields.String(required=True)
    at = fields.String(required=True, allow_none=True)


class ReplenishmentSchema(Schema):
    id = fields.Integer(required=True)
    request_id = fields.String(
        required=True, allow_none=True, metadata={"description": "the store's id for it, when a store asked"}
    )
    store_id = fields.Integer(required=True)
    sku = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    qty_requested = fields.Integer(required=True)
    qty_approved = fields.Integer(required=True, allow_none=True)
    qty_shipped = fields.Integer(required=True, allow_none=True)
    qty_received = fields.Integer(required=True, allow_none=True)
    reason = fields.String(required=True, allow_none=True)
    version = fields.Integer(required=True)
    name = fields.String(required=True)
    store_code = fields.String(required=True)
    store_name = fields.String(required=True)
    store_on_hand = fields.Integer(required=True)
    sold_7d = fields.Integer(required=True, metadata={"description": "units sold over 7 business days"})
    reorder_point = fields.Integer(required=True)
    max_stock = fields.Integer(required=True)
    central_available = fields.Integer(required=True)
    requested_by = fields.String(required=True, allow_none=True)
    origin = fields.String(required=True, validate=validate.OneOf(["head_office", "store"]))
    created_at = fields.String(required=True, allow_none=True)
    history = fields.List(fields.Nested(ReplenishmentEventSchema), required=True)


class ReplenishmentListSchema(Schema):
    items = fields.List(fields.Nested(ReplenishmentSchema), required=True)
