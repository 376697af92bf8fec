from marshmallow import Schema, fields, validate

from ..models import STATUSES
from .operations import MAX_REQUEST_QTY


class ReplenishmentQueryArgs(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    store = fields.Integer(strict=False, validate=validate.Range(min=1, max=9999))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))


class CreateArgs(Schema):
    store_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=9999))
    sku = fields.String(required=True, validate=validate.Length(min=1, max=64))
    qty = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_REQUEST_QTY))
    note = fields.String(load_default="", validate=validate.Length(max=500))


class ApproveArgs(Schema):
    qty = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=MAX_REQUEST_QTY))


class RejectArgs(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
