"""One app-factory skeleton for both services.

``create_service_app`` does, in this order: shared defaults, the service's
defaults, the configuration (``COMPTOIR_*`` variables and the TOML file, or
a test dict), the service's extensions, the languages (Flask-Babel) (``app.extensions["comptoir_metrics"]``
holds its scrape-time collectors), the API (flask-smorest, with the common
error schema and numeric limits as numbers), the shared
edge (errors, request id, security headers, input checks, CSRF, access to
``/metrics`` and the API docs), the service's blueprints, the shared routes
(``/metrics``, ``/vendor/...``, ``/assets/...``), the request metrics and the
access log (``common.logs``, which also settles the request id).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, Request, Response, request, send_from_directory
from jinja2 import ChoiceLoader, FileSystemLoader

from common import config as config_module
from common import limits, logs, metrics
from common.proxies import trust_proxies
from common.schemas import ErrorSchema, numeric_limits_as_numbers

from . import access, apidoc, csrf, edge, errors, headers, i18n, requestid
from .apidoc import Api

COMMON_DIR = Path(__file__).resolve().parent.parent
VENDOR_DIR = COMMON_DIR / "static" / "vendor"
ASSETS_DIR = Path(__file__).resolve().parent / "static"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

SHARED_DEFAULTS: dict[str, Any] = {
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    "OPENAPI_SWAGGER_UI_URL": "/vendor/swagger-ui/",
    # The largest body any route takes (a sync push); others are held to
    # limits.JSON_MAX_BYTES by the edge before anything reads them.
    "MAX_CONTENT_LENGTH": limits.PUSH_MAX_BYTES,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "JSON_SORT_KEYS": False,
}


def create_service_app(
    import_name: str,
    *,
    service: str,
    defaults: dict[str, Any],
    config: dict[str, Any] | None,
    init_extensions: Callable[[Flask], None],
    register_blueprints: Callable[[Flask, Api], None],
    page_template: str,
    metric_label: Callable[[Request], str],
    signed_in: Callable[[], bool],
    user_language: Callable[[], str | None],
    environ_with_overrides: bool = False,
) -> Flask:
    """Build a service app.

    ``config`` (tests, commands) is laid over the defaults; without it the
    settings come from the environment. ``environ_with_overrides`` reads the
    environment under a test dict too (head office's commands pass only the
    database URL). ``metric_label(request)`` names a request's endpoint in
    the metrics (never the raw path). ``signed_in()`` says whether the
    caller is a signed-in user (who may read the API docs); ``user_language()``
    the signed-in user's saved language, if any (``i18n``).
    """
    app = Flask(import_name)
    app.config.update(SHARED_DEFAULTS)
    app.config.update(defaults)
    if config is None or environ_with_overrides:
        app.config.update(config_module.load(overrides=config))
    else:
        app.config.update(config_module.load(overrides=config, environ={}))
    app.config["SESSION_COOKIE_SECURE"] = bool(app.config.get("SESSION_COOKIE_SECURE"))
    # Shared templates (the Swagger UI page without inline script) come after the service's own.
    app.jinja_loader = ChoiceLoader([  # type: ignore[assignment]
        FileSystemLoader(str(Path(app.root_path) / app.template_folder)),  # type: ignore[operator]
        FileSystemLoader(str(TEMPLATES_DIR)),
    ])

    app.extensions["comptoir_signed_in"] = signed_in
    init_extensions(app)
    i18n.init_app(app, user_language)

    @app.before_request
    def name_endpoint() -> None:
        request.environ["comptoir.endpoint"] = metric_label(request)

    api = Api()
    api.ERROR_SCHEMA = ErrorSchema  # flask-smorest's own swaps the types of code and status
    # No catch-all "default" response: each operation lists every status it answers (apidoc).
    api.DEFAULT_ERROR_RESPONSE_NAME = None  # type: ignore[assignment]
    api.init_app(app)
    apidoc.init_api(api)
    api.ma_plugin.converter.add_attribute_function(numeric_limits_as_numbers)
    errors.init_app(app, page_template)  # after Api: replaces flask-smorest's HTTP error handler
    requestid.init_app(app)
    headers.init_app(app)
    edge.init_app(app)
    csrf.init_app(app)
    access.init_app(app)

    register_blueprints(app, api)
    _register_shared_routes(app)

    app.wsgi_app = metrics.instrument(  # type: ignore[method-assign]
        app.wsgi_app, service, lambda environ: environ.get("comptoir.endpoint", "unmatched")
    )
    app.wsgi_app = logs.access_log(app.wsgi_app, service)  # type: ignore[method-assign]
    trust_proxies(app)  # X-Forwarded-For from COMPTOIR_TRUSTED_PROXIES only
    return app


def _register_shared_routes(app: Flask) -> None:
    @app.get("/metrics")
    def metrics_page() -> Response:
        access.check_metrics_token()
        body, content_type = metrics.render(app.extensions.get("comptoir_metrics"))
        return Response(body, content_type=content_type)

    @app.get("/vendor/<path:filename>")
    def vendor(filename: str) -> Response:
        """Third-party assets both services serve (common/static/vendor), with their licences."""
        return send_from_directory(VENDOR_DIR, filename, max_age=86400)

    @app.get("/assets/<path:filename>")
    def shared_assets(filename: str) -> Response:
        """Comptoir's own scripts both services serve (the API docs' start-up script)."""
        return send_from_directory(ASSETS_DIR, filename, max_age=3600)
