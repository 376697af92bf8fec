"""Who may use the shop: customers (role ``customer``) by bearer token or session cookie."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import redirect, request, url_for

from common.errors import Forbidden
from common.i18n import _

from ..auth.cache import Principal
from ..auth.guard import api_user, page_user
from ..models import CUSTOMER


def api_customer() -> Principal:
    user = api_user()
    if user.role != CUSTOMER:
        raise Forbidden(
            _("The shop API is for customer accounts."), code="forbidden",
            errors={"required_roles": [CUSTOMER]},
        )
    return user


def customer_required(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        api_customer()
        return view(*args, **kwargs)

    return wrapper


def page_customer() -> Principal | None:
    user = page_user()
    return user if user is not None and user.role == CUSTOMER else None


def page_customer_required(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        user = page_user()
        if user is None:
            return redirect(url_for("shop.login", next=request.full_path))
        if user.role != CUSTOMER:
            raise Forbidden(_("The shop's cart and orders are for customer accounts."))
        return view(*args, **kwargs)

    return wrapper
