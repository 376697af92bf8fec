"""The head-office application factory."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import Any

from flask import Flask, has_request_context, jsonify
from flask_smorest import Api

from common.clock import parse_instant, utcnow
from common.errors import Unauthorized
from common.i18n import _
from common.tokens import HEAD_OFFICE, TokenSigner
from common.web import i18n
from common.web.app import create_service_app

from . import monitoring
from .auth.cache import AuthCache
from .auth.guard import api_user, page_language, page_user
from .db import make_engine, make_session_factory
from .web import close_db

log = logging.getLogger(__name__)


API_DEFAULTS: dict[str, Any] = {
    "API_TITLE": "Comptoir head office",
    "API_SPEC_OPTIONS": {
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A staff token from POST /api/v1/session.",
                },
                "storeToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A store's sync token (`comptoir head-office stores token N`).",
                },
            }
        },
        "security": [{"bearer": []}],
    },
    "SESSION_COOKIE_NAME": "comptoir_ho_session",
}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the head-office app: defaults, then the environment (or the test dict)."""
    return create_service_app(
        __name__,
        service="head_office",
        defaults=API_DEFAULTS,
        config=config,
        environ_with_overrides=True,
        init_extensions=_init_extensions,
        register_blueprints=_register_blueprints,
        page_template="errors/error.html",
        metric_label=lambda request: request.endpoint or "unmatched",
        signed_in=_signed_in,
        user_language=page_language,
    )


def _init_extensions(app: Flask) -> None:
    if not app.config.get("DATABASE_URL"):
        raise RuntimeError(
            "COMPTOIR_DATABASE_URL is not set: head office needs a PostgreSQL URL "
            "(or run `comptoir demo`, which starts an embedded PostgreSQL)."
        )
    if not app.config.get("SECRET_KEY"):
        log.warning("COMPTOIR_SECRET_KEY is not set: using a random key (sessions end at restart)")
        app.config["SECRET_KEY"] = secrets.token_urlsafe(32)
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=float(app.config["TOKEN_TTL_HOURS"]))

    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["comptoir_engine"] = engine
    if app.config.get("DATABASE_REPLICA_URL"):  # reports, the dashboard and CSV exports read there
        replica = make_engine(app.config["DATABASE_REPLICA_URL"])
        app.extensions["comptoir_replica_engine"] = replica
        app.extensions["comptoir_replica_sessions"] = make_session_factory(replica)
    app.extensions["comptoir_metrics"] = monitoring.registry_for(engine)
    monitoring.watch_pool(engine)
    monitoring.init_app(app)
    app.extensions["comptoir_sessions"] = make_session_factory(engine)
    token_ttl_s = int(float(app.config["TOKEN_TTL_HOURS"]) * 3600)
    app.extensions["comptoir_signer"] = TokenSigner(app.config["SECRET_KEY"], token_ttl_s, HEAD_OFFICE)
    app.extensions["comptoir_auth"] = AuthCache(
        engine, float(app.config.get("AUTH_REFRESH_S") or 0), token_ttl_s
    )
    app.teardown_appcontext(close_db)

    app.jinja_env.filters["ago"] = time_ago
    app.context_processor(lambda: {"current_user": page_user()})


def _signed_in() -> bool:
    """A signed-in console user, or a valid bearer token (who may read the API docs)."""
    if page_user() is not None:
        return True
    try:
        api_user()
    except Unauthorized:
        return False
    return True


def time_ago(instant: str | None) -> str:
    """'2026-11-24T23:13:17.944Z' -> '3 min ago' / 'il y a 3 min' (the API keeps the instant)."""
    def say(message: Any) -> str:
        return str(i18n.translate(message)) if has_request_context() else str(message)

    if not instant:
        return say(_("never"))
    try:
        seconds = int((utcnow() - parse_instant(instant)).total_seconds())
    except ValueError:
        return instant
    if seconds < 60:
        return say(_("%(s)s s ago", s=max(seconds, 0)))
    if seconds < 3600:
        return say(_("%(m)s min ago", m=seconds // 60))
    if seconds < 86400:
        return say(_("%(h)s h %(m)s min ago", h=seconds // 3600, m=seconds % 3600 // 60))
    return say(_("%(d)s days ago", d=seconds // 86400))


def _register_blueprints(app: Flask, api: Api) -> None:
    from .auth.views import blp as session_blp
    from .catalog import console as catalog_console
    from .catalog.views import blp as products_blp
    from .console import views as console_shell
    from .replenishment import console as replenishment_console
    from .replenishment.views import blp as replenishment_blp
    from .reports import console as reports_console
    from .reports.views import blp as reports_blp
    from .shifts import console as shifts_console
    from .shifts.views import blp as shifts_blp
    from .shop import console as shop_console
    from .shop import pages as shop_pages
    from .shop import runtime as shop_runtime
    from .shop.api import blp as shop_api_blp
    from .shop.api import staff_blp as shop_staff_blp
    from .stock import console as stock_console
    from .stock.views import blp as stock_blp
    from .stores import console as stores_console
    from .stores.views import blp as stores_blp
    from .storesync import console as sync_console
    from .storesync.views import blp as sync_blp
    from .users.views import blp as users_blp

    # The JSON API (flask-smorest: in the OpenAPI document), then the pages (plain Flask),
    # each feature's ``console.bp``, the console's shell last.
    for blp in (session_blp, products_blp, stores_blp, users_blp, sync_blp, stock_blp,
                replenishment_blp, reports_blp, shop_api_blp, shop_staff_blp, shifts_blp):
        api.register_blueprint(blp)
    shop_runtime.init_app(app)
    for bp in (shop_pages.bp, shop_console.bp, reports_console.bp, stock_console.bp,
               replenishment_console.bp, catalog_console.bp, stores_console.bp, shifts_console.bp,
               sync_console.bp, console_shell.bp):
        app.register_blueprint(bp)
    _register_service_routes(app)


def _register_service_routes(app: Flask) -> None:
    engine = app.extensions["comptoir_engine"]

    @app.get("/healthz")
    def healthz():
        try:  # one round trip on an autocommit connection: no session, no BEGIN, no ROLLBACK
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("SELECT 1")
        except Exception:  # noqa: BLE001 - any failure means the database is unreachable
            log.warning("health check: database unreachable", exc_info=True)
            return jsonify({"status": "unavailable", "database": "unreachable"}), 503
        return jsonify({"status": "ok"})
