"""``/api/v1/products``: the local catalog."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from common.errors import NotFound
from common.i18n import _
from common.schemas import ProductSchema as BaseProductSchema
from common.schemas import error_responses

from ..auth.guard import api_auth
from ..node import get_db
from ..schemas import PageArgs
from .queries import find, search

blp = Blueprint("products", __name__, url_prefix="/api/v1/products", description="Catalog")


class ProductQueryArgs(PageArgs):
    q = fields.String(load_default=None, metadata={"description": "name, SKU or barcode"})
    category = fields.String(load_default=None)


class ProductSchema(BaseProductSchema):
    on_hand = fields.Integer()


class ProductPageSchema(Schema):
    items = fields.List(fields.Nested(ProductSchema))
    page = fields.Integer()
    page_size = fields.Integer()
    total = fields.Integer()


@blp.route("")
class Products(MethodView):
    @api_auth()
    @blp.arguments(ProductQueryArgs, location="query")
    @blp.response(200, ProductPageSchema)
    @error_responses(blp, 401, 403)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Search by name, SKU or barcode; filter by category; paged."""
        return search(get_db(), args.get("q"), args.get("category"), args["page"],
                      args["page_size"])


@blp.route("/<code>")
class ProductByCode(MethodView):
    @api_auth()
    @blp.response(200, ProductSchema)
    @error_responses(blp, 401, 403, 404)
    def get(self, code: str) -> dict[str, Any]:
        """One product by SKU or barcode."""
        product = find(get_db(), code)
        if product is None:
            raise NotFound(_("Unknown product %(code)s.", code=repr(code)), code="unknown_product")
        return product
