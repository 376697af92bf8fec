"""Sync protocol v1: what travels between a store and head office.

Push (store -> head office), ``POST /sync/v1/push``::

    {"protocol": 1, "store_id": 3, "events": [{event_id, seq, type, occurred_at, payload}, ...],
     "status": {"pending_events": 12, "oldest_pending_age_s": 40, "totals": {...}}}

reply ``{"acked_through": N, "applied": a, "rejected": r, "duplicates": d}``; a gap is
refused with HTTP 409 ``{"code": "seq_gap", "errors": {"expected_seq": N}}``.

Pull (head office -> store), ``GET /sync/v1/changes?protocol=1&cursor=C&limit=L``, reply
``{"changes": [{id, entity, key, version, payload}], "cursor": C2, "has_more": bool,
"snapshot": bool}``. No cursor: a full snapshot (in pages; ``snapshot`` is true on each
page of it and the store applies it only once complete). A cursor head office no longer
knows: HTTP 409 ``unknown_cursor``.
"""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate, validates_schema

PROTOCOL_VERSION = 1
MAX_EVENTS_PER_PUSH = 1000
DEFAULT_PUSH_BATCH = 500
MAX_CHANGES_PER_PULL = 2000

EVENT_TYPES = (
    "sale",
    "return",
    "restock_request",
    "receipt_confirmation",
    "stock_count",
    "stock_adjustment",
)
CHANGE_ENTITIES = ("product", "user", "central_stock", "replenishment", "opening_stock", "store")

# Error codes (the ``code`` of an error reply)
PROTOCOL_MISMATCH = "protocol_mismatch"
SEQ_GAP = "seq_gap"
WRONG_STORE = "wrong_store"
INVALID_TOKEN = "invalid_sync_token"
UNKNOWN_CURSOR = "unknown_cursor"
MALFORMED = "validation_failed"

MAX_INT = 2**31 - 1
_cents: dict[str, Any] = {"strict": True, "validate": validate.Range(min=-MAX_INT, max=MAX_INT)}
_count: dict[str, Any] = {"strict": True, "validate": validate.Range(min=1, max=1_000_000)}


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class _Payload(Schema):
    """Event payloads: required fields must be there and right; extra fields are kept in the
    raw event (head office stores it whole) but ignored, so a store can add detail safely."""

    class Meta:
        unknown = EXCLUDE


class SaleLinePayload(_Payload):
    line_no = fields.Integer(required=True, **_count)
    sku = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = fields.String(required=True, validate=validate.Length(max=200))
    qty = fields.Integer(required=True, **_count)
    unit_price_cents = fields.Integer(required=True, **_cents)
    discount_cents = fields.Integer(required=True, **_cents)
    net_cents = fields.Integer(required=True, **_cents)
    tax_class = fields.String(required=True, validate=validate.OneOf(["standard", "exempt"]))


class PaymentPayload(_Payload):
    tender = fields.String(required=True, validate=validate.OneOf(["cash", "card"]))
    amount_cents = fields.Integer(required=True, **_cents)


class SalePayload(_Payload):
    id = fields.UUID(required=True)
    receipt_number = fields.String(required=True, validate=validate.Length(min=1, max=32))
    store_id = fields.Integer(required=True, strict=True)
    cashier = fields.String(required=True, validate=validate.Length(max=64))
    occurred_at = fields.AwareDateTime(required=True)
    business_date = fields.Date(required=True)
    needs_count = fields.Boolean(load_default=False)
    subtotal_cents = fields.Integer(required=True, **_cents)
    discount_cents = fields.Integer(load_default=0, **_cents)
    tax_cents = fields.Integer(required=True, **_cents)
    taxes = fields.Dict(keys=fields.String(), values=fields.Integer(strict=True), load_default=dict)
    total_cents = fields.Integer(required=True, **_cents)
    change_cents = fields.Integer(load_default=0, **_cents)
    lines = fields.List(
        fields.Nested(SaleLinePayload), required=True, validate=validate.Length(min=1, max=500)
    )
    payments = fields.List(fields.Nested(PaymentPayload), load_default=list)

    @validates_schema
    def totals_add_up(self, data: dict[str, Any], **_: Any) -> None:
        if data["total_cents"] != data["subtotal_cents"] + data["tax_cents"]:
            raise ValidationError("total_cents must be subtotal_cents + tax_cents", "total_cents")
        for line in data["lines"]:
            if line["net_cents"] != line["qty"] * line["unit_price_cents"] - line["discount_cents"]:
                raise ValidationError(
                    f"line {line['line_no']}: net_cents must be qty x unit price - discount", "lines"
                )
        if sum(line["net_cents"] for line in data["lines"]) != data["subtotal_cents"]:
            raise ValidationError("subtotal_cents must be the sum of the lines' net_cents", "subtotal_cents")


class ReturnLinePayload(_Payload):
    sale_line_no = fields.Integer(required=True, **_count)
    sku = fields.String(required=True, validate=validate.Length(min=1, max=64))
    qty = fields.Integer(required=True, **_count)
    net_cents = fields.Integer(required=True, **_cents)
    tax_cents = fields.Integer(load_default=0, **_cents)


class ReturnPayload(_Payload):
    id = fields.UUID(required=True)
    sale_id = fields.UUID(required=True)
    receipt_number = fields.String(load_default=None, allow_none=True)
    store_id = fields.Integer(required=True, strict=True)
    cashier = fields.String(required=True, validate=validate.Length(max=64))
    occurred_at = fields.AwareDateTime(required=True)
    business_date = fields.Date(required=True)
    subtotal_cents = fields.Integer(required=True, **_cents)
    tax_cents = fields.Integer(required=True, **_cents)
    taxes = fields.Dict(keys=fields.String(), values=fields.Integer(strict=True), load_default=dict)
    refund_cents = fields.Integer(required=True, **_cents)
    lines = fields.List(
        fields.Nested(ReturnLinePayload), required=True, validate=validate.Length(min=1, max=500)
    )
    refunds = fields.List(fields.Nested(PaymentPayload), load_default=list)

    @validates_schema
    def totals_add_up(self, data: dict[str, Any], **_: Any) -> None:
        if data["refund_cents"] != data["subtotal_cents"] + data["tax_cents"]:
            raise ValidationError("refund_cents must be subtotal_cents + tax_cents", "refund_cents")


class RestockRequestPayload(_Payload):
    id = fields.UUID(required=True)
    store_id = fields.Integer(required=True, strict=True)
    sku = fields.String(required=True, validate=validate.Length(min=1, max=64))
    qty = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100_000))
    requested_by = fields.String(load_default="", validate=validate.Length(max=64))
    occurred_at = fields.AwareDateTime(required=True)


class ReceiptConfirmationPayload(_Payload):
    request_id = fields.UUID(required=True)
    store_id = fields.Integer(required=True, strict=True)
    sku = fields.String(required=True, validate=validate.Length(min=1, max=64))
    qty_received = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=1_000_000))
    occurred_at = fields.AwareDateTime(required=True)
    by = fields.String(load_default="", validate=validate.Length(max=64))


class StockCountPayload(_Payload):
    store_id = fields.Integer(required=True, strict=True)
    sku = fields.String(required=True, validate=validate.Length(min=1, max=64))
    counted = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=10_000_000))
    previous = fields.Integer(load_default=None, allow_none=True, strict=True)
    delta = fields.Integer(load_default=None, allow_none=True, strict=True)
    occurred_at = fields.AwareDateTime(required=True)
    by = fields.String(load_default="", validate=validate.Length(max=64))


class StockAdjustmentPayload(_Payload):
    store_id = fields.Integer(required=True, strict=True)
    sku = fields.String(required=True, validate=validate.Length(min=1, max=64))
    delta = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=-10_000_000, max=10_000_000)
    )
    reason = fields.String(load_default="", validate=validate.Length(max=500))
    occurred_at = fields.AwareDateTime(required=True)
    by = fields.String(load_default="", validate=validate.Length(max=64))


PAYLOAD_SCHEMAS: dict[str, type[Schema]] = {
    "sale": SalePayload,
    "return": ReturnPayload,
    "restock_request": RestockRequestPayload,
    "receipt_confirmation": ReceiptConfirmationPayload,
    "stock_count": StockCountPayload,
    "stock_adjustment": StockAdjustmentPayload,
}
_payload_instances = {name: cls() for name, cls in PAYLOAD_SCHEMAS.items()}


class EventSchema(_Strict):
    event_id = fields.UUID(required=True)
    seq = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**62))
    type = fields.String(required=True, validate=validate.OneOf(EVENT_TYPES))
    occurred_at = fields.AwareDateTime(required=True)
    payload = fields.Dict(required=True)

    @validates_schema
    def payload_fits_type(self, data: dict[str, Any], **_: Any) -> None:
        schema = _payload_instances.get(data.get("type", ""))
        if schema is None:
            return
        errors = schema.validate(data["payload"])
        if errors:
            raise ValidationError(errors, "payload")


class PushStatusSchema(Schema):
    """What the store says of itself on each push (shown on the dashboard)."""

    pending_events = fields.Integer(strict=True, validate=validate.Range(min=0))
    oldest_pending_age_s = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0))
    totals = fields.Dict(allow_none=True)


class PushRequestSchema(_Strict):
    protocol = fields.Integer(required=True, strict=True)
    store_id = fields.Integer(required=True, strict=True)
    events = fields.List(
        fields.Nested(EventSchema), required=True, validate=validate.Length(max=MAX_EVENTS_PER_PUSH)
    )
    status = fields.Nested(PushStatusSchema, load_default=None, allow_none=True)

    @validates_schema
    def seqs_are_contiguous(self, data: dict[str, Any], **_: Any) -> None:
        seqs = [event["seq"] for event in data.get("events", [])]
        if any(b != a + 1 for a, b in zip(seqs, seqs[1:], strict=False)):
            raise ValidationError("events must be in seq order with no gap inside a batch", "events")
        ids = [event["event_id"] for event in data.get("events", [])]
        if len(set(ids)) != len(ids):
            raise ValidationError("an event_id appears twice in the batch", "events")


class PushResponseSchema(Schema):
    acked_through = fields.Integer()
    applied = fields.Integer()
    rejected = fields.Integer()
    duplicates = fields.Integer()


class ChangesArgs(Schema):
    protocol = fields.Integer(required=True)
    store_id = fields.Integer(load_default=None)
    cursor = fields.String(load_default=None, validate=validate.Length(max=100))
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=MAX_CHANGES_PER_PULL))


class ChangeSchema(Schema):
    id = fields.Integer()
    entity = fields.String()
    key = fields.String()
    version = fields.Integer()
    payload = fields.Dict()


class ChangesResponseSchema(Schema):
    changes = fields.List(fields.Nested(ChangeSchema))
    cursor = fields.String()
    has_more = fields.Boolean()
    snapshot = fields.Boolean()
