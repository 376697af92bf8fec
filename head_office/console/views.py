"""Console pages: sign in and out, home (the dashboard for managers), catalog and stores.

The dashboard, reports and domain pages live in ``pages.py``; stock, replenishment and
catalog editing pages in ``manage.py``.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlparse

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from common.errors import ComptoirError
from common.limits import PAGE_MAX, parse_ascii_int
from common.throttle import ThrottlePolicy

from ..auth.guard import (
    MANAGERS,
    auth_cache,
    end_page_session,
    page_login_required,
    page_user,
    start_page_session,
)
from ..auth.operations import authenticate
from ..catalog.queries import categories, search_products
from ..models import User
from ..stores.operations import list_stores
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
    from common.i18n import language_code

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
    from .pages import dashboard_page

    return dashboard_page()


@bp.route("/products")
@page_login_required()
def products():
    q = request.args.get("q", "").strip()[:200]
    category = request.args.get("category", "").strip()[:80]
    page = parse_ascii_int(request.args.get("page", "1"), minimum=1, maximum=PAGE_MAX) or 1
    items, total = search_products(db(), q=q or None, category=category or None, page=page, page_size=50)
    user = page_user()
    return render_template(
        "console/products.html",
        can_edit=user is not None and user.role in MANAGERS,
        saved=request.args.get("saved", "")[:64],
        items=items,
        total=total,
        q=q,
        category=category,
        categories=categories(db()),
        page=page,
        pages=max(1, (total + 49) // 50),
    )


@bp.route("/stores")
@page_login_required(*MANAGERS)
def stores():
    return render_template("console/stores.html", stores=list_stores(db()))


# The other console pages register their routes on ``bp``.
from . import manage, pages, sync_health  # noqa: E402,F401
