"""Building blocks shared by the feature schemas."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from common.limits import PAGE_MAX, PAGE_SIZE_MAX, SKU_MAX

SKU = fields.String(required=True, validate=validate.Length(min=1, max=SKU_MAX))


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=PAGE_MAX))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=PAGE_SIZE_MAX))


class DateArgs(Schema):
    date = fields.Date(load_default=None, metadata={"description": "business date, YYYY-MM-DD"})

