"""marshmallow schemas both services share (no Flask): a product and an error on the wire."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from http import HTTPStatus
from typing import Any

from marshmallow import Schema, fields


class ProductSchema(Schema):
    """A product as both APIs show it (field names other scripts rely on)."""

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


class ErrorSchema(Schema):
    """Every error either service answers: ``{code, status, message, errors}`` (DESIGN.md "Security")."""

    code = fields.String(
        required=True, metadata={"description": "stable machine-readable code, e.g. validation_error"}
    )
    status = fields.Integer(required=True, metadata={"description": "the HTTP status, repeated"})
    message = fields.String(required=True, metadata={"description": "a sentence for people"})
    errors = fields.Dict(
        required=True, metadata={"description": "details by field or place at fault (may be empty)"}
    )


_NUMERIC_LIMITS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")


def numeric_limits_as_numbers(_converter: object, field: object, ret: dict, **_kwargs: object) -> dict:
    """An apispec attribute function: limits are JSON numbers, whatever the field serialises to.

    apispec writes a range through the field's own serialiser, so a ``Decimal`` field's
    ``maximum`` would come out as the string ``"100"``, which no client can use.
    """
    fixed: dict = {}
    for key in _NUMERIC_LIMITS:
        value = ret.get(key)
        if value is None or isinstance(value, bool) or isinstance(value, int | float):
            continue
        number = Decimal(str(value))
        fixed[key] = int(number) if number == number.to_integral_value() else float(number)
    return fixed


def error_responses(blueprint: Any, *statuses: int) -> Callable[[Any], Any]:
    """Document on a flask-smorest view that it may answer each of ``statuses`` with the
    common error body: ``@error_responses(blp, 401, 403)``."""

    def decorator(view: Any) -> Any:
        for status in statuses:
            view = blueprint.alt_response(status, response=HTTPStatus(status).name)(view)
        return view

    return decorator
