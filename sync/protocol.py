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
from typing import Any

import fastjsonschema
from marshmallow import Schema, fields, validate

from common.clock import parse_instant

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

MAX_INT = 2**31 - 1
UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
# An instant with its offset (or Z): times travel in UTC.
INSTANT_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"

# Wire schemas, as JSON Schema (draft 7): compiled once by fastjsonschema into plain Python,
# fast enough to check a day's worth of events as they arrive. Event payloads must hold these
# fields; extra fields are allowed (kept in the raw event head office stores) so a store can
# add detail without breaking older head offices.
_uuid = {"type": "string", "pattern": UUID_PATTERN}
_instant = {"type": "string", "pattern": INSTANT_PATTERN}
_date = {"type": "string", "pattern": DATE_PATTERN}
_cents = {"type": "integer", "minimum": -MAX_INT, "maximum": MAX_INT}
_count = {"type": "integer", "minimum": 1, "maximum": 1_000_000}
_sku = {"type": "string", "minLength": 1, "maxLength": 64}
_who = {"type": "string", "maxLength": 64}
_store = {"type": "integer", "minimum": 1, "maximum": MAX_INT}
_taxes = {"type": "object", "additionalProperties": {"type": "integer"}}
_tender = {
    "type": "object",
    "required": ["tender", "amount_cents"],
    "properties": {"tender": {"enum": ["cash", "card"]}, "amount_cents": _cents},
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
            "subtotal_cents": _cents,
            "discount_cents": _cents,
            "tax_cents": _cents,
            "taxes": _taxes,
            "total_cents": _cents,
            "change_cents": _cents,
            "lines": {
                "type": "array",
                "minItems": 1,
                "maxItems": 500,
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
                        "line_no": _count,
                        "sku": _sku,
                        "name": {"type": "string", "maxLength": 200},
                        "qty": _count,
                        "unit_price_cents": _cents,
                        "discount_cents": _cents,
                        "net_cents": _cents,
                        "tax_class": {"enum": ["standard", "exempt"]},
                    },
                },
            },
            "payments": {"type": "array", "maxItems": 50, "items": _tender},
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
            "receipt_number": {"type": ["string", "null"]},
            "store_id": _store,
            "cashier": _who,
            "occurred_at": _instant,
            "business_date": _date,
            "subtotal_cents": _cents,
            "tax_cents": _cents,
            "taxes": _taxes,
            "refund_cents": _cents,
            "lines": {
                "type": "array",
                "minItems": 1,
                "maxItems": 500,
                "items": {
                    "type": "object",
                    "required": ["sale_line_no", "sku", "qty", "net_cents"],
                    "properties": {
                        "sale_line_no": _count,
                        "sku": _sku,
                        "qty": _count,
                        "net_cents": _cents,
                        "tax_cents": _cents,
                    },
                },
            },
            "refunds": {"type": "array", "maxItems": 50, "items": _tender},
        },
    },
    "restock_request": {
        "type": "object",
        "required": ["id", "store_id", "sku", "qty", "occurred_at"],
        "properties": {
            "id": _uuid,
            "store_id": _store,
            "sku": _sku,
            "qty": {"type": "integer", "minimum": 1, "maximum": 100_000},
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
            "qty_received": {"type": "integer", "minimum": 0, "maximum": 1_000_000},
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
            "counted": {"type": "integer", "minimum": 0, "maximum": 10_000_000},
            "previous": {"type": ["integer", "null"]},
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
            "delta": {"type": "integer", "minimum": -10_000_000, "maximum": 10_000_000},
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
                "pending_events": {"type": "integer", "minimum": 0},
                "oldest_pending_age_s": {"type": ["integer", "null"], "minimum": 0},
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
    """Check a push request; returns it with ``event_id`` as UUID, ``occurred_at`` as datetime and
    ``position`` (1-based, in the body's ``events``) on each event; payloads stay as sent.
    Raises :class:`WireError`."""
    try:
        _check_push(body)
    except fastjsonschema.JsonSchemaValueException as exc:
        name = exc.name or "data"
        raise WireError({_place(name): [exc.message.replace(name, "the value")]}) from None
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
            _check_payload[event["type"]](event["payload"])
        except fastjsonschema.JsonSchemaValueException as exc:
            name = exc.name or "data"
            errors[f"events[{index}].payload{name[4:]}"] = [exc.message.replace(name, "the value")]
            continue
        problem = _totals_problem(event["type"], event["payload"])
        if problem:
            errors[f"events[{index}].payload"] = [problem]
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
            }
        )
    if errors:
        raise WireError(errors)
    return {**body, "events": loaded}


def _totals_problem(event_type: str, p: dict[str, Any]) -> str | None:
    if event_type == "sale":
        if p["total_cents"] != p["subtotal_cents"] + p["tax_cents"]:
            return "total_cents must be subtotal_cents + tax_cents"
        for line in p["lines"]:
            if line["net_cents"] != line["qty"] * line["unit_price_cents"] - line["discount_cents"]:
                return f"line {line['line_no']}: net_cents must be qty x unit price - discount"
        if sum(line["net_cents"] for line in p["lines"]) != p["subtotal_cents"]:
            return "subtotal_cents must be the sum of the lines' net_cents"
    elif event_type == "return" and p["refund_cents"] != p["subtotal_cents"] + p["tax_cents"]:
        return "refund_cents must be subtotal_cents + tax_cents"
    return None


class ChangesArgs(Schema):
    protocol = fields.Integer(required=True)
    store_id = fields.Integer(load_default=None)
    cursor = fields.String(load_default=None, validate=validate.Length(max=100))
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=MAX_CHANGES_PER_PULL))
