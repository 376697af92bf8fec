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

import uuid
from datetime import date
from typing import Any

import fastjsonschema
from marshmallow import Schema, fields, validate

from common.clock import parse_instant
from common.limits import (
    BUSINESS_YEAR_MAX,
    BUSINESS_YEAR_MIN,
    INT32_MAX,
    INT64_MAX,
    LINES_MAX,
    LINES_MIN,
    PAYMENT_MAX_CENTS,
    PAYMENT_MIN_CENTS,
    PAYMENTS_MAX,
    QTY_MAX,
    QTY_MIN,
    RESTOCK_QTY_MAX,
    SALE_MAX_CENTS,
    SKU_MAX,
    STOCK_LEVEL_MAX,
    TEXT_MAX,
    UNIT_PRICE_MAX_CENTS,
    non_finite_numbers,
    unprintable_strings,
)
from common.pricing import return_problem, sale_problem

PROTOCOL_VERSION = 1
MAX_EVENTS_PER_PUSH = 1000
DEFAULT_PUSH_BATCH = 1000
MAX_CHANGES_PER_PULL = 2000

EVENT_TYPES = (
    "sale",
    "return",
    "restock_request",
    "receipt_confirmation",
    "stock_count",
    "stock_adjustment",
    "shift_opened",
    "cash_movement",
    "shift_closed",
)

# Error codes (the ``code`` of an error reply)
PROTOCOL_MISMATCH = "protocol_mismatch"
SEQ_GAP = "seq_gap"
WRONG_STORE = "wrong_store"
INVALID_TOKEN = "invalid_sync_token"
UNKNOWN_CURSOR = "unknown_cursor"
# Store side: head office holds more of this store's events than the store ever wrote (its file
# was restored from a backup, or it is a new PC): see ``comptoir sync realign``.
STORE_BEHIND = "store_behind"
# Why a pushed event was parked (``sync_rejections.code``) for its content.
INVALID_TEXT = "invalid_text"

MAX_INT = INT32_MAX  # an INTEGER column: store ids
UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
# An instant with its offset (or Z): times travel in UTC.
INSTANT_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"

# Wire schemas, as JSON Schema (draft 7): compiled once by fastjsonschema into plain Python,
# fast enough to check a day's worth of events as they arrive. Every bound comes from
# ``common.limits``, the table the till and the store API enforce: whatever a store accepts
# fits here. Event payloads must hold these fields; extra fields are allowed (kept in the raw
# event head office stores) so a store can add detail without breaking older head offices.
#
# The envelope (``PUSH_SCHEMA``) is checked first: a malformed one refuses the whole push. A
# payload that breaks its schema, carries an impossible date or does not add up is parked
# with its reason (``load_push`` returns it as the event's ``problem``), never applied and
# never a reason to refuse the batch.
_uuid = {"type": "string", "pattern": UUID_PATTERN}
_instant = {"type": "string", "pattern": INSTANT_PATTERN}
_date = {"type": "string", "pattern": DATE_PATTERN}
_money = {"type": "integer", "minimum": 0, "maximum": SALE_MAX_CENTS}  # a sale's amounts
_cents = {"type": "integer", "minimum": -INT64_MAX, "maximum": INT64_MAX}  # a signed total (BIGINT)
_line_money = {"type": "integer", "minimum": 0, "maximum": QTY_MAX * UNIT_PRICE_MAX_CENTS}
_unit_price = {"type": "integer", "minimum": 0, "maximum": UNIT_PRICE_MAX_CENTS}
_qty = {"type": "integer", "minimum": QTY_MIN, "maximum": QTY_MAX}
_line_no = {"type": "integer", "minimum": 1, "maximum": LINES_MAX}
_sku = {"type": "string", "minLength": 1, "maxLength": SKU_MAX}
_who = {"type": "string", "maxLength": 64}
_store = {"type": "integer", "minimum": 1, "maximum": MAX_INT}
_taxes = {"type": "object", "additionalProperties": _money}
_payment = {
    "type": "object",
    "required": ["tender", "amount_cents"],
    "properties": {
        "tender": {"enum": ["cash", "card"]},
        "amount_cents": {"type": "integer", "minimum": PAYMENT_MIN_CENTS, "maximum": PAYMENT_MAX_CENTS},
    },
}
_refund = {
    "type": "object",
    "required": ["tender", "amount_cents"],
    "properties": {"tender": {"enum": ["cash", "card"]}, "amount_cents": _money},
}

PAYLOAD_SCHEMAS: dict[str, dict[str, Any]] = {
    "sale": {
        "type": "object",
        "required": [
            "id",
            "receipt_number",
            "store_id",
            "cashier",
            "occurred_at",
            "business_date",
            "subtotal_cents",
            "tax_cents",
            "total_cents",
            "lines",
        ],
        "properties": {
            "id": _uuid,
            "receipt_number": {"type": "string", "minLength": 1, "maxLength": 32},
            "store_id": _store,
            "cashier": _who,
            "occurred_at": _instant,
            "business_date": _date,
            "needs_count": {"type": "boolean"},
            "subtotal_cents": _money,
            "discount_cents": _money,
            "tax_cents": _money,
            "taxes": _taxes,
            "total_cents": _money,
            "change_cents": {"type": "integer", "minimum": 0, "maximum": PAYMENTS_MAX * PAYMENT_MAX_CENTS},
            "lines": {
                "type": "array",
                "minItems": LINES_MIN,
                "maxItems": LINES_MAX,
                "items": {
                    "type": "object",
                    "required": [
                        "line_no",
                        "sku",
                        "name",
                        "qty",
                        "unit_price_cents",
                        "discount_cents",
                        "net_cents",
                        "tax_class",
                    ],
                    "properties": {
                        "line_no": _line_no,
                        "sku": _sku,
                        "name": {"type": "string", "maxLength": TEXT_MAX},
                        "qty": _qty,
                        "unit_price_cents": _unit_price,
                        "discount_cents": _line_money,
                        "net_cents": _line_money,
                        "tax_class": {"enum": ["standard", "exempt"]},
                        "tax_cents": _money,
                    },
                },
            },
            "payments": {"type": "array", "maxItems": PAYMENTS_MAX, "items": _payment},
        },
    },
    "return": {
        "type": "object",
        "required": [
            "id",
            "sale_id",
            "store_id",
            "cashier",
            "occurred_at",
            "business_date",
            "subtotal_cents",
            "tax_cents",
            "refund_cents",
            "lines",
        ],
        "properties": {
            "id": _uuid,
            "sale_id": _uuid,
            "receipt_number": {"type": ["string", "null"], "maxLength": 32},
            "store_id": _store,
            "cashier": _who,
            "occurred_at": _instant,
            "business_date": _date,
            "subtotal_cents": _money,
            "tax_cents": _money,
            "taxes": _taxes,
            "refund_cents": _money,
            "lines": {
                "type": "array",
                "minItems": LINES_MIN,
                "maxItems": LINES_MAX,
                "items": {
                    "type": "object",
                    "required": ["sale_line_no", "sku", "qty", "net_cents"],
                    "properties": {
                        "sale_line_no": _line_no,
                        "sku": _sku,
                        "qty": _qty,
                        "net_cents": _line_money,
                        "tax_cents": _money,
                    },
                },
            },
            "refunds": {"type": "array", "maxItems": PAYMENTS_MAX, "items": _refund},
            # The tender the return named (None: split as the sale was paid) and what cash
            # rounding added to the cash refunded (absent from older stores: 0).
            "tender": {"enum": ["cash", "card", None]},
            "rounding_cents": {"type": "integer", "minimum": -2, "maximum": 2},
        },
    },
    "restock_request": {
        "type": "object",
        "required": ["id", "store_id", "sku", "qty", "occurred_at"],
        "properties": {
            "id": _uuid,
            "store_id": _store,
            "sku": _sku,
            "qty": {"type": "integer", "minimum": 1, "maximum": RESTOCK_QTY_MAX},
            "requested_by": _who,
            "occurred_at": _instant,
        },
    },
    "receipt_confirmation": {
        "type": "object",
        "required": ["request_id", "store_id", "sku", "qty_received", "occurred_at"],
        "properties": {
            "request_id": _uuid,
            "store_id": _store,
            "sku": _sku,
            "qty_received": {"type": "integer", "minimum": 0, "maximum": STOCK_LEVEL_MAX},
            "occurred_at": _instant,
            "by": _who,
        },
    },
    "stock_count": {
        "type": "object",
        "required": ["store_id", "sku", "counted", "occurred_at"],
        "properties": {
            "store_id": _store,
            "sku": _sku,
            "counted": {"type": "integer", "minimum": 0, "maximum": STOCK_LEVEL_MAX},
            "previous": {"type": ["integer", "null"]},  # for people reading the event; not applied
            "delta": {"type": ["integer", "null"]},
            "occurred_at": _instant,
            "by": _who,
        },
    },
    "stock_adjustment": {
        "type": "object",
        "required": ["store_id", "sku", "delta", "occurred_at"],
        "properties": {
            "store_id": _store,
            "sku": _sku,
            "delta": {"type": "integer", "minimum": -STOCK_LEVEL_MAX, "maximum": STOCK_LEVEL_MAX},
            "reason": {"type": "string", "maxLength": 500},
            "occurred_at": _instant,
            "by": _who,
        },
    },
    "shift_opened": {
        "type": "object",
        "required": ["id", "store_id", "register", "cashier", "opened_at", "opening_float_cents"],
        "properties": {
            "id": _uuid,
            "store_id": _store,
            "register": {"type": "string", "minLength": 1, "maxLength": 32},
            "cashier": _who,
            "business_date": _date,
            "opened_at": _instant,
            "opening_float_cents": {"type": "integer", "minimum": 0, "maximum": MAX_INT},
        },
    },
    "cash_movement": {
        "type": "object",
        "required": ["id", "shift_id", "store_id", "kind", "amount_cents", "occurred_at"],
        "properties": {
            "id": _uuid,
            "shift_id": _uuid,
            "store_id": _store,
            "kind": {"enum": ["in", "out"]},
            "amount_cents": {"type": "integer", "minimum": 1, "maximum": MAX_INT},
            "reason": {"type": "string", "maxLength": 500},
            "cashier": _who,
            "occurred_at": _instant,
        },
    },
    "shift_closed": {
        "type": "object",
        "required": [
            "id", "store_id", "register", "cashier", "opened_at", "closed_at",
            "opening_float_cents", "cash_expected_cents", "cash_counted_cents", "over_short_cents",
        ],
        "properties": {
            "id": _uuid,
            "store_id": _store,
            "register": {"type": "string", "minLength": 1, "maxLength": 32},
            "cashier": _who,
            "business_date": _date,
            "opened_at": _instant,
            "closed_at": _instant,
            "opening_float_cents": {"type": "integer", "minimum": 0, "maximum": MAX_INT},
            "cash_expected_cents": _cents,
            "cash_counted_cents": {"type": "integer", "minimum": 0, "maximum": MAX_INT},
            "over_short_cents": _cents,
            "report": {"type": "object"},
        },
    },
}

PUSH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["protocol", "store_id", "events"],
    "additionalProperties": False,
    "properties": {
        "protocol": {"type": "integer"},
        "store_id": _store,
        "status": {
            "type": ["object", "null"],
            "properties": {
                # What the store reports of itself; head office stores it clamped to its columns.
                "pending_events": {"type": "integer", "minimum": 0, "maximum": INT64_MAX},
                "oldest_pending_age_s": {"type": ["integer", "null"], "minimum": 0, "maximum": INT64_MAX},
                "totals": {"type": ["object", "null"]},
            },
        },
        "events": {
            "type": "array",
            "maxItems": MAX_EVENTS_PER_PUSH,
            "items": {
                "type": "object",
                "required": ["event_id", "seq", "type", "occurred_at", "payload"],
                "additionalProperties": False,
                "properties": {
                    "event_id": _uuid,
                    "seq": {"type": "integer", "minimum": 1, "maximum": 2**62},
                    "type": {"enum": list(EVENT_TYPES)},
                    "occurred_at": _instant,
                    "payload": {"type": "object"},
                },
            },
        },
    },
}

_check_push = fastjsonschema.compile(PUSH_SCHEMA)
# Each payload is checked by its type's own compiled schema (3x faster than one schema
# with a conditional per type).
_check_payload = {name: fastjsonschema.compile(schema) for name, schema in PAYLOAD_SCHEMAS.items()}


class WireError(ValueError):
    """A malformed push: ``errors`` maps the place at fault to what is wrong."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def _place(name: str) -> str:
    return name[5:] if name.startswith("data.") else ("body" if name == "data" else name)


def load_push(body: Any) -> dict[str, Any]:
    """Check a push request; returns it with ``event_id`` as UUID, ``occurred_at`` as datetime,
    ``position`` (1-based, in the body's ``events``) and ``problem`` on each event; payloads stay
    as sent.

    A malformed envelope raises :class:`WireError` (the whole push is refused). An event whose
    payload cannot be taken for its content gets ``problem = (code, reason)``: the caller parks
    it and goes on.
    """
    try:
        _check_push(body)
    except fastjsonschema.JsonSchemaValueException as exc:
        name = exc.name or "data"
        raise WireError({_place(name): [exc.message.replace(name, "the value")]}) from None
    # Text and numbers outside the events' payloads are the envelope's: unprintable text or a
    # number past a float there, and the push is malformed.
    envelope = {key: value for key, value in body.items() if key != "events"}
    unprintable = unprintable_strings(envelope)
    if unprintable:
        raise WireError({place: ["only printable characters"] for place in unprintable})
    too_large = non_finite_numbers(envelope)
    if too_large:
        raise WireError({place: ["a number too large to store"] for place in too_large})
    events = body["events"]
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    loaded = []
    for index, event in enumerate(events):
        if index and event["seq"] != events[index - 1]["seq"] + 1:
            errors["events"] = ["events must be in seq order with no gap inside a batch"]
        if event["event_id"] in seen:
            errors["events"] = ["an event_id appears twice in the batch"]
        seen.add(event["event_id"])
        try:
            occurred_at = parse_instant(event["occurred_at"])
        except ValueError:
            errors[f"events[{index}].occurred_at"] = ["not a valid instant"]
            continue
        loaded.append(
            {
                **event,
                "event_id": uuid.UUID(event["event_id"]),
                "occurred_at": occurred_at,
                "position": index + 1,
                "problem": payload_problem(event["type"], event["payload"]),
            }
        )
    if errors:
        raise WireError(errors)
    return {**body, "events": loaded}


def payload_problem(event_type: str, payload: dict[str, Any]) -> tuple[str, str] | None:
    """``(code, reason)`` when head office cannot take an event for its content, else None:
    its text (printable, as the till takes it), its schema (within the limits), its dates, then a
    sale's or return's own arithmetic."""
    unprintable = unprintable_strings(payload, "payload")
    if unprintable:
        return INVALID_TEXT, (f"{', '.join(unprintable[:5])}: only printable characters "
                              "(no NUL, control characters or lone surrogates)")
    too_large = non_finite_numbers(payload, "payload")
    if too_large:
        return "invalid_payload", f"{', '.join(too_large[:5])}: a number too large to store"
    try:
        _check_payload[event_type](payload)
    except fastjsonschema.JsonSchemaValueException as exc:
        name = exc.name or "data"
        place = "payload" + name[4:]
        return "invalid_payload", f"{place}: {exc.message.replace(name, 'the value')}"
    problem = _dates_problem(payload)
    if problem:
        return "invalid_date", problem
    if event_type == "sale":
        problem = sale_problem(payload)
    elif event_type == "return":
        problem = return_problem(payload)
    if problem:
        return "does_not_add_up", problem
    return None


def _dates_problem(payload: dict[str, Any]) -> str | None:
    """A real calendar date and instant, in a year a till's clock can be in."""
    for key in ("business_date", "occurred_at", "opened_at", "closed_at"):
        text = payload.get(key)
        if text is None:
            continue
        try:
            value = date.fromisoformat(text) if key == "business_date" else parse_instant(text)
        except (ValueError, OverflowError):
            return f"payload.{key}: {text!r} is not a real {'date' if key == 'business_date' else 'instant'}"
        if not BUSINESS_YEAR_MIN <= value.year <= BUSINESS_YEAR_MAX:
            return f"payload.{key}: {text!r} is outside the years {BUSINESS_YEAR_MIN} to {BUSINESS_YEAR_MAX}"
    return None


class ChangesArgs(Schema):
    protocol = fields.Integer(required=True)
    store_id = fields.Integer(load_default=None)
    cursor = fields.String(load_default=None, validate=validate.Length(max=100))
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=MAX_CHANGES_PER_PULL))
