"""The store node's Flask app: till pages, JSON API, health and metrics."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from flask_smorest import Api

from common.errors import ComptoirError
from common.web.app import create_service_app
from common.web.errors import body as error_body

from . import monitoring
from . import settings as settings_module
from .auth.guard import api_staff, page_language, page_staff
from .db import NotInitialised, migrate, open_existing
from .node import Node, current_node

log = logging.getLogger("comptoir.store")

API_DEFAULTS: dict[str, Any] = {
    "API_TITLE": "Comptoir store node",
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
}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build a store node app over an initialised data folder.

    ``config`` (tests) is laid over the defaults; without it the settings come
    from ``COMPTOIR_*`` variables (and the optional TOML file).
    """
    return create_service_app(
        __name__,
        service="store",
        defaults=API_DEFAULTS,
        config=config,
        init_extensions=_init_extensions,
        register_blueprints=_register_blueprints,
        page_template="error.html",
        metric_label=lambda request: request.url_rule.rule if request.url_rule else "unmatched",
        signed_in=_signed_in,
        user_language=page_language,
    )


def _init_extensions(app: Flask) -> None:
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
    monitoring.init_app(app)


def _signed_in() -> bool:
    """A signed-in till user, or a valid bearer token (who may read the API docs)."""
    if page_staff() is not None:
        return True
    try:
        api_staff()
    except ComptoirError:
        return False
    return True


def _register_blueprints(app: Flask, api: Api) -> None:
    from .auth.api import blp as session_blp
    from .catalog.api import blp as products_blp
    from .reports.api import blp as reports_blp
    from .restock.api import blp as restock_blp
    from .returns.api import blp as returns_blp
    from .sales.api import blp as sales_blp
    from .shifts.api import blp as shifts_blp
    from .stock.api import blp as stock_blp
    from .sync.api import blp as sync_blp
    from .till import pages, returns, sell, shifts, stock

    for blp in (session_blp, products_blp, sales_blp, returns_blp, stock_blp,
                restock_blp, reports_blp, sync_blp, shifts_blp):
        api.register_blueprint(blp)
    for bp in (pages.bp, sell.bp, returns.bp, stock.bp, shifts.bp):
        app.register_blueprint(bp)
    _register_service_routes(app)


def _register_service_routes(app: Flask) -> None:
    node: Node = app.extensions["comptoir_store"]

    @app.get("/healthz")
    def healthz() -> Any:
        try:
            if not node.path.exists():
                raise NotInitialised(str(node.path))
            node.pool.get().conn.execute("SELECT count(*) FROM migrations").fetchone()
        except Exception:  # noqa: BLE001 - any failure to read the file is "unavailable"
            log.exception("health check failed")
            return error_body(503, "unavailable", "The store database cannot be read."), 503
        return {"status": "ok"}


def close_app(app: Flask) -> None:
    """Close every SQLite connection the app opened (tests, shutdown)."""
    node: Node | None = app.extensions.get("comptoir_store")
    if node is not None:
        node.close()


__all__ = ["close_app", "create_app", "current_node"]
