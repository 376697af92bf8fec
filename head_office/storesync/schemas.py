"""The OpenAPI shapes of ``/sync/v1``. The endpoints check requests with ``sync.protocol``
(its JSON Schema and ``ChangesArgs``); these schemas describe the same wire for the document."""

from marshmallow import Schema, fields, validate

from sync.protocol import (
    EVENT_TYPES,
    INSTANT_PATTERN,
    MAX_EVENTS_PER_PUSH,
    MAX_INT,
    ChangesArgs,
)

__all__ = ["ChangesArgs", "ChangesSchema", "PushArgs", "PushResultSchema"]


class PushStatusArgs(Schema):
    pending_events = fields.Integer(validate=validate.Range(min=0))
    oldest_pending_age_s = fields.Integer(allow_none=True, validate=validate.Range(min=0))
    totals = fields.Dict(allow_none=True, metadata={"description": "the store's last closed day"})


class PushEventArgs(Schema):
    event_id = fields.UUID(required=True)
    seq = fields.Integer(required=True, validate=validate.Range(min=1, max=2**62))
    type = fields.String(required=True, validate=validate.OneOf(EVENT_TYPES))
    occurred_at = fields.String(required=True, validate=validate.Regexp(INSTANT_PATTERN))
    payload = fields.Dict(
        required=True, metadata={"description": "the event as the store recorded it (see sync.protocol)"}
    )


class PushArgs(Schema):
    protocol = fields.Integer(required=True, metadata={"description": "1"})
    store_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_INT))
    status = fields.Nested(PushStatusArgs, allow_none=True)
    events = fields.List(
        fields.Nested(PushEventArgs), required=True, validate=validate.Length(max=MAX_EVENTS_PER_PUSH)
    )


class PushResultSchema(Schema):
    acked_through = fields.Integer(required=True, metadata={"description": "the last seq now held"})
    applied = fields.Integer(required=True)
    rejected = fields.Integer(required=True, metadata={"description": "kept as sync rejections"})
    duplicates = fields.Integer(required=True)


class ChangeSchema(Schema):
    id = fields.Integer(required=True)
    entity = fields.String(required=True)
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    payload = fields.Dict(required=True)


class ChangesSchema(Schema):
    changes = fields.List(fields.Nested(ChangeSchema), required=True)
    cursor = fields.String(required=True)
    has_more = fields.Boolean(required=True)
    snapshot = fields.Boolean(required=True)
