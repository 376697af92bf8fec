from marshmallow import Schema, fields


class StoreSchema(Schema):
    store_id = fields.Function(lambda store: store.id)
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    timezone = fields.String()
    active = fields.Boolean()
    has_token = fields.Function(lambda store: store.token_hash is not None)


class StoreListSchema(Schema):
    items = fields.List(fields.Nested(StoreSchema))
