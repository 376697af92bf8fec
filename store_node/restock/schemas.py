"""Restock request shapes."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .operations import MAX_REQUEST_QTY, STATUSES


class RestockArgs(Schema):
    sku = fields.String(required=True, validate=validate.Length(min=1, max=64))
    qty = fields.Integer(
        required=True, strict=True,
        validate=validate.Range(min=1, max=MAX_REQUEST_QTY,
                                error=f"Ask for between 1 and {MAX_REQUEST_QTY} units."),
    )


class ReceiveArgs(Schema):
    qty = fields.Integer(
        required=True, strict=True,
        validate=validate.Range(min=0, max=MAX_REQUEST_QTY),
        metadata={"description": "what actually arrived"},
    )


class RestockQueryArgs(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))


class RestockSchema(Schema):
    id = fields.String()
    sku = fields.String()
    name = fields.String(allow_none=True)
    qty = fields.Integer()
    qty_requested = fields.Integer()
    status = fields.String()
    qty_approved = fields.Integer(allow_none=True)
    qty_shipped = fields.Integer(allow_none=True)
    qty_received = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    requested_by = fields.String()
    received_by = fields.String(allow_none=True)
    created_at = fields.String()
    updated_at = fields.String()
    decided_at = fields.String(allow_none=True)
    shipped_at = fields.String(allow_none=True)
    received_at = fields.String(allow_none=True)


class RestockListSchema(Schema):
    items = fields.List(fields.Nested(RestockSchema))
