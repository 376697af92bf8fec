"""Catalog API: ``GET /api/v1/products`` and ``GET /api/v1/products/<sku>``."""

from __future__ import annotations

from flask_smorest import Blueprint

from common.errors import NotFound

from ..auth.guard import roles_required
from ..web import db
from .queries import product_by_sku, search_products
from .schemas import ProductPageSchema, ProductQueryArgs, ProductSchema

blp = Blueprint("products", __name__, url_prefix="/api/v1/products", description="Catalog")


@blp.route("")
@roles_required()
@blp.arguments(ProductQueryArgs, location="query")
@blp.response(200, ProductPageSchema)
def list_products(args):
    """Search products by name, SKU or barcode (``q``), filter by ``category``, paginated."""
    items, total = search_products(db(), **args)
    return {"items": items, "page": args["page"], "page_size": args["page_size"], "total": total}


@blp.route("/<string:sku>")
@roles_required()
@blp.response(200, ProductSchema)
def get_product(sku: str):
    product = product_by_sku(db(), sku)
    if product is None:
        raise NotFound(f"No product with SKU {sku}.", code="unknown_sku")
    return product
