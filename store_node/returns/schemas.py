"""Return request and response shapes."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from common.limits import LINES_MAX, LINES_MIN, QTY_MAX, QTY_MIN, SKU_MAX
from common.pricing import TENDERS


class ReturnLineArgs(Schema):
    sku = fields.String(validate=validate.Length(min=1, max=SKU_MAX))
    line_no = fields.Integer(strict=True, validate=validate.Range(min=1, max=LINES_MAX),
                             metadata={"description": "the sale line, when a SKU is on several"})
    qty = fields.Integer(required=True, strict=True,
                         validate=validate.Range(min=QTY_MIN, max=QTY_MAX,
                                                 error=f"The quantity must be between {QTY_MIN}"
                                                       f" and {QTY_MAX}."))

    @validates_schema
    def names_a_line(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("sku") and not data.get("line_no"):
            raise ValidationError("Name the line to return by sku (or line_no).", "sku")


class ReturnArgs(Schema):
    sale_id = fields.String(validate=validate.Length(min=1, max=64))
    receipt_number = fields.String(validate=validate.Length(min=1, max=32))
    lines = fields.List(fields.Nested(ReturnLineArgs), required=True,
                        validate=validate.Length(min=LINES_MIN, max=LINES_MAX))
    register = fields.String(load_default="1", validate=validate.Length(min=1, max=32))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))
    tender = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(TENDERS),
                           metadata={"description": "how the refund goes back; default: as the sale"
                                                    " was paid (card first, then cash)"})

    @validates_schema
    def names_a_sale(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("sale_id") and not data.get("receipt_number"):
            raise ValidationError("Give the sale's receipt_number or sale_id.", "receipt_number")


class ReturnLineSchema(Schema):
    sale_line_no = fields.Integer()
    sku = fields.String()
    name = fields.String()
    qty = fields.Integer()
    net_cents = fields.Integer()
    tax_cents = fields.Integer()


class RefundSchema(Schema):
    tender = fields.String()
    amount_cents = fields.Integer()


class ReturnSchema(Schema):
    id = fields.String()
    sale_id = fields.String()
    receipt_number = fields.String()
    store_id = fields.Integer()
    cashier = fields.String()
    occurred_at = fields.String()
    business_date = fields.String()
    subtotal_cents = fields.Integer()
    tax_cents = fields.Integer()
    taxes = fields.Dict(keys=fields.String(), values=fields.Integer())
    refund_cents = fields.Integer()
    lines = fields.List(fields.Nested(ReturnLineSchema))
    refunds = fields.List(fields.Nested(RefundSchema))
    tender = fields.String(allow_none=True, metadata={"description": "the tender named, or null:"
                                                                     " split as the sale was paid"})
    rounding_cents = fields.Integer(metadata={"description": "what cash rounding added to the cash"
                                                             " refunded (-2 to +2)"})
    register = fields.String(allow_none=True)
    shift_id = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
