"""The bare baseline of the load test: Flask + SQLAlchemy Core on waitress, nothing else.

Serves the same four answers as head office from the same database (the product list, one
product, a store's stock, the users list), with no authentication, no validation, no
metrics and no error handling: what the hardware gives for this work over the same transport.
`POST /api/v1/session` answers a dummy token so the same locustfile runs against it.

    python bench/load/bare.py --port 8100 --database-url postgresql://...
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from flask import Flask, abort, jsonify, request  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from head_office.db import normalise_url  # noqa: E402
from head_office.serving import waitress_options  # noqa: E402

PRODUCT = ("sku, barcode, name, category, price_cents, tax_class, active, reorder_point, max_stock, "
           "version")


def create_app(url: str) -> Flask:
    app = Flask(__name__)
    engine = create_engine(normalise_url(url), pool_size=10, max_overflow=10)

    def rows(sql: str, **params):
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            return [dict(r) for r in conn.execute(text(sql), params).mappings()]

    @app.post("/api/v1/session")
    def session():
        return {"token": "bare"}, 201

    @app.get("/api/v1/products")
    def products():
        size = int(request.args.get("page_size", 50))
        page = int(request.args.get("page", 1))
        items = rows(f"SELECT {PRODUCT}, count(*) OVER () AS total FROM products ORDER BY sku "
                     "LIMIT :l OFFSET :o", l=size, o=(page - 1) * size)
        total = items[0].pop("total") if items else 0
        for item in items[1:]:
            item.pop("total")
        return jsonify({"items": items, "page": page, "page_size": size, "total": total})

    @app.get("/api/v1/products/<sku>")
    def product(sku: str):
        found = rows(f"SELECT {PRODUCT} FROM products WHERE sku = :s", s=sku)
        if not found:
            abort(404)
        return jsonify(found[0])

    @app.get("/api/v1/stores/<int:store_id>/stock")
    def stock(store_id: int):
        store = rows("SELECT id AS store_id, code, name FROM stores WHERE id = :i", i=store_id)
        if not store:
            abort(404)
        items = rows(
            "SELECT p.sku, p.name, p.category, s.on_hand, p.reorder_point, p.max_stock, "
            "s.on_hand <= p.reorder_point AS low, p.max_stock > 0 AND s.on_hand > p.max_stock AS over "
            "FROM store_stock s JOIN products p ON p.id = s.product_id WHERE s.store_id = :i ORDER BY p.sku",
            i=store_id,
        )
        return jsonify({**store[0], "items": items})

    @app.get("/api/v1/users")
    def users():
        return jsonify({"items": rows("SELECT id, username, full_name, role, store_id, active FROM users "
                                      "ORDER BY username")})

    @app.get("/healthz")
    def healthz():
        rows("SELECT 1 AS one")
        return {"status": "ok"}

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--database-url", default=os.environ.get("COMPTOIR_DATABASE_URL"))
    args = parser.parse_args()
    from waitress import serve

    serve(create_app(args.database_url), host=args.host, port=args.port, **waitress_options(args.threads))


if __name__ == "__main__":
    main()
