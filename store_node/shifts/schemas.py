"""Shift API bodies: open, cash in/out, close; the shift and its X/Z report."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from common.limits import PAYMENT_MAX_CENTS, TEXT_MAX

_AMOUNT = validate.Range(min=0, max=PAYMENT_MAX_CENTS)


class OpenShiftArgs(Schema):
    register = fields.String(load_default="1", validate=validate.Length(min=1, max=32))
    opening_float_cents = fields.Integer(required=True, strict=True, validate=_AMOUNT)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(strict=True), load_default=None,
                         metadata={"description": "units per denomination in cents, e.g. {\"2000\": 3}"})


class ShiftListArgs(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(["open", "closed"]))
    date = fields.Date(load_default=None, metadata={"description": "business date, YYYY-MM-DD"})


class CashMovementArgs(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["in", "out"]))
    amount_cents = fields.Integer(required=True, strict=True,
                                  validate=validate.Range(min=1, max=PAYMENT_MAX_CENTS))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))


class CloseShiftArgs(Schema):
    counted_cash_cents = fields.Integer(strict=True, load_default=None, validate=_AMOUNT)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(strict=True), load_default=None)


class ShiftSchema(Schema):
    id = fields.String()
    register = fields.String()
    cashier = fields.String()
    status = fields.String()
    business_date = fields.String()
    opened_at = fields.String()
    closed_at = fields.String(allow_none=True)
    closed_by = fields.String(allow_none=True)
    opening_float_cents = fields.Integer()
    cash_expected_cents = fields.Integer(allow_none=True)
    cash_counted_cents = fields.Integer(allow_none=True)
    over_short_cents = fields.Integer(allow_none=True)


class ShiftListSchema(Schema):
    items = fields.List(fields.Nested(ShiftSchema))


class CashMovementSchema(Schema):
    id = fields.String()
    shift_id = fields.String()
    kind = fields.String()
    amount_cents = fields.Integer()
    reason = fields.String()
    cashier = fields.String()
    occurred_at = fields.String()


class ReportCashMovementSchema(Schema):
    id = fields.String()
    kind = fields.String()
    amount_cents = fields.Integer()
    reason = fields.String()
    cashier = fields.String()
    occurred_at = fields.String()


class TenderTotalsSchema(Schema):
    cash = fields.Integer()
    card = fields.Integer()


class ShiftReportSchema(ShiftSchema):
    kind = fields.String(metadata={"description": "X (so far) or Z (at close)"})
    sales_count = fields.Integer()
    returns_count = fields.Integer()
    gross_cents = fields.Integer(metadata={"description": "sales totals, taxes included"})
    net_sales_cents = fields.Integer(metadata={"description": "before taxes, net of returns"})
    returns_cents = fields.Integer(metadata={"description": "refunded, taxes included"})
    gst_cents = fields.Integer()
    qst_cents = fields.Integer()
    rounding_cents = fields.Integer()
    by_tender = fields.Nested(TenderTotalsSchema)
    cash_in_cents = fields.Integer()
    cash_out_cents = fields.Integer()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    cash_movements = fields.List(fields.Nested(ReportCashMovementSchema))
