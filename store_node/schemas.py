"""Building blocks shared by the feature schemas."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

SKU = fields.String(required=True, validate=validate.Length(min=1, max=64))


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class DateArgs(Schema):
    date = fields.Date(load_default=None, metadata={"description": "business date, YYYY-MM-DD"})

