"""Catalog API: search, read, create (``POST``) and edit (``PATCH``) products."""

from __future__ import annotations

from flask_smorest import Blueprint

from common.errors import NotFound, ValidationFailed
from common.i18n import _
from common.schemas import error_responses

from ..auth.guard import MANAGERS, api_user, roles_required
from ..web import db, json_response, read_db
from . import operations
from .queries import product_wire, search_products
from .schemas import ProductCreateArgs, ProductPageSchema, ProductPatchArgs, ProductQueryArgs, ProductSchema

blp = Blueprint("products", __name__, url_prefix="/api/v1/products", description="Catalog")


@blp.route("")
@roles_required()
@blp.arguments(ProductQueryArgs, location="query")
@blp.response(200, ProductPageSchema)
@error_responses(blp, 401)
def list_products(args):
    """Search products by name, SKU or barcode (``q``), filter by ``category``, paginated."""
    items, total = search_products(read_db(), **args)
    page = {"items": items, "page": args["page"], "page_size": args["page_size"], "total": total}
    return json_response(page)


@blp.route("/<string:sku>")
@roles_required()
@blp.response(200, ProductSchema)
@error_responses(blp, 401, 404)
def get_product(sku: str):
    product = product_wire(read_db(), sku)
    if product is None:
        raise NotFound(_("No product with SKU %(sku)s.", sku=sku), code="unknown_sku")
    return json_response(product)


@blp.route("", methods=["POST"])
@roles_required(*MANAGERS)
@blp.arguments(ProductCreateArgs)
@blp.response(201, ProductSchema)
@error_responses(blp, 401, 403, 409)
def create_product(args):
    """Create a product (and its empty central-stock row); stores receive it by sync."""
    session = db()
    product = operations.create_product(session, args, api_user().username)
    session.commit()
    return product


@blp.route("/<string:sku>", methods=["PATCH"])
@roles_required(*MANAGERS)
@blp.arguments(ProductPatchArgs)
@blp.response(200, ProductSchema)
@error_responses(blp, 401, 403, 404, 409)
def patch_product(args, sku: str):
    """Change price, name, category, tax class, barcode, reorder point, max stock or active.

    Each change bumps the version; stores receive it by sync. Sales already made keep their price.
    """
    if not args:
        raise ValidationFailed(_("Nothing to change: send at least one field."), errors={})
    session = db()
    product = operations.update_product(session, sku, args, api_user().username)
    session.commit()
    return product
