"""Building blocks shared by the feature schemas."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from common.limits import SKU_MAX
from common.schemas import PageArgs

SKU = fields.String(required=True, validate=validate.Length(min=1, max=SKU_MAX))

__all__ = ["SKU", "DateArgs", "PageArgs"]


class DateArgs(Schema):
    date = fields.Date(load_default=None, metadata={"description": "business date, YYYY-MM-DD"})

