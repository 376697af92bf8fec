"""The store node's Flask app: till pages, JSON API, health and metrics."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, Response, request, send_from_directory
from flask_smorest import Api

from common import config as config_module
from common import logs, metrics
from common.proxies import trust_proxies
from common.schemas import ErrorSchema, numeric_limits_as_numbers
from common.web import i18n

from . import errors, monitoring
from . import settings as settings_module
from .auth.api import blp as session_blp
from .auth.guard import page_language
from .catalog.api import blp as products_blp
from .db import NotInitialised, migrate, open_existing
from .node import Node, current_node
from .reports.api import blp as reports_blp
from .restock.api import blp as restock_blp
from .returns.api import blp as returns_blp
from .sales.api import blp as sales_blp
from .shifts.api import blp as shifts_blp
from .stock.api import blp as stock_blp
from .sync_api import blp as sync_blp
from .till import register as register_till

VENDOR_DIR = Path(__file__).resolve().parent.parent / "common" / "static" / "vendor"

log = logging.getLogger("comptoir.store")

API_DEFAULTS: dict[str, Any] = {
    "API_TITLE": "Comptoir store node",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    "OPENAPI_SWAGGER_UI_URL": "/vendor/swagger-ui/",
    "API_SPEC_OPTIONS": {
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A staff token from POST /api/v1/session.",
                }
            }
        },
        "security": [{"bearerAuth": []}],
    },
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "JSON_SORT_KEYS": False,
}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build a store node app over an initialised data folder.

    ``config`` (tests) is laid over the defaults; without it the settings come
    from ``COMPTOIR_*`` variables (and the optional TOML file).
    """
    app = Flask(__name__)
    app.config.update(API_DEFAULTS)
    if config is None:
        app.config.update(config_module.load())
    else:
        app.config.update(config_module.load(overrides=config, environ={}))
    app.config["SESSION_COOKIE_SECURE"] = bool(app.config.get("SESSION_COOKIE_SECURE"))

    db = open_existing(app.config["DATA_DIR"])  # raises NotInitialised with a clear message
    try:
        migrate(db)  # a store upgraded in place gets the schema its code expects
        store = settings_module.load(db, app.config)
    finally:
        db.close()
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = store.secret_key
    app.config["SESSION_COOKIE_NAME"] = f"comptoir_{store.store_code.lower()}"
    app.config["STORE_ID"] = store.store_id

    node = Node(app.config)
    app.extensions["comptoir_store"] = node
    app.extensions["comptoir_metrics"] = monitoring.registry_for(node.path, store.store_id)

    i18n.init_app(app, page_language)
    api = Api()
    api.ERROR_SCHEMA = ErrorSchema  # flask-smorest's own swaps the types of code and status
    api.init_app(app)
    api.ma_plugin.converter.add_attribute_function(numeric_limits_as_numbers)
    for blueprint in (session_blp, products_blp, sales_blp, returns_blp, stock_blp,
                      restock_blp, reports_blp, sync_blp, shifts_blp):
        api.register_blueprint(blueprint)
    errors.register(app)  # after Api: replaces flask-smorest's HTTPException handler
    register_till(app)

    @app.get("/healthz")
    def healthz() -> Any:
        try:
            if not node.path.exists():
                raise NotInitialised(str(node.path))
            node.pool.get().conn.execute("SELECT count(*) FROM migrations").fetchone()
        except Exception:  # noqa: BLE001 - any failure to read the file is "unavailable"
            log.exception("health check failed")
            return errors.payload(503, "unavailable", "The store database cannot be read."), 503
        return {"status": "ok"}

    @app.get("/vendor/<path:filename>")
    def vendor(filename: str) -> Response:
        """Third-party assets shared with head office (common/static/vendor), with their licences."""
        return send_from_directory(VENDOR_DIR, filename, max_age=86400)

    @app.get("/metrics")
    def metrics_page() -> Response:
        body, content_type = metrics.render(app.extensions["comptoir_metrics"])
        return Response(body, content_type=content_type)

    @app.before_request
    def name_endpoint() -> None:
        rule = request.url_rule
        request.environ["comptoir.endpoint"] = rule.rule if rule is not None else "unmatched"

    app.wsgi_app = metrics.instrument(  # type: ignore[method-assign]
        app.wsgi_app, "store", lambda environ: environ.get("comptoir.endpoint", "unmatched")
    )
    monitoring.init_app(app)
    app.wsgi_app = logs.access_log(app.wsgi_app, "store")  # type: ignore[method-assign]
    trust_proxies(app)  # X-Forwarded-For from COMPTOIR_TRUSTED_PROXIES only
    return app


def close_app(app: Flask) -> None:
    """Close every SQLite connection the app opened (tests, shutdown)."""
    node: Node | None = app.extensions.get("comptoir_store")
    if node is not None:
        node.close()


__all__ = ["close_app", "create_app", "current_node"]
