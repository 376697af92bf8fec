from marshmallow import Schema, fields, validate


class ProductSchema(Schema):
    sku = fields.String()
    barcode = fields.String(allow_none=True)
    name = fields.String()
    category = fields.String()
    price_cents = fields.Integer()
    tax_class = fields.String()
    active = fields.Boolean()
    reorder_point = fields.Integer()
    max_stock = fields.Integer()
    version = fields.Integer()


class ProductQueryArgs(Schema):
    q = fields.String(validate=validate.Length(max=200))
    category = fields.String(validate=validate.Length(max=80))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class ProductPageSchema(Schema):
    items = fields.List(fields.Nested(ProductSchema))
    page = fields.Integer()
    page_size = fields.Integer()
    total = fields.Integer()
