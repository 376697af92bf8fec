"""Shop API bodies: ``...Args`` for input, ``...Schema`` for output."""

from __future__ import annotations

from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from common.i18n import _, field_error
from common.limits import INT64_MAX, PAGE_MAX, PAGE_SIZE_MAX, QTY_MAX, TEXT_MAX
from common.schemas import Id

from ..models import ORDER_STATUSES, SAGA_STATES
from .payments import luhn_ok


class CustomerArgs(Schema):
    email = fields.String(required=True, validate=[validate.Length(min=3, max=TEXT_MAX), validate.Email()])
    password = fields.String(required=True, validate=validate.Length(min=8, max=TEXT_MAX))
    name = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))


class CustomerSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()


class ShopProductQueryArgs(Schema):
    q = fields.String(validate=validate.Length(max=TEXT_MAX))
    category = fields.String(validate=validate.Length(max=TEXT_MAX))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=PAGE_MAX))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=PAGE_SIZE_MAX))


class ShopProductSchema(Schema):
    sku = fields.String()
    name = fields.String()
    category = fields.String()
    price_cents = fields.Integer()
    tax_class = fields.String()
    available = fields.Integer()


class ShopProductPageSchema(Schema):
    items = fields.List(fields.Nested(ShopProductSchema))
    page = fields.Integer()
    page_size = fields.Integer()
    total = fields.Integer()


class CartLineSchema(Schema):
    sku = fields.String()
    name = fields.String()
    qty = fields.Integer()
    unit_price_cents = fields.Integer()
    net_cents = fields.Integer()
    tax_class = fields.String()
    available = fields.Integer()


class CartSchema(Schema):
    lines = fields.List(fields.Nested(CartLineSchema))
    subtotal_cents = fields.Integer()
    gst_cents = fields.Integer()
    qst_cents = fields.Integer()
    taxes = fields.Dict(keys=fields.String(), values=fields.Integer())
    tax_cents = fields.Integer()
    total_cents = fields.Integer()


class CartLineArgs(Schema):
    qty = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=QTY_MAX))


class CardArgs(Schema):
    number = fields.String(required=True, validate=validate.Length(min=12, max=30))
    exp_month = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=12))
    exp_year = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2100))
    cvc = fields.String(
        required=True, validate=validate.Regexp(r"^[0-9]{3,4}$", error=field_error(_("3 or 4 digits.")))
    )

    @validates_schema
    def _card(self, data, **_kwargs):
        digits = "".join(str(data.get("number", "")).split()).replace("-", "")
        if not (digits.isascii() and digits.isdigit()) or not 12 <= len(digits) <= 19 or not luhn_ok(digits):
            raise ValidationError({"number": ["Not a valid card number."]})
        today = date.today()
        if (
            "exp_year" in data
            and "exp_month" in data
            and (data["exp_year"], data["exp_month"]) < (today.year, today.month)
        ):
            raise ValidationError({"exp_year": ["This card has expired."]})


class CheckoutArgs(Schema):
    card = fields.Nested(CardArgs, required=True)


class CheckoutSchema(Schema):
    order_id = fields.Integer()
    status = fields.String()
    total_cents = fields.Integer()


class CheckoutRefusalSchema(Schema):
    code = fields.String()
    status = fields.Integer()
    message = fields.String()
    errors = fields.Dict()
    order_id = fields.Integer()
    order_status = fields.String()


class StepSchema(Schema):
    name = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    started_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    error = fields.String(allow_none=True)


class SagaSchema(Schema):
    id = fields.Integer()
    order_id = fields.Integer()
    state = fields.String()
    compensating = fields.Boolean()
    reason = fields.Dict(allow_none=True)
    runs = fields.Integer()
    created_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)
    steps = fields.List(fields.Nested(StepSchema))


class OrderLineSchema(Schema):
    sku = fields.String()
    name = fields.String()
    qty = fields.Integer()
    unit_price_cents = fields.Integer()
    net_cents = fields.Integer()


class OrderSchema(Schema):
    id = fields.Integer()
    customer_id = fields.Integer()
    status = fields.String()
    lines = fields.List(fields.Nested(OrderLineSchema))
    subtotal_cents = fields.Integer()
    gst_cents = fields.Integer()
    qst_cents = fields.Integer()
    tax_cents = fields.Integer()
    total_cents = fields.Integer()
    card_last4 = fields.String()
    created_at = fields.DateTime()
    confirmed_at = fields.DateTime(allow_none=True)
    shipped_at = fields.DateTime(allow_none=True)
    cancelled_at = fields.DateTime(allow_none=True)
    cancel_reason = fields.String()
    saga = fields.Nested(SagaSchema, allow_none=True)


class OrderListSchema(Schema):
    items = fields.List(fields.Nested(OrderSchema))


class OrderQueryArgs(Schema):
    status = fields.String(validate=validate.OneOf(ORDER_STATUSES))


class SagaQueryArgs(Schema):
    state = fields.String(validate=validate.OneOf(SAGA_STATES))


class SagaListSchema(Schema):
    items = fields.List(fields.Nested(SagaSchema))
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())


class PaymentQueryArgs(Schema):
    order_id = Id(maximum=INT64_MAX)


class PaymentSchema(Schema):
    kind = fields.String()
    amount_cents = fields.Integer()
    order_id = fields.Integer(allow_none=True)
    at = fields.DateTime()
    card_last4 = fields.String()


class PaymentListSchema(Schema):
    items = fields.List(fields.Nested(PaymentSchema))
