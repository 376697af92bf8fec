from marshmallow import Schema, fields, validate


class SessionArgs(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256), load_only=True)


class SessionUserSchema(Schema):
    username = fields.String(required=True)
    role = fields.String(required=True)
    store_id = fields.Integer(allow_none=True)


class TokenSchema(Schema):
    token = fields.String(required=True)
    expires_in_s = fields.Integer(required=True)
    user = fields.Nested(SessionUserSchema, required=True)
