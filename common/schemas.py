"""marshmallow schemas and fields both services share (no Flask): a product and an error on the wire,
and the strict fields every query and body takes its numbers and ids through.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from http import HTTPStatus
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from . import limits
from .errors import NotFound
from .i18n import _


class AsciiInteger(fields.Integer):
    """An integer written in ASCII digits (``"²"``, ``"٣"`` and ``"1e3"`` are refused), within bounds.

    Bounds default to an INTEGER column (``limits.INT32_MAX``); out of range is a 422.
    """

    def __init__(self, *, minimum: int = -limits.INT32_MAX - 1, maximum: int = limits.INT32_MAX,
                 **kwargs: Any) -> None:
        kwargs.setdefault("strict", True)  # 3.5 is not an integer
        kwargs["metadata"] = {"minimum": minimum, "maximum": maximum, **kwargs.get("metadata", {})}
        super().__init__(**kwargs)
        self.minimum, self.maximum = minimum, maximum

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool):
            raise ValidationError("Not a valid integer.")
        if isinstance(value, str):
            number = limits.parse_ascii_int(value, minimum=-limits.INT64_MAX, maximum=limits.INT64_MAX)
            if number is None or value.strip() != value:
                raise ValidationError("Not a valid integer (ASCII digits).")
            value = number
        result = super()._deserialize(value, attr, data, **kwargs)
        if result is None:
            raise ValidationError("Not a valid integer.")
        if not self.minimum <= result <= self.maximum:
            self._out_of_range(result)
        return int(result)

    def _out_of_range(self, value: int) -> None:
        raise ValidationError(f"Must be between {self.minimum} and {self.maximum}.")


class Id(AsciiInteger):
    """The id of a row (a store, a user, a request): 1 to ``limits.INT32_MAX``.

    An id beyond its column's range names nothing: 404 ``not_found`` (DESIGN.md "Limits"), not 422.
    """

    def __init__(self, *, maximum: int = limits.INT32_MAX, **kwargs: Any) -> None:
        super().__init__(minimum=1, maximum=maximum, **kwargs)

    def _out_of_range(self, value: int) -> None:
        raise NotFound(_("No %(name)s %(value)s.", name=self.name or "row", value=value),
                       errors={self.name or "id": [_("No such id.")]})


class PageArgs(Schema):
    """``?page=&page_size=``: pages 1 to ``limits.PAGE_MAX``, sizes 1 to ``limits.PAGE_SIZE_MAX``."""

    page = AsciiInteger(load_default=1, minimum=1, maximum=limits.PAGE_MAX)
    page_size = AsciiInteger(load_default=50, minimum=1, maximum=limits.PAGE_SIZE_MAX)


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


__all__ = ["AsciiInteger", "ErrorSchema", "Id", "PageArgs", "ProductSchema", "error_responses",
           "numeric_limits_as_numbers", "validate"]
