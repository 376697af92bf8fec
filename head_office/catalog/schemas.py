from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from common.i18n import _, field_error
from common.limits import UNIT_PRICE_MAX_CENTS
from common.money import decimal_amount
from common.schemas import PageArgs, ProductSchema

__all__ = ["ProductSchema"]


class ProductQueryArgs(PageArgs):
    q = fields.String(validate=validate.Length(max=200))
    category = fields.String(validate=validate.Length(max=80))


class ProductPageSchema(Schema):
    items = fields.List(fields.Nested(ProductSchema))
    page = fields.Integer()
    page_size = fields.Integer()
    total = fields.Integer()


SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
MAX_PRICE_CENTS = UNIT_PRICE_MAX_CENTS  # what a till may sell a unit at (common.limits)
PRICE_ERROR = field_error(_("A price from 0 to %(max)s.", max=decimal_amount(MAX_PRICE_CENTS)))
MAX_LEVEL = 1_000_000


class _ProductFields(Schema):
    """Strict input: integers must be JSON numbers, booleans true/false, unknown fields refused."""

    barcode = fields.String(allow_none=True, validate=validate.Length(max=13))
    name = fields.String(validate=validate.Length(min=1, max=200))
    category = fields.String(validate=validate.Length(min=1, max=80))
    price_cents = fields.Integer(
        strict=True,
        validate=validate.Range(min=0, max=MAX_PRICE_CENTS, error=PRICE_ERROR),
    )
    tax_class = fields.String(validate=validate.OneOf(["standard", "exempt"]))
    active = fields.Boolean(truthy={True}, falsy={False})
    reorder_point = fields.Integer(strict=True, validate=validate.Range(min=0, max=MAX_LEVEL))
    max_stock = fields.Integer(strict=True, validate=validate.Range(min=0, max=MAX_LEVEL))

    @validates_schema
    def _not_blank(self, data, **_kwargs):
        errors = {}
        for key in ("name", "category"):
            if key in data and not data[key].strip():
                errors[key] = [_("Cannot be blank.")]
        if errors:
            raise ValidationError(errors)

    @post_load
    def _tidy(self, data, **_kwargs):
        for key in ("name", "category"):
            if key in data:
                data[key] = " ".join(data[key].split())
        if "barcode" in data and data["barcode"] is not None:
            data["barcode"] = data["barcode"].strip() or None
        return data


class ProductCreateArgs(_ProductFields):
    sku = fields.String(
        required=True,
        validate=validate.Regexp(
            SKU_PATTERN,
            error=field_error(
                _("Letters, digits, '.', '_' or '-' (at most 64), starting with a letter or digit.")
            ),
        ),
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    category = fields.String(required=True, validate=validate.Length(min=1, max=80))
    price_cents = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=0, max=MAX_PRICE_CENTS, error=PRICE_ERROR),
    )


class ProductPatchArgs(_ProductFields):
    pass
