"""Till pages shared by every screen: sign-in, sign-out, the sync banner, page helpers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlparse

from flask import (
    Blueprint,
    Response,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_timedelta, gettext
from markupsafe import Markup

from common import i18n as i18n_codes
from common.barcodes import code128_svg
from common.clock import business_date, parse_instant, utcnow
from common.errors import ComptoirError, Unauthorized
from common.i18n import _
from common.web import i18n

from ..auth.guard import client_address, page_staff
from ..auth.operations import Staff, sign_in, sign_out
from ..node import current_node, get_db, signer, store_settings
from ..sync import outbox

bp = Blueprint("till", __name__)
F = TypeVar("F", bound=Callable[..., Any])


def login_required(role: str = "cashier") -> Callable[[F], F]:
    """Send people who are not signed in to the sign-in page; refuse lower roles politely."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            staff = page_staff()
            if staff is None:
                target = url_for("till.login", next=request.full_path.rstrip("?"))
                if request.headers.get("HX-Request"):
                    response = make_response("", 204)
                    response.headers["HX-Redirect"] = target
                    return response
                return redirect(target)
            if not staff.at_least(role):
                return render_template(
                    "error.html",
                    error={"status": 403, "code": "forbidden",
                           "message": _("This page is for a %(role)s or above.",
                                        role=i18n.label(role))},
                ), 403
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def current_staff() -> Staff:
    staff = page_staff()
    assert staff is not None  # guarded by login_required
    return staff


def today() -> str:
    return business_date(utcnow(), store_settings().timezone).isoformat()


def age_text(instant: str | None, now: datetime | None = None, direction: bool = True) -> str:
    """'3 minutes ago' / 'il y a 3 minutes' (``direction=False``: '3 minutes')."""
    if not instant:
        return gettext("never")
    seconds = int(((now or utcnow()) - parse_instant(instant)).total_seconds())
    if seconds < 5 and direction:
        return gettext("just now")
    return format_timedelta(timedelta(seconds=-max(seconds, 0)), add_direction=direction,
                            threshold=1.1)


def local_time(instant: str | None, with_date: bool = True) -> str:
    """A stored UTC instant in the store's timezone, as the reader's language writes it."""
    if not instant:
        return ""
    timezone = store_settings().timezone
    return i18n.moment(instant, timezone, "short") if with_date else i18n.clock(instant, timezone)


def receipt_info() -> dict[str, Any]:
    """What a Quebec receipt carries besides the sale: the store's address and tax numbers."""
    store = store_settings()
    return {
        "address": [part.strip() for part in store.store_address.split("|") if part.strip()],
        "gst_number": store.gst_number,
        "qst_number": store.qst_number,
    }


def receipt_barcode(number: str) -> Markup:
    """The receipt number as a Code 128 barcode (inline SVG) the returns screen reads back."""
    return Markup(code128_svg(number))


def sync_state() -> dict[str, Any]:
    state = outbox.status(get_db())
    state["oldest_text"] = age_text(state["oldest_pending_at"], direction=False)
    state["last_push_text"] = age_text(state["last_push_at"])
    return state


@bp.app_context_processor
def till_context() -> dict[str, Any]:
    return {"age_text": age_text, "local_time": local_time, "receipt_barcode": receipt_barcode,
            "receipt_info": receipt_info()}


def page(template: str, **context: Any) -> str:
    """Render a full till page with the store, the staff member and the sync banner."""
    return render_template(
        template,
        store=store_settings(),
        staff=page_staff(),
        sync=sync_state(),
        **context,
    )


def safe_next(target: str | None) -> str:
    if not target:
        return url_for("sell.sale_screen")
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("sell.sale_screen")
    return target


@bp.get("/")
def index() -> Response:
    return redirect(url_for("sell.sale_screen"))  # type: ignore[return-value]


@bp.get("/favicon.ico")
def favicon() -> Any:
    return "", 204


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error = None
    username = ""
    status = 200
    headers: dict[str, str] = {}
    if request.method == "POST":
        username = request.form.get("username", "")
        try:
            token, _staff = sign_in(
                get_db(), signer(), username, request.form.get("password", ""),
                store_settings().store_id, current_node().throttle, client_address(),
            )
        except ComptoirError as exc:
            error, status, headers = exc.message, exc.status, exc.headers
        else:
            session.clear()
            session["token"] = token
            session.permanent = False
            return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", store=store_settings(), error=error,
                           username=username, sync=sync_state()), status, headers


@bp.post("/logout")
def logout() -> Response:
    token = session.get("token")
    if token:
        try:
            sign_out(get_db(), signer(), token)
        except Unauthorized:
            pass  # a session whose token is no longer valid here: nothing to revoke
    cart_id = session.get("cart_id")
    if cart_id:
        get_db().conn.execute("DELETE FROM carts WHERE id = ?", (cart_id,))
    session.clear()
    return redirect(url_for("till.login"))  # type: ignore[return-value]


@bp.post("/language")
@login_required()
def choose_language() -> Response:
    """Save the signed-in staff member's language at this store; every page follows it."""
    chosen = i18n_codes.language_code(request.form.get("language"))
    if chosen is not None:
        get_db().conn.execute("UPDATE users SET language = ? WHERE id = ?", (chosen, current_staff().id))
    return redirect(safe_next(request.form.get("next")), code=303)  # type: ignore[return-value]


@bp.get("/sync-banner")
def sync_banner() -> Any:
    if page_staff() is None:
        return "", 204
    return render_template("till/_banner.html", sync=sync_state())
