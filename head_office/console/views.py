"""The console's shell: sign in and out, the language, home (the dashboard for managers)
and the domain model. Every other console page lives with its feature, in its
``console.py`` (``reports/``, ``stock/``, ``replenishment/``, ``catalog/``, ``stores/``,
``shifts/``, ``storesync/``, ``shop/``).
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlparse

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for

from common.errors import ComptoirError
from common.i18n import language_code
from common.throttle import ThrottlePolicy
from demo.diagram import mermaid, svg

from ..auth.guard import (
    MANAGERS,
    auth_cache,
    end_page_session,
    page_login_required,
    page_user,
    start_page_session,
)
from ..auth.operations import authenticate
from ..models import User
from ..reports.console import dashboard_page
from ..users.operations import set_language
from ..web import client_address, db

bp = Blueprint("console", __name__, template_folder="../templates")


def _safe_next(target: str | None) -> str:
    if not target:
        return url_for("console.home")
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/"):
        return url_for("console.home")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    username = ""
    status = 200
    headers: dict[str, str] = {}
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        if not username or not password:
            error, status = "Enter your user name and password.", 401
        else:
            try:
                user = authenticate(
                    db(), username, password, client_address(),
                    ThrottlePolicy.from_config(current_app.config),
                )
            except ComptoirError as exc:
                error, status, headers = exc.message, exc.status, exc.headers
            else:
                db().commit()
                start_page_session(user)
                return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", error=error, username=username), status, headers


@bp.route("/language", methods=["POST"])
@page_login_required()
def choose_language():
    """Save the signed-in user's language; every page follows it from now on."""
    user = page_user()
    chosen = language_code(request.form.get("language"))
    stored = db().get(User, user.id) if user is not None else None
    if user is not None and stored is not None and chosen is not None:
        set_language(db(), stored.username, chosen)
        db().commit()
        auth_cache().remember(replace(user, language=chosen))  # other processes: at their refresh
    return redirect(_safe_next(request.form.get("next")), code=303)


@bp.route("/logout", methods=["POST"])
def logout():
    end_page_session()
    return redirect(url_for("console.login"))


@bp.route("/")
@page_login_required()
def home():
    user = page_user()
    if user is not None and user.role not in MANAGERS:
        return render_template("console/staff_home.html")
    return dashboard_page()


@bp.route("/domain")
@page_login_required(*MANAGERS)
def domain():
    return render_template("console/domain.html", diagram=svg(), mermaid_text=mermaid())


@bp.route("/domain.svg")
@page_login_required(*MANAGERS)
def domain_svg():
    return Response(
        svg(),
        mimetype="image/svg+xml",
        headers={"Content-Disposition": 'attachment; filename="comptoir-domain.svg"'},
    )


@bp.route("/domain.mmd")
@page_login_required(*MANAGERS)
def domain_mermaid():
    return Response(
        mermaid(),
        mimetype="text/plain",
        headers={"Content-Disposition": 'attachment; filename="comptoir-domain.mmd"'},
    )
