"""Sale request and response shapes."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from common.i18n import _, field_error
from common.limits import (
    DISCOUNT_PERCENT_MAX,
    LINES_MAX,
    LINES_MIN,
    PAYMENT_MAX_CENTS,
    PAYMENT_MIN_CENTS,
    PAYMENTS_MAX,
    QTY_MAX,
    QTY_MIN,
    SKU_MAX,
    TEXT_MAX,
    UNIT_PRICE_MAX_CENTS,
)
from common.pricing import TENDERS


class SaleLineArgs(Schema):
    sku = fields.String(required=True, validate=validate.Length(min=1, max=SKU_MAX))
    qty = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(
            min=QTY_MIN, max=QTY_MAX,
            error=field_error(
                _("The quantity must be between %(min)s and %(max)s.", min=QTY_MIN, max=QTY_MAX)
            ),
        ),
    )
    # A number in the OpenAPI document (``as_string=False``), kept exact as a Decimal.
    discount_percent = fields.Decimal(
        allow_none=True, allow_nan=False,
        validate=validate.Range(min=0, max=DISCOUNT_PERCENT_MAX),
        metadata={"type": "number", "minimum": 0, "maximum": DISCOUNT_PERCENT_MAX},
    )
    discount_cents = fields.Integer(
        allow_none=True, strict=True, validate=validate.Range(min=0, max=QTY_MAX * UNIT_PRICE_MAX_CENTS),
        metadata={"description": "at most the line amount (qty x unit price)"},
    )

    @validates_schema
    def one_discount(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("discount_percent") is not None and data.get("discount_cents") is not None:
            raise ValidationError(_("Give discount_percent or discount_cents, not both."),
                                  "discount_cents")


class PaymentArgs(Schema):
    tender = fields.String(
        required=True,
        validate=validate.OneOf(TENDERS, error=field_error(_("Unknown tender: use cash or card."))),
    )
    amount_cents = fields.Integer(
        required=True, strict=True,
        validate=validate.Range(
            min=PAYMENT_MIN_CENTS, max=PAYMENT_MAX_CENTS,
            error=field_error(_("A payment is between %(min)s and %(max)s cents.",
                                min=PAYMENT_MIN_CENTS, max=PAYMENT_MAX_CENTS)),
        ),
    )


class CredentialsArgs(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))
    password = fields.String(required=True, validate=validate.Length(max=1024))


class SaleArgs(Schema):
    lines = fields.List(
        fields.Nested(SaleLineArgs), required=True,
        validate=validate.Length(min=LINES_MIN, max=LINES_MAX,
                                 error=field_error(_("A sale has between %(min)s and %(max)s lines.",
                                                   min=LINES_MIN, max=LINES_MAX))),
    )
    payments = fields.List(
        fields.Nested(PaymentArgs), load_default=list, validate=validate.Length(max=PAYMENTS_MAX)
    )
    register = fields.String(load_default="1", validate=validate.Length(min=1, max=32),
                             metadata={"description": "the register (cash drawer) selling; its "
                                       "shift must be open"})
    approver = fields.Nested(CredentialsArgs, allow_none=True, load_default=None,
                             metadata={"description": "a store manager's credentials, for "
                                       "discounts beyond the cashier's limit"})


class SaleLineSchema(Schema):
    line_no = fields.Integer()
    sku = fields.String()
    name = fields.String()
    qty = fields.Integer()
    unit_price_cents = fields.Integer()
    discount_cents = fields.Integer()
    net_cents = fields.Integer()
    tax_class = fields.String()
    tax_cents = fields.Integer()
    returned_qty = fields.Integer()


class PaymentSchema(Schema):
    tender = fields.String()
    amount_cents = fields.Integer()


class SaleReturnRef(Schema):
    id = fields.String()
    occurred_at = fields.String()
    refund_cents = fields.Integer()


class SaleSchema(Schema):
    id = fields.String()
    receipt_number = fields.String()
    store_id = fields.Integer()
    cashier = fields.String()
    approved_by = fields.String(allow_none=True)
    occurred_at = fields.String()
    business_date = fields.String()
    needs_count = fields.Boolean()
    subtotal_cents = fields.Integer()
    discount_cents = fields.Integer()
    tax_cents = fields.Integer()
    gst_cents = fields.Integer()
    qst_cents = fields.Integer()
    taxes = fields.Dict(keys=fields.String(), values=fields.Integer())
    total_cents = fields.Integer()
    paid_cents = fields.Integer()
    change_cents = fields.Integer()
    rounding_cents = fields.Integer(metadata={"description": "cash rounding to 5 cents (-2 to 2)"})
    receipt_language = fields.String(allow_none=True, metadata={
        "description": "the language its receipt is printed in (fr or en); reprints follow it"})
    register = fields.String(allow_none=True)
    shift_id = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(SaleLineSchema))
    payments = fields.List(fields.Nested(PaymentSchema))
    returns = fields.List(fields.Nested(SaleReturnRef))


class SaleSummarySchema(Schema):
    id = fields.String()
    receipt_number = fields.String()
    cashier = fields.String()
    occurred_at = fields.String()
    business_date = fields.String()
    subtotal_cents = fields.Integer()
    tax_cents = fields.Integer()
    total_cents = fields.Integer()
    needs_count = fields.Boolean()
    units = fields.Integer()
    refunded_cents = fields.Integer()


class SaleListSchema(Schema):
    business_date = fields.String()
    items = fields.List(fields.Nested(SaleSummarySchema))
